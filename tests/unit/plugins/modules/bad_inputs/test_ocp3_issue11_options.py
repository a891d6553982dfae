"""ocp3_host_check's registry probe and DNS options (issue 11): refused before any check runs."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_host_check

BASE = {"checks": ["mtu_registry", "ports"]}

BAD_INPUTS = [
    ("registry_url http", dict(BASE, registry_url="http://docker-registry.default.svc:5000/healthz"), "https://"),
    ("registry_url no host", dict(BASE, registry_url="https:///healthz"), "registry_url"),
    ("registry_url blank inside", dict(BASE, registry_url="https://reg istry/healthz"), "registry_url"),
    (
        "registry_timeout zero",
        dict(BASE, registry_url="https://r.example.com/healthz", registry_timeout=0),
        "registry_timeout must be at least 1 second",
    ),  # fmt: skip
    ("registry_validate_certs not a bool", dict(BASE, registry_validate_certs="perhaps"), "registry_validate_certs"),
    ("dns_query_name empty", dict(BASE, dns_query_name=""), "dns_query_name"),
    ("dns_query_name empty label", dict(BASE, dns_query_name="kubernetes..svc"), "is not a DNS name"),
    ("dns_query_name too long", dict(BASE, dns_query_name="a" * 64 + ".svc"), "is not a DNS name"),
    ("unknown check", dict(BASE, checks=["mtu_registri"]), "mtu_registri"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(ocp3_host_check.main, args, words)
    assert "checks" not in result
