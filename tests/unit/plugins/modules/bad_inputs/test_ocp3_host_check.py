"""ocp3_host_check: options that cannot work are refused before any check runs (no command, no probe)."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_host_check

BASE = {"checks": ["disk", "ports", "mtu_probe"]}
PORT = {"host": "master-0", "port": 8443}

BAD_INPUTS = [
    ("unknown check", dict(BASE, checks=["ntpp"]), "ntpp"),
    ("unknown disabled check", dict(BASE, disabled=["disks"]), "disks"),
    ("probe_timeout zero", dict(BASE, probe_timeout=0), "probe_timeout must be at least 1 second"),
    ("probe_timeout negative", dict(BASE, probe_timeout=-1), "probe_timeout must be at least 1 second"),
    ("probe_timeout not a number", dict(BASE, probe_timeout="1s"), "probe_timeout"),
    ("port above 65535", dict(BASE, port_targets=[dict(PORT, port=70000)]), "port 70000 of master-0"),
    ("port zero", dict(BASE, port_targets=[dict(PORT, port=0)]), "is not between 1 and 65535"),
    ("port not a number", dict(BASE, port_targets=[dict(PORT, port="https")]), "port"),
    ("port proto unknown", dict(BASE, port_targets=[dict(PORT, proto="sctp")]), "proto"),
    ("port host empty", dict(BASE, port_targets=[dict(PORT, host="")]), "is not a host name or address"),
    ("port host looks like a flag", dict(BASE, port_targets=[dict(PORT, host="-f")]), "is not a host name"),
    ("port target without port", dict(BASE, port_targets=[{"host": "master-0"}]), "port"),
    ("entropy thresholds inverted", dict(BASE, entropy_ok=500, entropy_fail=900), "entropy_fail (900)"),
    ("entropy negative", dict(BASE, entropy_fail=-1), "entropy_fail is -1"),
    ("entropy above the pool", dict(BASE, entropy_ok=5000), "entropy_ok is 5000"),
    ("ntp thresholds inverted", dict(BASE, ntp_offset_warn_ms=900, ntp_offset_fail_ms=100), "ntp_offset_warn_ms"),
    ("ntp offset negative", dict(BASE, ntp_offset_warn_ms=-5), "ntp_offset_warn_ms is -5"),
    ("disk free percent above 100", dict(BASE, disk_free_warn_percent=150), "disk_free_warn_percent is 150"),
    ("disk min_gb negative", dict(BASE, disks=[{"path": "/var", "min_gb": -1}]), "min_gb -1"),
    ("disk path relative", dict(BASE, disks=[{"path": "var", "min_gb": 1}]), "is not an absolute path"),
    ("disk path empty", dict(BASE, disks=[{"path": "", "min_gb": 1}]), "is not an absolute path"),
    ("disk without min_gb", dict(BASE, disks=[{"path": "/var"}]), "min_gb"),
    ("sdn_overhead negative", dict(BASE, sdn_overhead=-50), "sdn_overhead is -50"),
    ("mtu_probe_size too large", dict(BASE, mtu_probe_size=70000), "mtu_probe_size 70000"),
    ("mtu peer empty", dict(BASE, mtu_probe_peers=[""]), "mtu_probe_peers"),
    ("sdn_interface too long", dict(BASE, sdn_interface="a-very-long-interface0"), "is not a network interface"),
    ("nic_interface with a slash", dict(BASE, nic_interface="eth0/1"), "is not a network interface"),
    ("storage_driver empty", dict(BASE, storage_driver=""), "storage_driver is empty"),
    ("docker_binary blank", dict(BASE, docker_binary=" "), "docker_binary is empty"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(ocp3_host_check.main, args, words)
    assert "checks" not in result
