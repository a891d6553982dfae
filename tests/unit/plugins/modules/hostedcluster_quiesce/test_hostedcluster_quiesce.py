"""hostedcluster_quiesce: record first, pause, verify, one-step scale, extend, restore exactly, every failure."""

import json

import pytest
import urllib3

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_rfc3339
from tests.unit.plugins.module_utils.hypershift.fake_k8s import api_error

NP = ["example-np0", "example-np1"]
HCP = "clusters-example"
ANNOTATION = "ocp.day2/quiesce-prior-state"
FUTURE = "2999-01-01T00:00:00Z"
QUIESCE = {"until": "2h", "deployments": ["kube-apiserver", "openshift-apiserver"], "run_id": "run-1"}


def replicas(client):
    return {
        "Deployment/kube-apiserver": client.replicas("Deployment", "kube-apiserver"),
        "Deployment/openshift-apiserver": client.replicas("Deployment", "openshift-apiserver"),
        "StatefulSet/etcd": client.replicas("StatefulSet", "etcd"),
    }


def test_quiesce_records_first_then_pauses_verifies_and_scales(run_module, fake_client):
    failed, result = run_module(dict(QUIESCE, data={"backup": "b1"}))
    assert not failed, result
    assert result["changed"] and not result["interrupted"]
    record = result["record"]
    assert record["paused"] == {"hostedcluster": None, "nodepools": {NP[0]: None, NP[1]: None}}
    assert record["replicas"] == {"Deployment/kube-apiserver": 2, "Deployment/openshift-apiserver": 2}
    assert record["run_id"] == "run-1" and record["data"] == {"backup": "b1"} and result["data"] == {"backup": "b1"}
    assert parse_rfc3339(record["started_at"]) is not None
    assert fake_client.annotation() == record
    # The record is the first change; the scaling comes after every pause.
    changes = fake_client.patches()
    assert changes[0][1] == "HostedCluster" and "annotations" in changes[0][4]["metadata"]
    assert [c[1] for c in changes[1:4]] == ["HostedCluster", "NodePool", "NodePool"]
    assert [(c[0], c[3]) for c in changes[4:]] == [("scale", "kube-apiserver"), ("scale", "openshift-apiserver")]
    until = result["paused_until"]
    assert parse_rfc3339(until) is not None
    assert [fake_client.value("NodePool", n) for n in NP] == [until, until]
    assert replicas(fake_client) == {
        "Deployment/kube-apiserver": 0,
        "Deployment/openshift-apiserver": 0,
        "StatefulSet/etcd": 3,
    }
    assert result["reconciliation"]["HostedCluster/example"]["status"] == "False"
    assert set(result["reconciliation"]) == {
        "HostedCluster/example",
        "HostedControlPlane/example",
        "NodePool/" + NP[0],
        "NodePool/" + NP[1],
    }
    assert result["nodepools"] == NP and result["hcp_namespace"] == HCP


def test_second_call_same_run_is_not_changed_and_may_add_a_workload(run_module, fake_client):
    run_module(QUIESCE)
    first = fake_client.annotation()
    failed, again = run_module(QUIESCE)
    assert not failed and not again["changed"] and again["interrupted"]
    failed, more = run_module(dict(QUIESCE, statefulsets=["etcd"], deployments=[]))
    assert not failed and more["changed"]
    assert more["record"]["replicas"] == dict(first["replicas"], **{"StatefulSet/etcd": 3})
    assert more["record"]["started_at"] == first["started_at"]
    assert fake_client.replicas("StatefulSet", "etcd") == 0


def test_interrupted_run_keeps_the_recorded_values(run_module, fake_client):
    run_module(dict(QUIESCE, until="true"))
    # The run died here; the workloads are at 0 and everything is paused. A new run must not record that.
    failed, result = run_module(dict(QUIESCE, run_id="run-2", until="true"))
    assert not failed and result["interrupted"] and not result["changed"]
    assert result["record"]["run_id"] == "run-1"
    assert result["record"]["replicas"]["Deployment/kube-apiserver"] == 2
    assert result["record"]["paused"]["hostedcluster"] is None
    assert any("run-1" in str(w) for w in result["warnings"])


def test_check_mode_changes_nothing_and_shows_the_diff(run_module, fake_client):
    failed, result = run_module(dict(QUIESCE, until="true"), check=True, diff=True)
    assert not failed and result["changed"]
    assert fake_client.patches() == [] and fake_client.annotation() is None
    diff = result["diff"]
    assert diff["before"]["record"] is None and diff["after"]["record"]["replicas"]["Deployment/kube-apiserver"] == 2
    assert diff["before"]["pausedUntil"]["HostedCluster clusters/example"] is None
    assert diff["after"]["pausedUntil"]["NodePool clusters/example-np1"] == "true"
    assert diff["after"]["replicas"] == {"Deployment/kube-apiserver": 0, "Deployment/openshift-apiserver": 0}
    assert "reconciliation" not in result


def test_restore_puts_back_exactly_and_removes_the_record(run_module, fake_client):
    fake_client.objects["NodePool"][("clusters", NP[0])]["spec"]["pausedUntil"] = FUTURE
    fake_client.objects["HostedCluster"][("clusters", "example")]["spec"]["pausedUntil"] = "2999-01-01T09:00:00+09:00"
    run_module(dict(QUIESCE, until="true", statefulsets=["etcd"]))
    assert fake_client.value("NodePool", NP[0]) == "true"
    failed, result = run_module({"state": "restored"}, diff=True)
    assert not failed and result["changed"]
    assert fake_client.value("HostedCluster", "example") == "2999-01-01T09:00:00+09:00"
    assert fake_client.value("NodePool", NP[0]) == FUTURE
    assert "pausedUntil" not in fake_client.objects["NodePool"][("clusters", NP[1])]["spec"]
    assert replicas(fake_client) == {
        "Deployment/kube-apiserver": 2,
        "Deployment/openshift-apiserver": 2,
        "StatefulSet/etcd": 3,
    }
    assert fake_client.annotation() is None
    assert result["not_put_back"] == [] and "record %s removed" % ANNOTATION in result["put_back"]
    assert result["diff"]["after"]["record"] is None
    # Scaling back comes before the pause is lifted.
    changes = [c for c in fake_client.patches() if c[0] == "scale" or "spec" in c[4]][-6:]
    assert [c[0] for c in changes] == ["scale", "scale", "scale", "patch", "patch", "patch"]
    failed, again = run_module({"state": "restored"})
    assert not failed and not again["changed"] and again["record"] is None


def test_transient_errors_while_scaling_back_are_retried(run_module, fake_client):
    run_module(QUIESCE)
    fake_client.inject("scale", "Deployment", "kube-apiserver", api_error(500, "etcdserver: leader changed"))
    fake_client.inject("get", "Deployment", "openshift-apiserver", api_error(429, "slow down"))
    fake_client.inject("patch", "NodePool", NP[1], urllib3.exceptions.ProtocolError("Connection reset by peer"))
    failed, result = run_module({"state": "restored"})
    assert not failed, result
    assert fake_client.replicas("Deployment", "kube-apiserver") == 2 and fake_client.annotation() is None


def test_persistent_error_while_scaling_back_keeps_the_record(run_module, fake_client):
    run_module(QUIESCE)
    fake_client.inject("scale", "Deployment", "kube-apiserver", api_error(503, "unavailable"), times=None)
    failed, result = run_module({"state": "restored"})
    assert failed
    assert "Scaling back failed for Deployment/kube-apiserver: unavailable (HTTP 503)" in result["msg"]
    assert "The record stays" in result["msg"]
    assert "replicas of Deployment/kube-apiserver" in result["not_put_back"]
    assert "record %s" % ANNOTATION in result["not_put_back"]
    assert fake_client.annotation() is not None
    assert fake_client.value("HostedCluster", "example") is not None  # still paused


def test_restore_timeout_names_the_workloads_and_keeps_the_record(run_module, fake_client):
    run_module(QUIESCE)
    fake_client.stuck.add(("Deployment", "openshift-apiserver"))
    failed, result = run_module({"state": "restored", "wait_timeout": 0})
    assert failed
    assert "Deployment/openshift-apiserver (spec.replicas 2, 0 replicas, 0 ready, want 2)" in result["msg"]
    assert "Deployment/kube-apiserver (" not in result["msg"]
    assert fake_client.annotation() is not None and "pausedUntil of HostedCluster example" in result["not_put_back"]


def test_restore_skips_what_no_longer_exists(run_module, fake_client):
    run_module(dict(QUIESCE, statefulsets=["etcd"]))
    del fake_client.objects["NodePool"][("clusters", NP[1])]
    del fake_client.objects["StatefulSet"][(HCP, "etcd")]
    failed, result = run_module({"state": "restored"})
    assert not failed, result
    assert result["skipped"] == ["NodePool " + NP[1], "StatefulSet/etcd"]
    assert any("StatefulSet/etcd" in str(w) for w in result["warnings"])
    assert fake_client.annotation() is None


def test_extend_pushes_the_pause_never_shortens_and_merges_data(run_module, fake_client):
    run_module(dict(QUIESCE, until="1h"))
    failed, result = run_module({"state": "extended", "until": "3h", "data": {"member": "etcd-1"}})
    assert not failed and result["changed"]
    later = result["paused_until"]
    assert [fake_client.value("NodePool", n) for n in NP] == [later, later]
    assert fake_client.annotation()["data"] == {"member": "etcd-1"}
    assert fake_client.annotation()["replicas"]["Deployment/kube-apiserver"] == 2
    failed, shorter = run_module({"state": "extended", "until": "30m"})
    assert not failed and not shorter["changed"] and shorter["paused_until"] == later
    failed, forever = run_module({"state": "extended", "until": "true"})
    assert forever["changed"] and fake_client.value("NodePool", NP[1]) == "true"
    failed, timed = run_module({"state": "extended", "until": FUTURE})
    assert not timed["changed"]  # an indefinite pause is later than any time


def test_extend_without_a_record_fails(run_module, fake_client):
    failed, result = run_module({"state": "extended", "until": "1h"})
    assert failed
    assert "has no quiesce record (annotation %s)" % ANNOTATION in result["msg"]
    assert "state=quiesced first" in result["msg"]


def test_invalid_paused_until_reported_by_the_operator_fails_before_scaling(run_module, fake_client):
    hc = fake_client.objects["HostedCluster"][("clusters", "example")]
    hc["spec"]["pausedUntil"] = "true"
    invalid = {"type": "ReconciliationActive", "status": "True", "observedGeneration": 1}
    invalid.update(reason="InvalidPausedUntilValue", message="Invalid value provided")
    hc["status"] = {"conditions": [invalid]}
    fake_client.operator = False
    failed, result = run_module(dict(QUIESCE, until="true", nodepools=[]))
    assert failed
    assert (
        "HostedCluster clusters/example is not paused: ReconciliationActive=True, reason InvalidPausedUntilValue"
        in result["msg"]
    )
    assert "Invalid value provided" in result["msg"] and "InvalidPausedUntilValue" in result["msg"]
    assert "state=restored" in result["msg"]
    assert fake_client.replicas("Deployment", "kube-apiserver") == 2
    assert result["record"]["replicas"]["Deployment/kube-apiserver"] == 2


def test_verify_timeout_when_the_operator_says_nothing(run_module, fake_client):
    fake_client.operator = False
    failed, result = run_module(dict(QUIESCE, wait_timeout=0))
    assert failed
    assert "waiting for reconciliation to stop (condition ReconciliationActive=False)" in result["msg"]
    assert "NodePool clusters/example-np0 reports no ReconciliationActive condition yet" in result["msg"]
    assert "verify=false" in result["msg"]
    failed, result = run_module(dict(QUIESCE, verify=False))
    assert not failed and fake_client.replicas("Deployment", "kube-apiserver") == 0


def test_scale_down_timeout_names_the_workload(run_module, fake_client):
    fake_client.stuck.add(("Deployment", "kube-apiserver"))
    failed, result = run_module(dict(QUIESCE, wait_timeout=0))
    assert failed
    assert "Deployment/kube-apiserver (spec.replicas 0, 2 replicas, 2 ready, want 0)" in result["msg"]
    assert "record %s" % ANNOTATION in result["msg"]
    assert result["record"]["replicas"]["Deployment/kube-apiserver"] == 2


def test_missing_objects_fail_before_any_change(run_module, fake_client):
    failed, result = run_module(dict(QUIESCE, name="nope"))
    assert failed and "HostedCluster clusters/nope not found" in result["msg"]
    failed, result = run_module(dict(QUIESCE, nodepools=["example-np0", "ghost"]))
    assert failed and "NodePool(s) ghost not found in namespace clusters for HostedCluster example" in result["msg"]
    failed, result = run_module(dict(QUIESCE, deployments=["kube-apiserver", "kube-scheduler"], statefulsets=["x"]))
    assert failed
    assert "Deployment/kube-scheduler, StatefulSet/x not found in namespace clusters-example" in result["msg"]
    assert fake_client.patches() == []


def test_until_checked_before_any_request(run_module, fake_client):
    failed, result = run_module(dict(QUIESCE, until="2024-03-03T03:28:48"))
    assert failed
    assert "looks like a time but is not RFC3339" in result["msg"] and "InvalidPausedUntilValue" in result["msg"]
    failed, result = run_module(dict(QUIESCE, until="2024-02-30T03:28:48Z"))
    assert failed and "not RFC3339" in result["msg"]
    failed, result = run_module(dict(QUIESCE, until="soon"))
    assert failed and "until='soon' is not accepted" in result["msg"]
    failed, result = run_module({"state": "restored", "until": "1h"})
    assert failed and "until is not used with state=restored" in result["msg"]
    failed, result = run_module({"state": "quiesced"})
    assert failed and "until" in result["msg"]
    failed, result = run_module(dict(QUIESCE, deployments=["clusters-example/kube-apiserver"]))
    assert failed and "plain object names" in result["msg"]
    assert fake_client.calls == []


def test_malformed_record_is_refused(run_module, fake_client):
    meta = fake_client.objects["HostedCluster"][("clusters", "example")]["metadata"]
    meta["annotations"] = {ANNOTATION: "{not json"}
    failed, result = run_module({"state": "restored"})
    assert failed and "is not valid JSON" in result["msg"] and "oc annotate hostedcluster" in result["msg"]
    meta["annotations"] = {ANNOTATION: json.dumps({"paused": {"hostedcluster": None}, "replicas": {"Pod/x": 1}})}
    failed, result = run_module({"state": "restored"})
    assert failed and "is not a quiesce record" in result["msg"] and "Pod/x" in result["msg"]


def test_unreachable_api(run_module, fake_client, monkeypatch):
    def refuse(**_kw):
        raise urllib3.exceptions.MaxRetryError(None, "/apis", "Connection refused")

    monkeypatch.setattr(fake_client.resources, "get", refuse)
    failed, result = run_module(QUIESCE)
    assert failed and "Cannot reach the Kubernetes API server" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_a_time_in_the_past_is_refused(run_module, fake_client):
    failed, result = run_module(dict(QUIESCE, until="2020-01-01T00:00:00Z"))
    assert failed and "is not in the future, so HyperShift would not pause" in result["msg"]
    failed, result = run_module({"state": "extended", "until": "2020-01-01T00:00:00Z"})
    assert failed and "not in the future" in result["msg"]
    assert fake_client.calls == []


def test_api_error_after_the_record_says_how_to_put_back(run_module, fake_client):
    fake_client.inject("patch", "NodePool", NP[1], api_error(403, "forbidden"))
    failed, result = run_module(QUIESCE)
    assert failed
    assert "Setting spec.pausedUntil of NodePool clusters/example-np1 failed: forbidden (HTTP 403)" in result["msg"]
    assert "Done before the failure: record %s, pausedUntil of HostedCluster example" % ANNOTATION in result["msg"]
    assert "run again with state=restored" in result["msg"] and result["changed"]
    assert fake_client.annotation() == result["record"]


def test_failure_before_any_change_says_so(run_module, fake_client):
    fake_client.inject("patch", "HostedCluster", "example", api_error(403, "no annotations for you"))
    failed, result = run_module(QUIESCE)
    assert failed and "no annotations for you (HTTP 403)" in result["msg"]
    assert "Done before the failure: nothing. Nothing was changed." in result["msg"] and not result["changed"]


def test_scale_back_failure_reports_what_was_scaled(run_module, fake_client):
    run_module(QUIESCE)
    fake_client.inject("scale", "Deployment", "openshift-apiserver", api_error(403, "forbidden"))
    failed, result = run_module({"state": "restored"})
    assert failed and result["changed"]
    assert result["put_back"] == ["spec.replicas of Deployment/kube-apiserver set to 2 (not waited for)"]
    assert fake_client.annotation() is not None


@pytest.mark.parametrize(
    "args, words",
    [
        ({"name": ""}, "name"),
        ({"namespace": ""}, "namespace"),
        ({"until": ""}, "until"),
        ({"until": "-1h"}, "until"),
        ({"until": "2024-03-03T03:28:48"}, "not RFC3339"),
        ({"state": "paused"}, "state"),
        ({"nodepools": "some"}, "nodepools"),
        ({"deployments": ["Kube_APIServer"]}, "Kube_APIServer"),
        ({"deployments": [""]}, "deployments"),
        ({"statefulsets": ["ns/etcd"]}, "plain object names"),
        ({"record": "not an annotation key!"}, "record"),
        ({"record": "ocp.day2/" + "x" * 64}, "record"),
        ({"wait_timeout": -5}, "wait_timeout"),
        ({"wait_timeout": "soon"}, "wait_timeout"),
        ({"data": "phase"}, "data"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_changes(run_module, fake_client, args, words):
    failed, result = run_module(dict(QUIESCE, **args))
    assert failed and words in result["msg"], result
    assert fake_client.patches() == [] and result.get("changed") is not True
