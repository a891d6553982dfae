# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route53 helpers: find a hosted zone, list a domain's records, wait until they are gone.

ocp.day2.route53_wait_clean is this module's argument_spec() and execute() run by aws/runner.run().
"""

from __future__ import annotations

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import aws_spec_overrides
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout

SHOWN_IN_MESSAGE = 20


def normalize_name(name):
    """Lower-case DNS name without the trailing dot, with Route53's octal escapes (\\052 for *) decoded."""
    out, i = [], 0
    while i < len(name):
        if name[i] == "\\" and name[i + 1 : i + 4].isdigit() and len(name[i + 1 : i + 4]) == 3:
            out.append(chr(int(name[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(name[i])
            i += 1
    return "".join(out).rstrip(".").lower()


def matching_records(record_sets, domain, zone_name):
    """[{name, type}] of the records at or under domain, without the zone apex NS and SOA."""
    domain, zone_name = normalize_name(domain), normalize_name(zone_name)
    found = []
    for rrset in record_sets:
        name, rtype = normalize_name(rrset["Name"]), rrset["Type"]
        if name == zone_name and rtype in ("NS", "SOA"):
            continue
        if name == domain or name.endswith("." + domain):
            found.append({"name": name, "type": rtype})
    return found


@AWSRetry.jittered_backoff()
def _list_records(client, zone_id, start_name):
    paginator = client.get_paginator("list_resource_record_sets")
    params = {"HostedZoneId": zone_id}
    if start_name:
        params["StartRecordName"] = start_name
    return paginator.paginate(**params).build_full_result()["ResourceRecordSets"]


def start_name(domain, zone_name):
    """Where to start listing: the domain when it is in the zone, the zone's first record when the zone is
    inside the domain; Day2Error when they are unrelated (nothing could ever match: surely a mistake)."""
    domain, zone_name = normalize_name(domain), normalize_name(zone_name)
    if domain == zone_name or domain.endswith("." + zone_name):
        # Route53 sorts names by reversed labels, so every name at or under domain comes at or after it.
        return domain + "."
    if zone_name.endswith("." + domain):
        return None
    raise Day2Error(
        "The domain %s is not in the hosted zone %s, so no record of it can be there. Check domain and the "
        "zone (hosted_zone_id or zone_name)." % (domain, zone_name)
    )


def list_records(client, zone_id, start):
    return _list_records(client, zone_id, start)


def zone_by_id(client, zone_id):
    """(id, name) of the zone; Day2Error when there is no such zone."""
    zone_id = zone_id.split("/")[-1]
    try:
        zone = client.get_hosted_zone(Id=zone_id, aws_retry=True)["HostedZone"]
    except is_boto3_error_code(["NoSuchHostedZone", "InvalidInput"]) as exc:
        raise Day2Error(
            "Route53 hosted zone %s not found: %s. Check hosted_zone_id (`aws route53 list-hosted-zones` lists "
            "the zones these credentials can see) or give zone_name instead." % (zone_id, exc)
        ) from exc
    return zone_id, zone["Name"]


def zone_by_name(client, zone_name, private):
    """(id, name) of the one zone called zone_name with the wanted privacy; Day2Error otherwise."""
    wanted = normalize_name(zone_name)
    params = {"DNSName": wanted + "."}
    found = []
    while True:
        page = client.list_hosted_zones_by_name(aws_retry=True, **params)
        for zone in page.get("HostedZones", []):
            is_private = bool(zone.get("Config", {}).get("PrivateZone"))
            if normalize_name(zone["Name"]) == wanted and is_private == private:
                found.append(zone["Id"].split("/")[-1])
        # Zones come sorted by name: stop at the first page that goes past ours.
        past = any(normalize_name(z["Name"]) != wanted for z in page.get("HostedZones", []))
        if not page.get("IsTruncated") or past:
            break
        params = {"DNSName": page["NextDNSName"], "HostedZoneId": page["NextHostedZoneId"]}
    kind = "private" if private else "public"
    if not found:
        raise Day2Error(
            "No %s Route53 hosted zone named %s was found. Check zone_name%s, or give hosted_zone_id "
            "(`aws route53 list-hosted-zones-by-name --dns-name %s` lists them)."
            % (kind, wanted, "" if private else " (use private_zone: true for a private zone)", wanted)
        )
    if len(found) > 1:
        raise Day2Error(
            "%d %s Route53 hosted zones are named %s (%s); give hosted_zone_id to choose one."
            % (len(found), kind, wanted, ", ".join(found))
        )
    return found[0], wanted


def describe(records):
    shown = ", ".join("%s %s" % (r["name"], r["type"]) for r in records[:SHOWN_IN_MESSAGE])
    if len(records) > SHOWN_IN_MESSAGE:
        shown += " ... and %d more" % (len(records) - SHOWN_IN_MESSAGE)
    return shown


def wait_clean(client, params, check_mode, clock=time.monotonic, sleep=time.sleep):
    start = clock()
    if params["hosted_zone_id"]:
        zone_id, zone_name = zone_by_id(client, params["hosted_zone_id"])
    else:
        zone_id, zone_name = zone_by_name(client, params["zone_name"], params["private_zone"])
    domain, allowed = params["domain"], params["allowed_remaining"]
    first = start_name(domain, zone_name)
    deadline = start + params["timeout"]
    waited = False
    while True:
        remaining = matching_records(list_records(client, zone_id, first), domain, zone_name)
        result = {
            "changed": False,
            "zone_id": zone_id,
            "remaining": remaining,
            "remaining_count": len(remaining),
            "waited": waited,
            "elapsed": round(clock() - start, 1),
        }
        if check_mode or len(remaining) <= allowed:
            return result
        if clock() >= deadline:
            raise Day2Timeout(
                "Timed out after %ds: %d record(s) for %s remain in Route53 zone %s (at most %d allowed): %s. "
                "ExternalDNS deletes them after the routes are deleted (`oc delete routes -n <hcp namespace> --all`);"
                " check that it runs and owns these records, or delete them yourself."
                % (params["timeout"], len(remaining), normalize_name(domain), zone_id, allowed, describe(remaining)),
                **result,
            )
        waited = True
        sleep(max(0.0, min(params["interval"], deadline - clock())))


ZONE_ID = re.compile(r"^(/hostedzone/)?[A-Z0-9]{1,32}$")


def check_params(params):
    for key, minimum in (("allowed_remaining", 0), ("interval", 1), ("timeout", 0)):
        if params[key] < minimum:
            raise Day2Error("%s must be %d or more (got %d)." % (key, minimum, params[key]))
    if not (params["domain"] or "").strip() or not normalize_name(params["domain"]):
        raise Day2Error("domain is empty; give the DNS domain whose records must go.")
    # A name that cannot be in DNS (a '/', blanks, an empty label) would match no record: "clean" would be a lie.
    inputs.dns_name(params["domain"], "domain", example="example.hypershift.example.com")
    if params.get("zone_name") is not None:
        inputs.dns_name(params["zone_name"], "zone_name", example="hypershift.example.com")
    if params.get("hosted_zone_id") is not None and not ZONE_ID.match(params["hosted_zone_id"]):
        raise Day2Error(
            "hosted_zone_id=%r is not a Route53 hosted zone ID: give the ID such as Z0123456789ABC (or "
            "/hostedzone/Z0123456789ABC); `aws route53 list-hosted-zones` lists them." % params["hosted_zone_id"]
        )


def argument_spec():
    return dict(
        aws_spec_overrides(),
        **{
            "hosted_zone_id": {"type": "str"},
            "zone_name": {"type": "str"},
            "private_zone": {"type": "bool", "default": False},
            "domain": {"type": "str", "required": True},
            "allowed_remaining": {"type": "int", "default": 0},
            "interval": {"type": "int", "default": 5},
            "timeout": {"type": "int", "default": 600},
        },
    )


MUTUALLY_EXCLUSIVE = [("hosted_zone_id", "zone_name")]
REQUIRED_ONE_OF = [("hosted_zone_id", "zone_name")]
AWS_ERROR_MSG = (
    "Route53 request failed (check the AWS credentials, region and endpoint_url, and that they "
    "may call route53:ListResourceRecordSets, GetHostedZone and ListHostedZonesByName)"
)


def execute(module):
    check_params(module.params)
    client = module.client("route53", retry_decorator=AWSRetry.jittered_backoff())
    return wait_clean(client, module.params, module.check_mode)
