"""ExternalDNS stand-in: Route53 records (in moto) for hosted clusters' routes.

A Route with the `external-dns.alpha.kubernetes.io/hostname` annotation gets an A record in the
public zone of its hosted cluster's base domain; `*.apps.<name>.<baseDomain>` is added when the
control plane is rendered. A record is removed `mgmt.external_dns_delay` seconds after its Route is
gone, and the wildcard once no Route is left in the control-plane namespace.
"""

import logging
import time

from . import resources

log = logging.getLogger(__name__)
_ROUTES = resources.lookup("route.openshift.io/v1", "Route")
ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"


class ExternalDNS:
    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.records = {}  # fqdn -> (zone_id, value, namespace, route name or None)
        self.pending = {}  # fqdn -> monotonic deadline for its deletion
        self._zones = {}

    def _client(self):
        return self.mgmt.moto.client("route53") if self.mgmt.moto is not None else None

    def zone_id(self, base_domain):
        if base_domain in self._zones:
            return self._zones[base_domain]
        r53 = self._client()
        name = base_domain.rstrip(".") + "."
        for zone in r53.list_hosted_zones_by_name(DNSName=name).get("HostedZones", []):
            if zone["Name"] == name and not zone.get("Config", {}).get("PrivateZone"):
                self._zones[base_domain] = zone["Id"].split("/")[-1]
                return self._zones[base_domain]
        zone = r53.create_hosted_zone(Name=name, CallerReference="sim-%s-%f" % (base_domain, time.time()))
        self._zones[base_domain] = zone["HostedZone"]["Id"].split("/")[-1]
        return self._zones[base_domain]

    def _change(self, action, zone_id, fqdn, value):
        self._client().change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": action,
                        "ResourceRecordSet": {
                            "Name": fqdn,
                            "Type": "A",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": value}],
                        },
                    }
                ]
            },
        )

    def add_wildcard(self, hc, hcp_ns):
        if self.mgmt.moto is None:
            return
        name, base = hc["metadata"]["name"], (hc["spec"].get("dns") or {}).get("baseDomain", "example.com")
        fqdn = "*.apps.%s.%s" % (name, base)
        try:
            zone = self.zone_id(base)
            self._change("UPSERT", zone, fqdn, "192.0.2.20")
        except Exception as exc:  # noqa: BLE001 - S3/Route53 may be down on purpose; retried later
            log.warning("external-dns: %s", exc)
            return
        self.records[fqdn] = (zone, "192.0.2.20", hcp_ns, None)

    def _base_domain(self, hcp_ns):
        for hc in self.mgmt.store.list(resources.lookup(None, "HostedCluster"))[0]:
            if "%s-%s" % (hc["metadata"]["namespace"], hc["metadata"]["name"]) == hcp_ns:
                return (hc["spec"].get("dns") or {}).get("baseDomain", "example.com")
        return None

    def reconcile(self):
        if self.mgmt.moto is None:
            return
        routes = self.mgmt.store.list(_ROUTES)[0]
        live = {}
        for r in routes:
            host = (r["metadata"].get("annotations") or {}).get(ANNOTATION)
            if host and not r["metadata"].get("deletionTimestamp"):
                live[host] = (r["metadata"]["namespace"], r["metadata"]["name"])
        try:
            for host, (ns, rname) in live.items():
                self.pending.pop(host, None)
                if host in self.records:
                    continue
                base = self._base_domain(ns)
                if base is None or not host.endswith(base):
                    continue
                zone = self.zone_id(base)
                self._change("UPSERT", zone, host, "192.0.2.10")
                self.records[host] = (zone, "192.0.2.10", ns, rname)
            namespaces = {ns for ns, _route in live.values()}
            clock = time.monotonic()
            for fqdn, (zone, value, ns, rname) in list(self.records.items()):
                gone = (rname is not None and fqdn not in live) or (rname is None and ns not in namespaces)
                if not gone:
                    continue
                deadline = self.pending.setdefault(fqdn, clock + self.mgmt.external_dns_delay)
                if clock >= deadline:
                    self._change("DELETE", zone, fqdn, value)
                    del self.records[fqdn]
                    del self.pending[fqdn]
        except Exception as exc:  # noqa: BLE001 - moto down on purpose: try again on the next pass
            log.warning("external-dns: %s", exc)
