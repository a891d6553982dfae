"""ExternalDNS stand-in: Route53 records (in moto) for hosted clusters' routes, with TXT ownership.

As ExternalDNS with `--registry=txt --txt-owner-id=<id>` (the HyperShift install runs it that way):
every A record it writes is accompanied by TXT ownership records, one with the record's own name and
one with the type-prefixed name (`a-<name>`), whose value is
`"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=route/<ns>/<route>"`.
A record whose name already exists without this owner's TXT belongs to someone else: it is never
created over, overwritten or deleted. A Route with the `external-dns.alpha.kubernetes.io/hostname`
annotation gets an A record in the public zone of its hosted cluster's base domain, and
`*.apps.<name>.<baseDomain>` is kept while the control-plane namespace has such a Route. Records are
removed (A and TXT) `mgmt.external_dns_delay` seconds after their Route (or the last Route) is gone.
"""

import hashlib
import logging
import time

from . import resources

log = logging.getLogger(__name__)
_ROUTES = resources.lookup("route.openshift.io/v1", "Route")
_HC = resources.lookup(None, "HostedCluster")
ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
HERITAGE = "heritage=external-dns"


def owner_value(owner, resource):
    return '"%s,external-dns/owner=%s,external-dns/resource=%s"' % (HERITAGE, owner, resource)


def parse_owner(txt_values):
    """The owner id in ExternalDNS TXT values (quoted strings), or None when none is a registry record."""
    for value in txt_values:
        fields = dict(f.split("=", 1) for f in value.strip('"').split(",") if "=" in f)
        if fields.get("heritage") == "external-dns" and fields.get("external-dns/owner"):
            return fields["external-dns/owner"]
    return None


def txt_names(fqdn):
    """Both TXT registry names of an A record: the record's own name and the new `a-` prefixed one."""
    if fqdn.startswith("*."):
        return [fqdn]  # the simulator writes only the same-name TXT for a wildcard
    return [fqdn, "a-" + fqdn]


def _norm(name):
    return name.rstrip(".").replace("\\052", "*")


class ExternalDNS:
    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.owner = getattr(mgmt, "dns_owner_id", None) or mgmt.name
        self.records = {}  # fqdn -> (zone_id, value, resource) written by this owner
        self.pending = {}  # fqdn -> monotonic deadline for its deletion
        # the address of this management cluster's router (TEST-NET-1, one per owner)
        self.address = "192.0.2.%d" % (10 + int(hashlib.sha256(self.owner.encode()).hexdigest(), 16) % 240)
        self.foreign = {}  # fqdn -> when to look again (another owner has it; logged once)
        self._zones = {}
        self._r53 = None

    def _client(self):
        """One Route53 client, made once (making a boto3 client costs ~50 ms)."""
        if self.mgmt.moto is None:
            return None
        if self._r53 is None:
            self._r53 = self.mgmt.moto.client("route53")
        return self._r53

    def zone_id(self, base_domain):
        if base_domain in self._zones:
            return self._zones[base_domain]
        r53 = self._client()
        name = base_domain.rstrip(".") + "."
        for zone in r53.list_hosted_zones_by_name(DNSName=name).get("HostedZones", []):
            if zone["Name"] == name and not zone.get("Config", {}).get("PrivateZone"):
                self._zones[base_domain] = zone["Id"].split("/")[-1]
                return self._zones[base_domain]
        zone = r53.create_hosted_zone(
            Name=name, CallerReference="sim-%s-%s-%f" % (self.owner, base_domain, time.time())
        )
        self._zones[base_domain] = zone["HostedZone"]["Id"].split("/")[-1]
        return self._zones[base_domain]

    def _zone_records(self, zone_id):
        """{(name, type): record set} of the zone, names without the trailing dot."""
        out = {}
        r53 = self._client()
        for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
            for rr in page["ResourceRecordSets"]:
                out[(_norm(rr["Name"]), rr["Type"])] = rr
        return out

    @staticmethod
    def _values(records, name, rtype):
        return [r["Value"] for r in (records.get((name, rtype)) or {}).get("ResourceRecords", [])]

    def _batch(self, action, zone_id, fqdn, value, resource):
        record = {"Name": fqdn, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
        changes = [{"Action": action, "ResourceRecordSet": record}]
        for name in txt_names(fqdn):
            changes.append({"Action": action, "ResourceRecordSet": {
                "Name": name, "Type": "TXT", "TTL": 300,
                "ResourceRecords": [{"Value": owner_value(self.owner, resource)}]}})  # fmt: skip
        self._client().change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})

    def owner_of(self, fqdn, zone_id):
        """Owner id of the TXT registry record of fqdn in the zone (None: no record or not a registry one)."""
        return parse_owner(self._values(self._zone_records(zone_id), _norm(fqdn), "TXT"))

    def _desired(self):
        """fqdn -> (base domain, value, resource) for every live annotated Route and its namespace's wildcard."""
        hcs = {}
        for hc in self.mgmt.store.list(_HC)[0]:
            if not hc["metadata"].get("deletionTimestamp"):
                ns = "%s-%s" % (hc["metadata"]["namespace"], hc["metadata"]["name"])
                hcs[ns] = (hc["metadata"]["name"], (hc["spec"].get("dns") or {}).get("baseDomain", "example.com"))
        out = {}
        for r in self.mgmt.store.list(_ROUTES)[0]:
            meta = r["metadata"]
            host = (meta.get("annotations") or {}).get(ANNOTATION)
            if not host or meta.get("deletionTimestamp") or meta["namespace"] not in hcs:
                continue
            name, base = hcs[meta["namespace"]]
            if not host.endswith("." + base):
                continue
            out[host] = (base, self.address, "route/%s/%s" % (meta["namespace"], meta["name"]))
            out["*.apps.%s.%s" % (name, base)] = (base, self.address, "hostedcluster/%s" % meta["namespace"])
        return out

    def reconcile(self):
        if self.mgmt.moto is None:
            return
        try:
            self._reconcile()
        except Exception as exc:  # noqa: BLE001 - moto down on purpose: try again on the next pass
            log.warning("external-dns %s: %s", self.owner, exc)

    def _reconcile(self):
        desired = self._desired()
        clock = time.monotonic()
        # another owner's names are looked at again once a second, not on every pass (listing costs)
        missing = {h: d for h, d in desired.items() if h not in self.records and self.foreign.get(h, 0) <= clock}
        zones = {}
        for host, (base, value, resource) in missing.items():
            self.pending.pop(host, None)
            zone = self.zone_id(base)
            if zone not in zones:
                zones[zone] = self._zone_records(zone)
            existing = zones[zone]
            owner = parse_owner(self._values(existing, host, "TXT"))
            if (host, "A") in existing or owner is not None:
                if owner == self.owner:  # ours from an earlier life: adopt
                    self.records[host] = (zone, value, resource)
                else:
                    if host not in self.foreign:
                        log.info("external-dns %s: %s is owned by %s, left alone", self.owner, host, owner or "nobody")
                    self.foreign[host] = clock + 1.0
                continue
            self.foreign.pop(host, None)
            # UPSERT after the check above, not CREATE: moto refuses a CREATE equal to one in its change
            # journal whenever any record sorts after the name (a moto bug), e.g. a record re-created
            self._batch("UPSERT", zone, host, value, resource)
            self.records[host] = (zone, value, resource)
        for host in list(self.records):
            if host in desired:
                self.pending.pop(host, None)
                continue
            deadline = self.pending.setdefault(host, clock + self.mgmt.external_dns_delay)
            if clock < deadline:
                continue
            zone, value, resource = self.records[host]
            records = self._zone_records(zone)
            if parse_owner(self._values(records, host, "TXT")) == self.owner:
                # delete exactly what is there now (a DELETE must match the record set)
                keys = [(host, "A")] + [(n, "TXT") for n in txt_names(host)]
                changes = [{"Action": "DELETE", "ResourceRecordSet": records[k]} for k in keys if k in records]
                if changes:
                    self._client().change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
            del self.records[host]
            del self.pending[host]
