"""route53_wait_clean: matching, waiting, zone lookup and failures, with botocore's Stubber as the only mock."""

import json
import time

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.stub import ANY, Stubber

from ansible_collections.ocp.day2.plugins.module_utils.aws import route53 as mod
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.modules import route53_wait_clean

ZONE = "Z0123456789"
DOMAIN = "example.hypershift.example.com"


def rr(name, rtype="A"):
    return {"Name": name, "Type": rtype, "TTL": 30, "ResourceRecords": [{"Value": "10.0.0.1"}]}


def listing(*records, truncated=False, next_name=None):
    page = {"ResourceRecordSets": list(records), "IsTruncated": truncated, "MaxItems": "300"}
    if next_name:
        page.update(NextRecordName=next_name, NextRecordType="A")
    return page


def zone(zone_id=ZONE, name="hypershift.example.com.", private=False):
    return {"Id": "/hostedzone/" + zone_id, "Name": name, "CallerReference": "x", "Config": {"PrivateZone": private}}


@pytest.fixture
def stubbed():
    client = boto3.client(
        "route53", region_name="us-east-1", aws_access_key_id="AKIAUNIT", aws_secret_access_key="unit-secret"
    )
    with Stubber(client) as stubber:
        yield RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()), stubber
        stubber.assert_no_pending_responses()


class Clock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def params(**kw):
    base = {"hosted_zone_id": ZONE, "zone_name": None, "private_zone": False, "domain": DOMAIN}
    base.update(allowed_remaining=0, interval=5, timeout=600)
    base.update(kw)
    return base


def expect_zone(stubber, zone_id=ZONE):
    stubber.add_response("get_hosted_zone", {"HostedZone": zone(zone_id), "DelegationSet": {"NameServers": ["ns"]}})


def expect_listing(stubber, page, start=DOMAIN + "."):
    stubber.add_response("list_resource_record_sets", page, {"HostedZoneId": ZONE, "StartRecordName": start})


@pytest.mark.parametrize(
    "name, expected",
    [
        ("API.Example.com.", "api.example.com"),
        ("\\052.apps.example.com.", "*.apps.example.com"),
        ("a\\055b.example.com", "a-b.example.com"),
        ("trailing\\", "trailing\\"),
    ],
)
def test_normalize_name(name, expected):
    assert mod.normalize_name(name) == expected


def test_matching_records_counts_domain_and_children_only():
    records = [
        rr("hypershift.example.com.", "NS"),
        rr("hypershift.example.com.", "SOA"),
        rr(DOMAIN + ".", "TXT"),
        rr("api." + DOMAIN + "."),
        rr("\\052.apps." + DOMAIN + "."),
        rr("API-INT." + DOMAIN.upper() + "."),
        rr("my" + DOMAIN + "."),
        rr("other.hypershift.example.com."),
    ]
    found = mod.matching_records(records, DOMAIN, "hypershift.example.com.")
    assert found == [
        {"name": DOMAIN, "type": "TXT"},
        {"name": "api." + DOMAIN, "type": "A"},
        {"name": "*.apps." + DOMAIN, "type": "A"},
        {"name": "api-int." + DOMAIN, "type": "A"},
    ]


def test_apex_ns_soa_not_counted_when_domain_is_the_zone():
    records = [rr(DOMAIN + ".", "NS"), rr(DOMAIN + ".", "SOA"), rr(DOMAIN + ".", "MX")]
    assert mod.matching_records(records, DOMAIN + ".", DOMAIN) == [{"name": DOMAIN, "type": "MX"}]


def test_waits_until_records_are_gone(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("api." + DOMAIN + "."), rr("oauth." + DOMAIN + ".")))
    expect_listing(stubber, listing(rr("api." + DOMAIN + ".")))
    expect_listing(stubber, listing(rr("zz.other.example.com.")))
    result = mod.wait_clean(client, params(hosted_zone_id="/hostedzone/" + ZONE), False, clock, clock.sleep)
    assert result["remaining"] == [] and result["remaining_count"] == 0
    assert result["waited"] is True and result["zone_id"] == ZONE
    assert clock.sleeps == [5, 5] and result["elapsed"] == 10.0
    assert result["changed"] is False


def test_clean_at_once_does_not_wait(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    expect_listing(stubber, listing())
    result = mod.wait_clean(client, params(), False, clock, clock.sleep)
    assert result["waited"] is False and clock.sleeps == []


def test_reads_every_page(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("a." + DOMAIN + "."), truncated=True, next_name="b." + DOMAIN + "."))
    stubber.add_response(
        "list_resource_record_sets",
        listing(rr("b." + DOMAIN + ".")),
        {"HostedZoneId": ZONE, "StartRecordName": "b." + DOMAIN + ".", "StartRecordType": "A"},
    )
    result = mod.wait_clean(client, params(allowed_remaining=5), False, clock, clock.sleep)
    assert result["remaining_count"] == 2


def test_allowed_remaining(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("api." + DOMAIN + "."), rr("api-int." + DOMAIN + ".")))
    result = mod.wait_clean(client, params(allowed_remaining=2), False, clock, clock.sleep)
    assert result["remaining_count"] == 2 and not result["waited"]


def test_check_mode_reports_without_waiting(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("api." + DOMAIN + ".")))
    result = mod.wait_clean(client, params(), True, clock, clock.sleep)
    assert result["remaining_count"] == 1 and clock.sleeps == []


def test_timeout_lists_remaining(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    records = [rr("r%02d.%s." % (i, DOMAIN)) for i in range(25)]
    for _attempt in range(3):
        expect_listing(stubber, listing(*records))
    with pytest.raises(Day2Timeout) as err:
        mod.wait_clean(client, params(timeout=8), False, clock, clock.sleep)
    msg = err.value.msg
    assert msg.startswith("Timed out after 8s: 25 record(s) for %s remain in Route53 zone %s" % (DOMAIN, ZONE))
    assert "r00.%s A" % DOMAIN in msg and "r19.%s A" % DOMAIN in msg and "r20." not in msg
    assert "... and 5 more" in msg
    assert err.value.result["remaining_count"] == 25 and len(err.value.result["remaining"]) == 25
    assert clock.sleeps == [5, 3]


def test_zone_by_name_follows_pages_and_privacy(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "list_hosted_zones_by_name",
        {
            "HostedZones": [zone("ZPRIVATE", private=True)],
            "IsTruncated": True,
            "NextDNSName": "hypershift.example.com.",
            "NextHostedZoneId": "ZPUBLIC",
            "MaxItems": "1",
        },
        {"DNSName": "hypershift.example.com."},
    )
    stubber.add_response(
        "list_hosted_zones_by_name",
        {
            "HostedZones": [zone("ZPUBLIC"), zone("ZOTHER", "zzz.example.com.")],
            "IsTruncated": True,
            "MaxItems": "2",
            "NextDNSName": "zzzz.example.com.",
            "NextHostedZoneId": "ZNEXT",
        },
        {"DNSName": "hypershift.example.com.", "HostedZoneId": "ZPUBLIC"},
    )
    assert mod.zone_by_name(client, "HyperShift.example.com.", False) == ("ZPUBLIC", "hypershift.example.com")


def test_zone_by_name_private(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "list_hosted_zones_by_name",
        {"HostedZones": [zone("ZPUB"), zone("ZPRIV", private=True)], "IsTruncated": False, "MaxItems": "100"},
        {"DNSName": ANY},
    )
    assert mod.zone_by_name(client, "hypershift.example.com", True)[0] == "ZPRIV"


def test_zone_by_name_not_found(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "list_hosted_zones_by_name",
        {"HostedZones": [zone("ZPRIV", private=True)], "IsTruncated": False, "MaxItems": "100"},
        {"DNSName": ANY},
    )
    with pytest.raises(Day2Error) as err:
        mod.zone_by_name(client, "hypershift.example.com", False)
    assert "No public Route53 hosted zone named hypershift.example.com" in err.value.msg
    assert "private_zone: true" in err.value.msg


def test_zone_by_name_ambiguous(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "list_hosted_zones_by_name",
        {"HostedZones": [zone("ZA"), zone("ZB")], "IsTruncated": False, "MaxItems": "100"},
        {"DNSName": ANY},
    )
    with pytest.raises(Day2Error, match=r"2 public Route53 hosted zones are named hypershift.example.com \(ZA, ZB\)"):
        mod.zone_by_name(client, "hypershift.example.com", False)


def test_zone_by_id_not_found(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("get_hosted_zone", "NoSuchHostedZone", "No hosted zone found with ID: ZNOPE", 404)
    with pytest.raises(Day2Error) as err:
        mod.zone_by_id(client, "ZNOPE")
    assert "Route53 hosted zone ZNOPE not found" in err.value.msg
    assert "aws route53 list-hosted-zones" in err.value.msg


def test_throttling_is_retried(stubbed, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(time, "sleep", lambda s: None)
    clock = Clock()
    expect_zone(stubber)
    stubber.add_client_error("list_resource_record_sets", "Throttling", "Rate exceeded", 400)
    expect_listing(stubber, listing())
    assert mod.wait_clean(client, params(), False, clock, clock.sleep)["remaining_count"] == 0


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"interval": 0}, "interval must be 1 or more (got 0)"),
        ({"timeout": -1}, "timeout must be 0 or more (got -1)"),
        ({"allowed_remaining": -2}, "allowed_remaining must be 0 or more (got -2)"),
        ({"domain": "."}, "domain is empty"),
    ],
)
def test_check_params(bad, message):
    with pytest.raises(Day2Error) as err:
        mod.check_params(params(**bad))
    assert message in err.value.msg


@pytest.fixture
def run_main(stubbed, capsys, monkeypatch):
    client, stubber = stubbed
    monkeypatch.setattr(AnsibleAWSModule, "client", lambda self, *a, **kw: client)

    def run(args, check=False):
        with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
            route53_wait_clean.main()
        return json.loads(capsys.readouterr().out)

    return run, stubber


def test_main_success_and_check_mode(run_main):
    run, stubber = run_main
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("api." + DOMAIN + ".")))
    result = run({"hosted_zone_id": ZONE, "domain": DOMAIN}, check=True)
    assert "failed" not in result and result["remaining"] == [{"name": "api." + DOMAIN, "type": "A"}]


def test_main_timeout_failure_returns_remaining(run_main):
    run, stubber = run_main
    expect_zone(stubber)
    expect_listing(stubber, listing(rr("api." + DOMAIN + ".")))
    result = run({"hosted_zone_id": ZONE, "domain": DOMAIN, "timeout": 0})
    assert result["failed"] and "api.%s A" % DOMAIN in result["msg"]
    assert result["remaining_count"] == 1 and result["zone_id"] == ZONE


def test_main_aws_error_uses_fail_json_aws(run_main):
    run, stubber = run_main
    stubber.add_client_error("get_hosted_zone", "AccessDenied", "User is not authorized", 403)
    result = run({"hosted_zone_id": ZONE, "domain": DOMAIN})
    assert result["failed"]
    assert result["msg"].startswith("Route53 request failed (check the AWS credentials")
    assert "User is not authorized" in result["msg"]


def test_main_requires_exactly_one_zone_option(run_main):
    run, _stubber = run_main
    result = run({"domain": DOMAIN})
    assert result["failed"] and "hosted_zone_id" in result["msg"] and "zone_name" in result["msg"]
    result = run({"domain": DOMAIN, "hosted_zone_id": ZONE, "zone_name": "x.com"})
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_start_name():
    assert mod.start_name(DOMAIN, "hypershift.example.com.") == DOMAIN + "."
    assert mod.start_name("HyperShift.example.com.", "hypershift.example.com") == "hypershift.example.com."
    assert mod.start_name("example.com", "hypershift.example.com") is None
    with pytest.raises(Day2Error, match="The domain other.org is not in the hosted zone hypershift.example.com"):
        mod.start_name("other.org", "hypershift.example.com")
    with pytest.raises(Day2Error, match="not in the hosted zone"):
        mod.start_name("myhypershift.example.com", "hypershift.example.com")


def test_domain_above_the_zone_lists_the_whole_zone(stubbed):
    client, stubber = stubbed
    clock = Clock()
    expect_zone(stubber)
    stubber.add_response("list_resource_record_sets", listing(rr("api." + DOMAIN + ".")), {"HostedZoneId": ZONE})
    result = mod.wait_clean(client, params(domain="example.com", allowed_remaining=1), False, clock, clock.sleep)
    assert result["remaining_count"] == 1
