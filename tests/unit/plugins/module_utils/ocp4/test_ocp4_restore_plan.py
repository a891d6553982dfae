# ruff: noqa: E501 - fixtures and expected lists stay on one line
"""The restore plan (003 §5.4.2.2): steps per host and on the cluster in the seed's order, the refusals that come
before anything is touched, and the steps an earlier run finished; and the redeployment wait's rule."""

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import redeploy, restore_plan

HOSTS = [{"name": "m0", "node": "master-0"}, {"name": "m1", "node": "master-1"}, {"name": "m2", "node": "master-2"}]
NODES = [{"metadata": {"name": n}, "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": n}]}}
         for n, ip in (("master-0", "10.0.0.10"), ("master-1", "10.0.0.11"))]  # fmt: skip
MACHINES = [
    {"metadata": {"name": "c-master-%d" % i, "labels": {"machine.openshift.io/cluster-api-machine-role": "master"}},
     "status": {"nodeRef": {"name": "master-%d" % i}, "addresses": [{"type": "InternalIP", "address": "10.0.0.1%d" % i}]}}
    for i in range(3)
] + [{"metadata": {"name": "c-worker-0", "labels": {}}, "status": {"nodeRef": {"name": "worker-0"}}}]  # fmt: skip
PROXY = {"httpProxy": "http://proxy:3128", "noProxy": ".cluster.local"}


def _plan(done=(), recreate=("master-2",), network="OVNKubernetes", vips=(), hosts=None, recovery="m0"):
    hosts = HOSTS if hosts is None else hosts
    return restore_plan.build(hosts, recovery, list(recreate), network, PROXY, set(done), NODES, MACHINES, list(vips))


def test_host_steps_in_the_seed_order():
    plan = _plan()
    steps = {h: [s["step"] for s in v] for h, v in plan["host_steps"].items()}
    assert steps["m0"] == ["copy_backup", "cluster_restore", "restart_kubelet", "check_etcd", "remove_ovn_dbs"]
    others = [
        "stop_etcd_pod",
        "stop_kube_apiserver_pod",
        "move_etcd_data",
        "stop_keepalived",
        "restart_kubelet",
        "remove_ovn_dbs",
    ]
    assert steps["m1"] == steps["m2"] == others
    assert [s["step"] for s in _plan(vips=["192.0.2.5"])["host_steps"]["m0"]][0] == "check_vip"


def test_cluster_steps_in_the_seed_order_guard_around_etcd():
    assert [s["step"] for s in _plan()["cluster_steps"]] == [
        "approve_csrs", "ovn", "recreate_machine:master-2", "quorum_guard_off", "redeploy:Etcd", "quorum_guard_on",
        "redeploy:KubeAPIServer", "redeploy:KubeControllerManager", "redeploy:KubeScheduler", "verify",
    ]  # fmt: skip


def test_without_ovn_no_clean_up():
    plan = _plan(network="OpenShiftSDN", recreate=())
    assert "ovn" not in [s["step"] for s in plan["cluster_steps"]] and not plan["ovn"]
    assert all("remove_ovn_dbs" not in [s["step"] for s in v] for v in plan["host_steps"].values())


def test_facts_for_the_steps():
    plan = _plan()
    assert plan["other_nodes"] == ["master-1", "master-2"] and plan["recovery_node"] == "master-0"
    assert plan["other_node_ips"] == ["10.0.0.11", "10.0.0.12"]  # master-2 only known from its Machine
    assert plan["machines"] == [{"node": "master-2", "machine": "c-master-2"}] and plan["control_plane_machines"] == 3
    assert plan["proxy_env"] == {"HTTP_PROXY": "http://proxy:3128", "http_proxy": "http://proxy:3128",
                                 "NO_PROXY": ".cluster.local", "no_proxy": ".cluster.local"}  # fmt: skip
    assert plan["expected_nodes"] == ["master-0", "master-1", "master-2"]


def test_a_lost_host_outside_the_inventory_is_still_cleaned_up():
    plan = _plan(hosts=HOSTS[:2])
    assert plan["other_nodes"] == ["master-1", "master-2"] and sorted(plan["host_steps"]) == ["m0", "m1"]


def test_progress_marks_done_steps():
    plan = _plan(done=["approve_csrs", "ovn", "recreate_machine:master-2"])
    assert [s["step"] for s in plan["cluster_steps"] if s["done"]] == [
        "approve_csrs",
        "ovn",
        "recreate_machine:master-2",
    ]
    assert (
        "cluster: approve the pending CSRs of the expected nodes (ocp.day2.ocp4_csr_approve) [done by an earlier run]"
        in restore_plan.lines(plan)
    )


def test_lines_per_host():
    lines = restore_plan.lines(_plan())
    assert lines[0].startswith("m0 (recovery host): copy the backup to the recovery host; run cluster-restore.sh")
    assert lines[1].startswith("m1 (other control-plane host): move etcd-pod.yaml out of the manifest directory")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"recovery": "m9"}, "recovery host 'm9' is not among the control-plane hosts"),
        ({"recreate": ["master-0"]}, "must never be deleted and recreated"),
        ({"recreate": ["worker-9"]}, "but no Machine"),
        ({"hosts": HOSTS + [{"name": "m3", "node": "master-0"}]}, "same node name"),
    ],
)
def test_refusals(kwargs, words):
    with pytest.raises(Day2Error, match=words):
        _plan(**kwargs)


def test_recreated_machine_done_earlier_is_not_looked_up_again():
    assert _plan(recreate=["gone"], done=["recreate_machine:gone"])["machines"] == [{"node": "gone", "machine": None}]


def _op(revision, reason, status="False", nodes=(8, 8, 8)):
    return {"status": {"latestAvailableRevision": revision, "nodeStatuses": [{"nodeName": str(i), "currentRevision": r} for i, r in enumerate(nodes)],
                       "conditions": [{"type": "NodeInstallerProgressing", "status": status, "reason": reason}]}}  # fmt: skip


@pytest.mark.parametrize(
    "obj, done",
    [
        (_op(7, "AllNodesAtLatestRevision", nodes=(7, 7, 7)), False),  # the previous rollout's condition
        (_op(8, "NodeInstaller", "True", nodes=(7, 7, 8)), False),
        (_op(8, "AllNodesAtLatestRevision", nodes=(7, 8, 8)), False),
        (_op(8, "AllNodesAtLatestRevision"), True),
    ],
)
def test_redeploy_waits_for_a_newer_revision_everywhere(obj, done):
    assert redeploy.rolled_out(obj, 7) is done


def test_redeploy_reason_is_unique_and_seed_shaped():
    assert redeploy.default_reason().startswith("recovery-") and redeploy.default_reason() != "recovery-"
