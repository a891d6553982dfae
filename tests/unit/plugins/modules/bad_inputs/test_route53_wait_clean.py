"""route53_wait_clean: every option given the wrong way is refused before Route53 is asked (a domain that cannot
be in DNS would match no record, and "clean" would be a lie)."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import route53_wait_clean

BASE = {
    "hosted_zone_id": "Z0123456789",
    "domain": "example.hypershift.example.com",
    "aws_access_key": "AKIAUNIT",
    "aws_secret_key": "unit-secret",
    "region": "us-east-1",
}
BY_NAME = dict({k: v for k, v in BASE.items() if k != "hosted_zone_id"}, zone_name="hypershift.example.com")

BAD_INPUTS = [
    ("domain missing", {k: v for k, v in BASE.items() if k != "domain"}, "domain"),
    ("domain empty", dict(BASE, domain=""), "domain is empty"),
    ("domain only a dot", dict(BASE, domain="."), "domain is empty"),
    ("domain with a slash", dict(BASE, domain="example/hypershift.example.com"), ["domain=", "is not a DNS name"]),
    ("domain a URL", dict(BASE, domain="https://example.com"), "is not a DNS name"),
    ("domain with blanks", dict(BASE, domain="example .com"), "is not a DNS name"),
    ("domain empty label", dict(BASE, domain="example..com"), "is not a DNS name"),
    ("domain label too long", dict(BASE, domain="x" * 64 + ".example.com"), "at most 63"),
    ("domain inner wildcard", dict(BASE, domain="a.*.example.com"), "only the first may be '*'"),
    ("zone id and name both", dict(BASE, zone_name="hypershift.example.com"), "mutually exclusive"),
    ("neither zone id nor name", {k: v for k, v in BASE.items() if k != "hosted_zone_id"}, "hosted_zone_id"),
    ("zone id lower case garbage", dict(BASE, hosted_zone_id="my zone"), "is not a Route53 hosted zone ID"),
    ("zone id an ARN", dict(BASE, hosted_zone_id="arn:aws:route53:::hostedzone/Z1"), "hosted zone ID"),
    ("zone name with a slash", dict(BY_NAME, zone_name="hypershift/example.com"), ["zone_name=", "DNS name"]),
    ("zone name empty", dict(BY_NAME, zone_name=""), "zone_name is empty"),
    ("timeout negative", dict(BASE, timeout=-1), "timeout must be 0 or more"),
    ("interval zero", dict(BASE, interval=0), "interval must be 1 or more"),
    ("allowed_remaining negative", dict(BASE, allowed_remaining=-1), "allowed_remaining"),
    ("timeout not a number", dict(BASE, timeout="ten minutes"), "timeout"),
    ("private_zone not a bool", dict(BASE, private_zone="perhaps"), "private_zone"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(route53_wait_clean.main, args, words)
    assert "AKIAUNIT" not in str(result)  # the access key id is a credential


def test_access_key_id_hidden_and_s3_region_alias_quiet(refuse, monkeypatch):
    """-vvv shows module_args: the access key id must be masked; AWS_DEFAULT_REGION with aws_region: no warning."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    args = dict({k: v for k, v in BASE.items() if k != "region"}, aws_region="us-east-1", domain="a/b")
    result = refuse(route53_wait_clean.main, args, "is not a DNS name")
    assert result["invocation"]["module_args"]["access_key"] != "AKIAUNIT"
    assert not any("alias" in str(w) for w in result.get("warnings", [])), result.get("warnings")
