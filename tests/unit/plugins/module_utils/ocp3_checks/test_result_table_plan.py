from __future__ import annotations

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import plan, result, table
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.host import HOST_CHECK_NAMES, run_host_checks


def test_result_rejects_unknown_status_and_drops_remedy_when_ok():
    with pytest.raises(ValueError):
        result.CheckResult("x", "bad")
    assert result.ok("x").remedy == "" and result.fail("x", remedy="do it").remedy == "do it"
    assert result.worst(["ok", "skipped", "warn"]) == "warn" and result.worst([]) == "ok"
    assert result.worst(["skipped"]) == "skipped"


def test_select_honours_only_and_disabled_and_rejects_typos():
    assert result.select(HOST_CHECK_NAMES, [], ["entropy"]) == [n for n in HOST_CHECK_NAMES if n != "entropy"]
    assert result.select(HOST_CHECK_NAMES, ["ports", "ntp"], ["ports"]) == ["ntp"]
    with pytest.raises(ValueError, match="unknown check name"):
        result.select(HOST_CHECK_NAMES, ["ntpp"], [])


def test_a_broken_check_becomes_a_failure_not_a_traceback(probe):
    class Broken:
        def kernel_release(self):
            raise RuntimeError("boom")

    results = run_host_checks(Broken(), {}, ["entropy"])
    assert results[0].status == "fail" and "RuntimeError: boom" in results[0].message


RESULTS = {
    "node1": [
        {"name": "ntp", "status": "ok", "observed": "chronyc: synchronised", "message": "", "remedy": ""},
        {
            "name": "disk:/var",
            "status": "fail",
            "observed": "10.0 GB total " + "x" * 100,
            "message": "too small",
            "remedy": "grow it",
        },
    ],
    "master1": [
        {"name": "entropy", "status": "skipped", "observed": "kernel 6.1", "message": "", "remedy": ""},
        {"name": "mtu", "status": "warn", "observed": "tun0 1400", "message": "small", "remedy": "raise"},
    ],
}


def test_rows_layout_lists_every_host_and_check_then_what_to_fix():
    text = table.render(RESULTS, layout="rows")
    lines = text.splitlines()
    assert lines[0].split() == ["HOST", "CHECK", "STATUS", "OBSERVED"]
    assert [line.split()[0] for line in lines[2:6]] == ["master1", "master1", "node1", "node1"]
    assert "FAIL" in lines[5] and lines[5].endswith("...")
    assert "2 host(s), 4 result(s): 1 ok, 1 warn, 1 fail, 1 skipped; overall FAIL" in text
    fix = text.split("To fix:")[1]
    assert fix.index("[FAIL] node1 disk:/var: too small") < fix.index("[WARN] master1 mtu: small")
    assert "remedy: grow it" in fix
    assert "observed: 10.0 GB total " + "x" * 100 in fix  # never cut short in the to-fix list


def test_matrix_layout_is_hosts_by_checks_with_groups_folded():
    results = dict(RESULTS)
    results["node1"] = RESULTS["node1"] + [
        {"name": "port:10250/tcp", "status": "ok", "observed": ""},
        {"name": "port:4789/udp", "status": "fail", "observed": "refused", "message": "closed"},
        {"name": "disk:/var/lib/docker", "status": "ok", "observed": ""},
    ]
    results["(cluster)"] = [{"name": "nodes_ready", "status": "ok", "observed": "3/3 Ready"}]
    lines = table.render(results).splitlines()
    assert lines[0].split() == ["HOST", "entropy", "mtu", "ntp", "disk", "ports"]
    assert lines[2].split() == ["master1", "skip", "WARN", "-", "-", "-"]
    assert lines[3].split() == ["node1", "-", "-", "ok", "FAIL", "FAIL"]  # worst of disk:* and of port:*
    assert lines[5].split() == ["HOST", "CHECK", "STATUS", "OBSERVED"]
    assert lines[7].split()[:3] == ["(cluster)", "nodes_ready", "ok"]
    text = "\n".join(lines)
    assert "2 host(s), 8 result(s)" in text and "[FAIL] node1 port:4789/udp: closed" in text
    with pytest.raises(ValueError):
        table.render(results, layout="grid")


def test_problems_filters_by_status():
    assert [p["host"] for p in table.problems(RESULTS, ("fail",))] == ["node1"]
    assert len(table.problems(RESULTS)) == 2


GROUPS = {"masters": ["m1"], "nodes": ["m1", "n1", "n2"], "etcd": ["m1"], "infra": ["n1"]}
ADDRESSES = {"m1": "10.0.0.1", "n1": "10.0.0.2", "n2": "10.0.0.3"}


def test_port_targets_follow_the_group_rules():
    m1 = plan.port_targets(plan.DEFAULT_PORT_RULES, GROUPS, ADDRESSES, "m1")
    assert {"host": "10.0.0.2", "port": 10250, "proto": "tcp", "name": "kubelet"} in m1
    assert all(t["host"] != "10.0.0.1" for t in m1)  # never itself
    n2 = plan.port_targets(plan.DEFAULT_PORT_RULES, GROUPS, ADDRESSES, "n2")
    assert {(t["host"], t["port"], t["proto"]) for t in n2} == {
        ("10.0.0.1", 8443, "tcp"),
        ("10.0.0.1", 8053, "tcp"),
        ("10.0.0.1", 8053, "udp"),
        ("10.0.0.1", 4789, "udp"),
        ("10.0.0.2", 4789, "udp"),
        ("10.0.0.2", 80, "tcp"),
        ("10.0.0.2", 443, "tcp"),
    }


def test_peer_addresses():
    assert plan.peer_addresses(ADDRESSES, "n1") == ["10.0.0.1", "10.0.0.3"]
    assert plan.peer_addresses(ADDRESSES, "n1", hosts=["n2"]) == ["10.0.0.3"]
