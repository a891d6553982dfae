"""The NodePool stand-in as HyperShift's NodePool controller: config rollout, replicas, autoScaling, durations,
and the deletion of a HostedCluster cascading through NodePools, CAPI objects and the control-plane namespace."""

import pytest

from tests.harness.net import wait_for
from tests.sim.errors import ApiError
from tests.sim.nodepool_config import CURRENT_CONFIG, go_duration

NP = ("hypershift.openshift.io/v1beta1", "NodePool")
HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")
MC = """apiVersion: machineconfiguration.openshift.io/v1
kind: MachineConfig
metadata:
  name: 99-worker-motd
  labels: {machineconfiguration.openshift.io/role: worker}
spec:
  config: {ignition: {version: 3.2.0}}
"""


def _cond(obj, ctype):
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype), None)


def _until(mgmt, ctype, status, timeout=10):
    def seen():
        cond = _cond(_pool(mgmt), ctype)
        return cond if cond and cond["status"] == status else None

    return wait_for(seen, timeout=timeout, interval=0.05, what="%s %s" % (ctype, status))


def _pool(mgmt):
    return mgmt.list(*NP, "clusters")[0]


def _patch_spec(mgmt, **fields):
    np = _pool(mgmt)
    for key, value in fields.items():
        if value is None:
            np["spec"].pop(key, None)
        else:
            np["spec"][key] = value
    return mgmt.put(np)


def test_go_durations():
    assert go_duration("0s") == 0 and go_duration("0") == 0 and go_duration("1h30m") == 5400
    assert go_duration("1.5m") == 90 and go_duration("-2s") == -2
    assert go_duration("60") is None and go_duration("1d") is None and go_duration("") is None


def test_config_rollout_replicas_exclusivity_and_cascading_delete(mgmt_cluster):
    mgmt = mgmt_cluster
    hc = mgmt.create_hosted_cluster(name="cfg", availability="SingleReplica", nodepools=1, replicas=2)
    guest = mgmt.guest(hc)
    wait_for(lambda: len(guest.nodes()) == 2, timeout=20, interval=0.1, what="2 nodes")
    first = wait_for(lambda: (_pool(mgmt)["metadata"].get("annotations") or {}).get(CURRENT_CONFIG), timeout=10,
                     interval=0.1, what="the initial config hash")  # fmt: skip

    # a reference to a ConfigMap that does not exist: ValidMachineConfig False, nothing rolls out
    _patch_spec(mgmt, config=[{"name": "motd"}])
    bad = _until(mgmt, "ValidMachineConfig", "False")
    assert 'ConfigMap "motd" not found' in bad["message"]
    assert _cond(_pool(mgmt), "UpdatingConfig")["status"] == "False"

    # the ConfigMap appears: UpdatingConfig True with the target hash, then False and the hash recorded
    mgmt.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "motd", "namespace": "clusters"},
              "data": {"config": MC}})  # fmt: skip
    updating = _until(mgmt, "UpdatingConfig", "True")
    target = updating["message"].rsplit(" ", 1)[1]
    assert updating["message"].startswith("Updating config in progress. Target config: ") and target != first
    _until(mgmt, "UpdatingConfig", "False")
    pool = _pool(mgmt)
    assert pool["metadata"]["annotations"][CURRENT_CONFIG] == target
    assert _cond(pool, "UpdatingConfig")["observedGeneration"] == pool["metadata"]["generation"]

    # an unsupported kind in `tuning`
    mgmt.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tun", "namespace": "clusters"},
              "data": {"tuning": "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"}})  # fmt: skip
    _patch_spec(mgmt, tuningConfig=[{"name": "tun"}])
    bad = _until(mgmt, "ValidTuningConfig", "False")
    assert "unsupported config type: Pod" in bad["message"]
    _patch_spec(mgmt, tuningConfig=None)

    # replicas and autoScaling are exclusive (CEL rule of the CRD)
    pool = _pool(mgmt)
    pool["spec"]["autoScaling"] = {"min": 1, "max": 3}
    with pytest.raises(ApiError) as exc:
        mgmt.put(pool)
    assert "Both replicas or autoScaling should not be set" in str(exc.value.message)

    # a nodeDrainTimeout that is no Go duration: stored (the CRD says string), but the controller cannot decode it
    _patch_spec(mgmt, nodeDrainTimeout="ten minutes", replicas=0)
    with pytest.raises(Exception, match="nodes gone"):
        wait_for(lambda: not guest.nodes(), timeout=2, interval=0.1, what="nodes gone")
    # a valid one: replicas 0 -> the Machines, their instances and the guest's Nodes go
    _patch_spec(mgmt, nodeDrainTimeout="1m")
    wait_for(lambda: not guest.nodes(), timeout=20, interval=0.1, what="nodes gone")
    assert not mgmt.list("cluster.x-k8s.io/v1beta1", "Machine", hc.hcp_namespace)
    # autoScaling alone: the autoscaler's floor
    _patch_spec(mgmt, replicas=None, autoScaling={"min": 1, "max": 3})
    wait_for(lambda: len(guest.nodes()) == 1, timeout=20, interval=0.1, what="1 node (autoScaling.min)")

    # deleting the HostedCluster: NodePools, HostedControlPlane, CAPI objects and the namespace go, then the HC
    mgmt.delete(*HC, "cfg", "clusters")
    wait_for(lambda: mgmt.get(*HC, "cfg", "clusters") is None, timeout=30, interval=0.1, what="HC gone")
    assert mgmt.list(*NP, "clusters") == []
    assert mgmt.get("v1", "Namespace", hc.hcp_namespace) is None
