from __future__ import annotations

import datetime
import json

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import cluster, etcd


def _sc(name, value, beta=False):
    key = "storageclass.%skubernetes.io/is-default-class" % ("beta." if beta else "")
    return {"metadata": {"name": name, "annotations": {key: value}}}


def test_default_storageclass():
    assert cluster.default_storageclass([_sc("a", "true", beta=True), _sc("b", "false")]).status == "ok"
    assert cluster.default_storageclass([_sc("a", "false")]).status == "fail"
    assert cluster.default_storageclass([]).status == "fail"
    assert cluster.default_storageclass([_sc("a", "true"), _sc("b", "true", beta=True)]).status == "warn"


def _node(name, status="True", unschedulable=False):
    return {
        "metadata": {"name": name},
        "spec": {"unschedulable": unschedulable},
        "status": {"conditions": [{"type": "Ready", "status": status, "reason": "R"}]},
    }


def test_nodes_ready():
    assert cluster.nodes_ready([_node("a"), _node("b", unschedulable=True)]).status == "ok"
    result = cluster.nodes_ready([_node("a"), _node("b", "False")])
    assert result.status == "fail" and result.observed == "1/2 Ready; NotReady: b (R)"
    assert cluster.nodes_ready([]).status == "fail"


def _dc(desired, current, available):
    return {"spec": {"replicas": desired}, "status": {"replicas": current, "availableReplicas": available}}


def test_replicas():
    assert cluster.replicas("router", _dc(3, 3, 3), "DeploymentConfig", "default").status == "ok"
    assert cluster.replicas("router", _dc(3, 2, 2), "DeploymentConfig", "default").status == "fail"
    assert cluster.replicas("router", _dc(3, 3, 1), "DeploymentConfig", "default").status == "fail"
    assert cluster.replicas("router", _dc(0, 0, 0), "DeploymentConfig", "default").status == "warn"
    assert cluster.replicas("router", None, "DeploymentConfig", "default").status == "fail"
    missing = cluster.replicas("docker-registry", None, "DeploymentConfig", "default", optional=True)
    assert missing.status == "skipped" and missing.name == "docker_registry_replicas"


def test_api_healthz():
    assert cluster.api_healthz(200, "ok").status == "ok"
    assert cluster.api_healthz(500, "[-]etcd failed").status == "fail"
    assert cluster.api_healthz(None, None, error="connection refused").status == "fail"


NOW = datetime.datetime(2026, 11, 22, 23, 0, 0, tzinfo=datetime.timezone.utc)


def _leader(holder, renew, lease=15):
    record = {"holderIdentity": holder, "leaseDurationSeconds": lease, "renewTime": renew}
    return {"metadata": {"annotations": {cluster.LEADER_ANNOTATION: json.dumps(record)}}}


def test_controller_leader():
    holder = "master-ose-master-0.example.com-10.0.0.1-abcd1234"
    fresh = cluster.controller_leader(_leader(holder, "2026-11-22T22:59:55Z"), now=NOW)
    assert fresh.status == "ok" and "active controller on ose-master-0.example.com" in fresh.observed
    stale = cluster.controller_leader(_leader(holder, "2026-11-22T22:58:00Z"), now=NOW)
    assert stale.status == "fail" and "120s ago" in stale.message
    assert cluster.controller_leader(None, now=NOW).status == "fail"
    assert cluster.controller_leader({"metadata": {}}, now=NOW).status == "fail"
    assert cluster.controller_leader(_leader("", "2026-11-22T22:59:55Z"), now=NOW).status == "fail"


ETCD = {
    "etcdctl_path": "etcdctl",
    "etcd_endpoints": ["https://m1:2379"],
    "etcd_cacert": "/ca",
    "etcd_cert": "/c",
    "etcd_key": "/k",
    "etcd_expected_members": 3,
}
MEMBERS = {
    "members": [
        {"ID": 1, "name": "m1", "peerURLs": ["https://m1:2380"], "clientURLs": ["https://m1:2379"]},
        {"ID": 2, "name": "m2", "peerURLs": ["https://m2:2380"], "clientURLs": ["https://m2:2379"]},
        {"ID": 3, "name": "m3", "peerURLs": ["https://m3:2380"], "clientURLs": ["https://m3:2379"]},
    ]
}
# What etcd 3.2 (OpenShift 3.11) prints for `endpoint health`, whatever -w says.
HEALTH_32 = (
    "https://m1:2379 is healthy: successfully committed proposal: took = 1.2ms\n"
    "https://m2:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n"
    "https://m3:2379 is healthy: successfully committed proposal: took = 1.5ms\n"
)


def _status(member_id):
    header = {"member_id": member_id, "revision": 9}
    return {"Endpoint": "https://m%d:2379" % member_id, "Status": {"header": header, "leader": 1, "version": "3.2.22"}}


def _runner(members=None, health=None, rc=0, health_text=None):
    members = members or MEMBERS
    health = health or [{"endpoint": "https://m%d:2379" % i, "health": True} for i in (1, 2, 3)]
    calls = []

    def run(args):
        calls.append(args)
        if "member" in args:
            return rc, json.dumps(members) if rc == 0 else "", "" if rc == 0 else "Error: context deadline exceeded"
        if "health" in args:
            if health_text:
                return 1, health_text, "Error: unhealthy cluster"
            return (0 if all(h["health"] for h in health) else 1), json.dumps(health), ""
        return 0, json.dumps([_status(m["ID"]) for m in members["members"] if m.get("name")]), ""

    run.calls = calls
    return run


def test_etcd_healthy():
    run = _runner()
    members, health = etcd.etcd_checks(run, ETCD)
    assert (members.status, health.status) == ("ok", "ok")
    assert run.calls[0][0] == "etcdctl" and "--cacert=/ca" in run.calls[0]
    assert "--endpoints=https://m1:2379" in run.calls[0] and run.calls[0][-4:] == ["member", "list", "-w", "json"]
    health_call = next(c for c in run.calls if "health" in c)
    assert "--endpoints=https://m1:2379,https://m2:2379,https://m3:2379" in health_call  # every member, no --cluster


def test_etcd_wrong_member_count_and_unstarted():
    two = {"members": MEMBERS["members"][:2]}
    assert etcd.etcd_checks(_runner(members=two), ETCD)[0].status == "fail"
    unstarted = {"members": MEMBERS["members"][:2] + [{"ID": 3, "name": "", "peerURLs": ["https://m3:2380"]}]}
    result, health = etcd.etcd_checks(_runner(members=unstarted), ETCD)
    assert result.status == "warn" and "not started: https://m3:2380" in result.observed
    assert health.status == "ok" and health.observed == "2/2 healthy"


def test_etcd_unhealthy_member():
    health = [
        {"endpoint": "https://m1:2379", "health": True},
        {"endpoint": "https://m2:2379", "health": False, "error": "context deadline exceeded"},
        {"endpoint": "https://m3:2379", "health": True},
    ]
    result = etcd.etcd_checks(_runner(health=health), ETCD)[1]
    assert result.status == "fail" and "m2 https://m2:2379 (context deadline exceeded)" in result.observed


def test_etcd_32_text_health():
    result = etcd.etcd_checks(_runner(health_text=HEALTH_32), ETCD)[1]
    assert result.status == "fail" and result.observed.startswith("2/3 healthy")
    assert "m2 https://m2:2379 (failed to commit proposal: context deadline exceeded)" in result.observed


def test_etcd_unreachable_checks_once():
    run = _runner(rc=1)
    members, health = etcd.etcd_checks(run, ETCD)
    assert members.status == "fail" and health.status == "fail" and len(run.calls) == 1
    assert "context deadline exceeded" in members.observed


def test_etcd_bad_endpoint_is_a_failed_check():
    run = _runner()
    members, health = etcd.etcd_checks(run, dict(ETCD, etcd_endpoints=["m1:2379"]))
    assert members.status == "fail" and "is not an etcd client URL" in members.observed and run.calls == []


def test_etcd_without_endpoints_is_skipped():
    members, health = etcd.etcd_checks(_runner(), dict(ETCD, etcd_endpoints=[]))
    assert (members.status, health.status) == ("skipped", "skipped")
