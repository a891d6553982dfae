"""Branches of the lifecycle helpers that the end-to-end tests do not reach cheaply (no API involved)."""

import base64
import json
from types import SimpleNamespace

import pytest
import yaml

from ansible_collections.ocp.day2.plugins.module_utils import k8s
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import (
    delete,
    must_gather,
    nodepool_rollout,
    nodepool_scale,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import nodepool_config as npc


def _pool(spec, annotations=None):
    return {"metadata": {"name": "np", "namespace": "clusters", "annotations": annotations or {}}, "spec": spec}


# -- node pool configuration -------------------------------------------------------------------------------
def test_references_keep_foreign_ones_and_order():
    current = [{"name": "theirs"}, {"name": "ex-mc-a"}]
    assert npc.refs_after(current, ["ex-mc-a", "ex-mc-b"], True) == current + [{"name": "ex-mc-b"}]
    assert npc.refs_after(current, ["ex-mc-a"], False) == [{"name": "theirs"}]
    assert npc.refs_after(None, ["x"], False) == []


def test_more_than_ten_references_refused():
    with pytest.raises(Day2Error, match="at most 10"):
        npc.check_limit("np", "config", [{"name": str(i)} for i in range(11)])


def test_machine_config_rendered_with_worker_role_and_stable_text():
    mc = {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "metadata": {"name": "m"},
          "spec": {"config": {"ignition": {"version": "3.4.0"}}}}  # fmt: skip
    [(kind, cm, obj)] = npc.desired({"name": "ex", "machine_configs": [mc], "tuned": []})
    assert (kind, cm) == ("MachineConfig", "ex-mc-m")
    assert (
        obj["metadata"]["labels"] == {"machineconfiguration.openshift.io/role": "worker"}
        and "labels" not in mc["metadata"]
    )
    first = npc.render("clusters", "ex", kind, cm, obj)
    assert first == npc.render("clusters", "ex", kind, cm, obj)  # same text every run: idempotent
    assert yaml.safe_load(first["data"]["config"]) == obj and first["metadata"]["labels"] == {npc.OWNER_LABEL: "ex"}


def test_absent_needs_only_kind_and_name():
    head = {"apiVersion": "tuned.openshift.io/v1", "kind": "Tuned", "metadata": {"name": "t"}}
    assert npc.desired({"name": "ex", "machine_configs": [], "tuned": [head]}, full=False)[0][1] == "ex-tuned-t"


# -- scale to zero and back ------------------------------------------------------------------------------------
def test_go_durations():
    assert nodepool_scale.go_duration("1h30m") == 5400 and nodepool_scale.go_duration("0") == 0
    assert nodepool_scale.go_duration("500ms") == 0.5 and nodepool_scale.go_duration("5") is None


def test_zero_records_once_and_sets_a_drain_timeout():
    patch, annotations = nodepool_scale.plan_zero(
        _pool({"autoScaling": {"min": 1, "max": 3}, "nodeDrainTimeout": "0s"}), "5m"
    )
    assert patch == {"nodeDrainTimeout": "5m", "replicas": 0, "autoScaling": None}
    assert json.loads(annotations[nodepool_scale.RECORD]) == {"replicas": None, "autoScaling": {"min": 1, "max": 3},
                                                              "nodeDrainTimeout": "0s"}  # fmt: skip
    recorded = _pool(
        {"replicas": 0, "nodeDrainTimeout": "90s"}, {nodepool_scale.RECORD: annotations[nodepool_scale.RECORD]}
    )
    assert nodepool_scale.plan_zero(recorded, "5m") == ({}, {})  # re-run: the first record is kept


def test_restore_switches_back_to_autoscaling_and_keeps_the_drain_timeout():
    record = json.dumps({"replicas": None, "autoScaling": {"min": 1, "max": 3}, "nodeDrainTimeout": None})
    pool = _pool({"replicas": 0, "nodeDrainTimeout": "5m"}, {nodepool_scale.RECORD: record})
    assert nodepool_scale.plan_restore(pool, False) == ({"replicas": None, "autoScaling": {"min": 1, "max": 3}},
                                                        {nodepool_scale.RECORD: None})  # fmt: skip
    assert nodepool_scale.plan_restore(pool, True)[0]["nodeDrainTimeout"] is None
    assert nodepool_scale.plan_restore(_pool({"replicas": 0}), False) == (None, None)
    assert nodepool_scale.wanted_nodes({"replicas": None, "autoScaling": {"min": 2, "max": 3}}) == 2


def test_a_broken_record_is_refused_with_what_to_do():
    with pytest.raises(Day2Error, match="not a scale record.*oc annotate nodepool"):
        nodepool_scale.read_record(_pool({}, {nodepool_scale.RECORD: "{oops"}))


# -- must-gather -------------------------------------------------------------------------------------------------
def test_secrets_and_pods_are_reduced():
    applied = {"kubectl.kubernetes.io/last-applied-configuration": '{"data": {"a": "eQ=="}}', "keep": "1"}
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"b": "eA==", "a": "eQ=="},
              "metadata": {"name": "s", "managedFields": [1], "annotations": applied}}  # fmt: skip
    out = must_gather.clean(secret, "Secret")
    assert out["keys"] == ["a", "b"] and "data" not in out and out["metadata"]["annotations"] == {"keep": "1"}
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i", "env": [{"value": "x"}]}]},
           "status": {"phase": "Running"}}  # fmt: skip
    assert must_gather.clean(pod, "Pod")["spec"] == {"nodeName": None, "containers": [{"name": "c", "image": "i"}]}


def test_every_form_of_a_secret_value_is_redacted(tmp_path):
    token = "tok-" + "x" * 40
    kubeconfig = "users:\n- user:\n    token: %s\n" % token
    secrets = [{"data": {"kubeconfig": base64.b64encode(kubeconfig.encode()).decode(), "short": "eQ=="}}]
    values = must_gather.secret_values(secrets)
    (tmp_path / "a.log").write_text("bearer %s\n" % token)
    (tmp_path / "b.yaml").write_text("nothing here: y\n")
    assert must_gather.redact_tree(str(tmp_path), values) == ["a.log"]
    assert token not in (tmp_path / "a.log").read_text() and "y" in (tmp_path / "b.yaml").read_text()


# -- delete ----------------------------------------------------------------------------------------------------
class _FakeDeletion(delete.Deletion):
    def __init__(self):
        self.calls = []

    def strip(self, api_version, obj):
        self.calls.append(obj["metadata"]["name"])


def _obj(kind, name, deleting=True, finalizers=("f",)):
    meta = {"name": name, "namespace": "ns", "finalizers": list(finalizers)}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-26T00:00:00Z"
    return ("v", {"kind": kind, "metadata": meta})


def test_the_hostedcluster_finalizer_goes_last():
    dl = _FakeDeletion()
    assert [s["name"] for s in dl.force([_obj("HostedCluster", "hc"), _obj("NodePool", "np")])] == ["np"]
    assert dl.force([_obj("HostedCluster", "hc"), _obj("Namespace", "ns-hc", finalizers=())]) == []
    assert [s["name"] for s in dl.force([_obj("HostedCluster", "hc")])] == ["hc"]
    assert dl.calls == ["np", "hc"]


# -- a paused NodePool is refused before any write -------------------------------------------------------------
class _Res:
    def __init__(self, kind, objs, writes):
        self.kind, self.objs, self.writes = kind, objs, writes

    def get(self, name=None, namespace=None, **_kw):
        if name is None:
            return {"items": [o for o in self.objs if o["metadata"]["namespace"] == namespace]}
        for o in self.objs:
            if o["metadata"]["name"] == name:
                return o
        raise k8s.NotFoundError(SimpleNamespace(status=404, reason="Not Found", body=None, headers=None))

    def __getattr__(self, verb):  # create, patch, delete: recorded, so the test sees any write
        return lambda *a, **kw: self.writes.append((verb, self.kind, kw))


class _Module:
    check_mode, _diff = False, False

    def __init__(self, params, objs):
        self.params, self.writes = params, []
        self.objs = objs

    def resource(self, _api, kind):
        return _Res(kind, [o for o in self.objs if o["kind"] == kind], self.writes)


def test_paused_nodepool_refused_before_any_write():
    mc = {"apiVersion": "machineconfiguration.openshift.io/v1", "kind": "MachineConfig", "metadata": {"name": "m"},
          "spec": {"config": {"ignition": {"version": "3.2.0"}}}}  # fmt: skip
    params = {"name": "ex", "namespace": "clusters", "nodepools": ["all"], "machine_configs": [mc], "tuned": [],
              "state": "present", "previous": None, "wait": True, "wait_timeout": 1, "settle_timeout": 1,
              "poll_interval": 0.1}  # fmt: skip
    meta = {"namespace": "clusters"}
    paused = {"clusterName": "ex", "pausedUntil": "true"}
    objs = [{"kind": "HostedCluster", "metadata": dict(meta, name="ex"), "spec": {}},
            {"kind": "NodePool", "metadata": dict(meta, name="ex-a"), "spec": paused}]  # fmt: skip
    module = _Module(params, objs)
    with pytest.raises(Day2Error, match="ex-a are paused"):
        nodepool_rollout.execute(module)
    assert module.writes == []
