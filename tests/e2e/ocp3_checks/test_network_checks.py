"""MTU, MTU probe and ports across hosts made of network namespaces, through the role and ansible-playbook."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys

from tests.e2e.ocp3_checks.conftest import lab_inventory
from tests.e2e.ocp3_checks.plays import health_check_play
from tests.harness.ansible import run_playbook, write_playbook


def _by_name(results):
    return {r["name"]: r for r in results}


def run_role(lab, tmp_path, extra_vars, check=False):
    out = tmp_path / "results.json"
    play = write_playbook(tmp_path, health_check_play(out, hosts="masters:nodes", controller_python=sys.executable))
    inventory = lab_inventory(lab, tmp_path)
    result = run_playbook(play, inventory=inventory, extra_vars=extra_vars, check=check)
    data = json.loads(out.read_text()) if out.exists() else None
    return result, data


NETWORK_VARS = {
    "ocp3_health_check_checks": ["mtu", "mtu_probe", "ports"],
    "ocp3_health_check_cluster": False,
    "ocp3_health_check_port_rules": [
        {"from": "masters", "to": "nodes", "port": 10250, "proto": "tcp", "name": "kubelet"},
        {"from": "nodes", "to": "nodes", "port": 4789, "proto": "udp", "name": "SDN VXLAN"},
        {"from": "nodes", "to": "masters", "port": 8443, "proto": "tcp", "name": "API"},
        {"from": "nodes", "to": "masters", "port": 8053, "proto": "udp", "name": "SkyDNS"},
    ],
}


def test_mtu_and_ports_between_namespace_hosts(lab, tmp_path):
    result, data = run_role(lab, tmp_path, NETWORK_VARS)
    assert data is not None, result
    print(result.stdout)
    m, n1, n2 = (_by_name(data[h]) for h in ("m", "n1", "n2"))

    # MTU configuration: m and n2 have tun0 = NIC - 50; n1's tun0 equals its NIC MTU.
    assert m["mtu"]["status"] == "ok", m["mtu"]
    assert n2["mtu"]["status"] == "ok", n2["mtu"]
    assert n1["mtu"]["status"] == "fail", n1["mtu"]
    assert "tun0 mtu 1500, eth0 mtu 1500" in n1["mtu"]["observed"]
    assert "1450" in n1["mtu"]["threshold"]

    # The probe: full-size DF echoes from m and n1 do not reach n2 (NIC 1400); n2's own probes are smaller.
    assert m["mtu_probe"]["status"] == "fail", m["mtu_probe"]
    assert "10.231.0.3 (1472-byte DF echo" in m["mtu_probe"]["observed"]
    assert "10.231.0.2" not in m["mtu_probe"]["observed"].split("dropped:")[1]
    assert n1["mtu_probe"]["status"] == "fail"
    assert n2["mtu_probe"]["status"] == "ok", n2["mtu_probe"]
    assert n2["mtu_probe"]["observed"].startswith("2/2 peers")

    # Ports: kubelet listens on n1 only; VXLAN listens on n1 only (n1 -> n2 is refused); API listens on m.
    assert m["port:10250/tcp"]["status"] == "fail", m["port:10250/tcp"]
    assert "10.231.0.3 (connection refused)" in m["port:10250/tcp"]["observed"]
    assert "10.231.0.2" not in m["port:10250/tcp"]["observed"].split("unreachable:")[1]
    assert n1["port:4789/udp"]["status"] == "fail", n1["port:4789/udp"]
    assert "ICMP port unreachable" in n1["port:4789/udp"]["observed"]
    # n2 -> n1 VXLAN: silence, which proves nothing: "not verified", a warning, never ok
    assert n2["port:4789/udp"]["status"] == "warn", n2["port:4789/udp"]
    assert "not verified: 10.231.0.2 (no ICMP port-unreachable)" in n2["port:4789/udp"]["observed"]
    assert n1["port:8443/tcp"]["status"] == "ok" and n2["port:8443/tcp"]["status"] == "ok"
    # SkyDNS 8053/udp: a real DNS server (dnsmasq) on m answers the query, which verifies the port
    if shutil.which("dnsmasq"):
        for node in (n1, n2):
            assert node["port:8053/udp"]["status"] == "ok", node["port:8053/udp"]
            assert node["port:8053/udp"]["observed"] == "1/1 reachable", node["port:8053/udp"]

    # The play fails at the end, naming the failures, after printing one table of all hosts.
    assert result.rc != 0
    assert re.search(r'"HOST +mtu +mtu_probe +ports"', result.stdout), result.stdout
    assert re.search(r'"n1 +FAIL +FAIL +FAIL"', result.stdout) and re.search(r'"n2 +ok +ok +WARN"', result.stdout)
    assert "n1 mtu" in result.output and "m port:10250/tcp" in result.output
    assert os.path.exists(str(tmp_path / "results.json"))


def test_role_in_check_mode_changes_nothing(lab, tmp_path):
    # the guide's port list (port rules null) with the API on 443, as openshift_master_api_port says (002 §3.5)
    extra = dict(NETWORK_VARS, ocp3_health_check_fail_on="never", ocp3_health_check_port_rules=None)
    extra["openshift_master_api_port"] = 443
    extra["ocp3_health_check_checks"] = ["ports"]
    result, data = run_role(lab, tmp_path, extra, check=True)
    assert result.rc == 0, result
    n1 = _by_name(data["n1"])
    assert n1["port:443/tcp"]["status"] == "ok" and "API port 443/tcp is reachable" in n1["port:443/tcp"]["message"]
    assert "port:8443/tcp" not in n1
    recap = result.stdout.split("PLAY RECAP")[1]
    for host in ("m", "n1", "n2"):
        line = next(line for line in recap.splitlines() if line.startswith(host + " "))
        assert "changed=0" in line and "failed=0" in line, line
    assert data and set(data) == {"m", "n1", "n2"}
