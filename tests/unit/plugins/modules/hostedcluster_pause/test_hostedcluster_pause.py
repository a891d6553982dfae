"""hostedcluster_pause: decisions, idempotence, check mode, diff and every failure message."""

import datetime

import urllib3

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_rfc3339
from tests.unit.plugins.module_utils.hypershift.fake_k8s import api_error

NP = ["example-np0", "example-np1"]
FUTURE = "2999-01-01T00:00:00Z"


def test_pause_true_sets_cluster_and_every_nodepool(run_module, fake_client):
    fake_client.add_cluster()
    fake_client.add("NodePool", "clusters", "other-np", {"clusterName": "other"})
    failed, result = run_module({"name": "example", "until": "true"})
    assert not failed and result["changed"]
    assert result["previous"] == {"hostedcluster": None, "nodepools": {NP[0]: None, NP[1]: None}}
    assert result["paused_until"] == "true"
    assert result["nodepools"] == NP
    assert fake_client.value("HostedCluster", "example") == "true"
    assert [fake_client.value("NodePool", n) for n in NP] == ["true", "true"]
    assert fake_client.value("NodePool", "other-np") is None
    patch = fake_client.patches()[0]
    assert patch[4] == {"spec": {"pausedUntil": "true"}}
    assert patch[5] == "application/merge-patch+json"


def test_pause_true_again_is_not_changed(run_module, fake_client):
    fake_client.add_cluster(paused="true", np_paused="true")
    failed, result = run_module({"name": "example", "until": "True"})
    assert not failed and not result["changed"]
    assert result["previous"]["hostedcluster"] == "true"
    assert fake_client.patches() == []


def test_pause_with_duration_writes_utc_time(run_module, fake_client):
    fake_client.add_cluster()
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    failed, result = run_module({"name": "example", "until": "1h30m"})
    assert not failed and result["changed"]
    moment = parse_rfc3339(result["paused_until"])
    assert result["paused_until"].endswith("Z")
    delta = (moment - start).total_seconds()
    assert 5400 <= delta <= 5405
    assert result["current"]["nodepools"] == {NP[0]: result["paused_until"], NP[1]: result["paused_until"]}


def test_duration_rerun_is_not_changed(run_module, fake_client):
    fake_client.add_cluster()
    _client, first = run_module({"name": "example", "until": "2h"})
    failed, second = run_module({"name": "example", "until": "2h"})
    assert not failed and not second["changed"]
    assert second["paused_until"] == first["paused_until"]
    assert len(fake_client.patches()) == 3


def test_duration_never_shortens_a_pause(run_module, fake_client):
    fake_client.add_cluster(paused="true", np_paused=FUTURE)
    failed, result = run_module({"name": "example", "until": "30m"})
    assert not failed and not result["changed"]
    assert result["paused_until"] == "true"
    assert result["current"]["nodepools"][NP[0]] == FUTURE


def test_duration_extends_an_earlier_or_expired_pause(run_module, fake_client):
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fake_client.add_cluster(paused=soon, np_paused="2020-01-01T00:00:00Z")
    failed, result = run_module({"name": "example", "until": "2h"})
    assert not failed and result["changed"]
    assert result["previous"]["hostedcluster"] == soon
    assert parse_rfc3339(result["paused_until"]) > parse_rfc3339(soon)
    assert fake_client.value("NodePool", NP[0]) == result["paused_until"]


def test_explicit_time_same_instant_not_changed(run_module, fake_client):
    fake_client.add_cluster(paused="2999-01-01T09:00:00+09:00", nodepools=0)
    failed, result = run_module({"name": "example", "until": FUTURE})
    assert not failed and not result["changed"]
    assert result["paused_until"] == "2999-01-01T09:00:00+09:00"


def test_explicit_time_may_shorten(run_module, fake_client):
    fake_client.add_cluster(paused="true", nodepools=0)
    failed, result = run_module({"name": "example", "until": "2999-01-01T09:00:00+09:00"})
    assert not failed and result["changed"]
    assert fake_client.value("HostedCluster", "example") == FUTURE


def test_check_mode_changes_nothing_and_reports(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "true"}, check=True, diff=True)
    assert not failed and result["changed"]
    assert result["current"]["hostedcluster"] == "true"
    assert fake_client.patches() == []
    assert fake_client.value("HostedCluster", "example") is None
    assert result["diff"]["before"]["HostedCluster clusters/example"] == {"spec": {"pausedUntil": None}}
    assert result["diff"]["after"]["NodePool clusters/example-np1"] == {"spec": {"pausedUntil": "true"}}


def test_resume_removes_field(run_module, fake_client):
    fake_client.add_cluster(paused="true", np_paused="")
    failed, result = run_module({"name": "example", "state": "resumed"})
    assert not failed and result["changed"]
    assert result["previous"] == {"hostedcluster": "true", "nodepools": {NP[0]: "", NP[1]: ""}}
    assert result["paused_until"] is None
    assert "pausedUntil" not in fake_client.objects["HostedCluster"][("clusters", "example")]["spec"]
    assert fake_client.patches()[0][4] == {"spec": {"pausedUntil": None}}
    failed, again = run_module({"name": "example", "state": "resumed"})
    assert not again["changed"]


def test_nodepools_selection(run_module, fake_client):
    fake_client.add_cluster(nodepools=3)
    failed, result = run_module({"name": "example", "until": "true", "nodepools": ["example-np2"]})
    assert not failed and result["nodepools"] == ["example-np2"]
    assert fake_client.value("NodePool", "example-np0") is None
    failed, result = run_module({"name": "example", "state": "resumed", "nodepools": []})
    assert result["nodepools"] == [] and result["previous"]["nodepools"] == {}
    assert fake_client.value("NodePool", "example-np2") == "true"


def test_restore_puts_back_exact_values(run_module, fake_client):
    fake_client.add_cluster(paused="2999-01-01T09:00:00+09:00", nodepools=2)
    fake_client.objects["NodePool"][("clusters", NP[1])]["spec"]["pausedUntil"] = "true"
    _client, paused = run_module({"name": "example", "until": "true"})
    failed, result = run_module({"name": "example", "state": "restored", "previous": paused["previous"]}, diff=True)
    assert not failed and result["changed"]
    assert fake_client.value("HostedCluster", "example") == "2999-01-01T09:00:00+09:00"
    assert fake_client.value("NodePool", NP[0]) is None
    assert "pausedUntil" not in fake_client.objects["NodePool"][("clusters", NP[0])]["spec"]
    assert fake_client.value("NodePool", NP[1]) == "true"
    failed, again = run_module({"name": "example", "state": "restored", "previous": paused["previous"]})
    assert not failed and not again["changed"]


def test_restore_skips_vanished_nodepool_with_warning(run_module, fake_client):
    fake_client.add_cluster(paused="true", nodepools=1)
    previous = {"hostedcluster": None, "nodepools": {"example-np0": None, "gone-np": "true"}}
    failed, result = run_module({"name": "example", "state": "restored", "previous": previous})
    assert not failed and result["nodepools"] == ["example-np0"]
    assert any("gone-np" in str(w) for w in result["warnings"])


def test_restore_rejects_malformed_previous(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "state": "restored", "previous": {"nodepools": {}}})
    assert failed and "no 'hostedcluster' key" in result["msg"]
    failed, result = run_module(
        {"name": "example", "state": "restored", "previous": {"hostedcluster": None, "nodepools": ["a"]}}
    )
    assert failed and "dictionary of NodePool name" in result["msg"]


def test_wait_for_hcp(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "true", "wait": True, "wait_timeout": 5})
    assert not failed
    assert result["hostedcontrolplane"] == {"namespace": "clusters-example", "paused_until": "true"}


def test_wait_timeout_says_what_hcp_shows(run_module, fake_client):
    fake_client.add_cluster()
    fake_client.propagate = False
    failed, result = run_module({"name": "example", "until": "true", "wait": True, "wait_timeout": 0})
    assert failed
    assert "HostedControlPlane clusters-example/example" in result["msg"]
    assert "shows spec.pausedUntil=(absent)" in result["msg"]
    assert result["previous"]["hostedcluster"] is None and result["changed"]


def test_wait_timeout_when_hcp_missing(run_module, fake_client):
    fake_client.add_cluster()
    del fake_client.objects["HostedControlPlane"][("clusters-example", "example")]
    failed, result = run_module({"name": "example", "until": "true", "wait": True, "wait_timeout": 0})
    assert failed and "it does not exist" in result["msg"]


def test_missing_hostedcluster(run_module, fake_client):
    failed, result = run_module({"name": "nope", "namespace": "clusters", "until": "true"})
    assert failed
    assert "HostedCluster clusters/nope not found" in result["msg"]
    assert "oc get hostedcluster -A" in result["msg"]


def test_named_nodepool_not_found(run_module, fake_client):
    fake_client.add_cluster()
    fake_client.add("NodePool", "clusters", "other-np", {"clusterName": "other"})
    failed, result = run_module({"name": "example", "until": "true", "nodepools": ["example-np0", "other-np", "x"]})
    assert failed
    assert "NodePool(s) other-np, x not found in namespace clusters for HostedCluster example" in result["msg"]
    assert "example-np0, example-np1" in result["msg"]
    assert fake_client.patches() == []


def test_all_mixed_with_names_refused(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "true", "nodepools": ["all", "example-np0"]})
    assert failed and "'all' cannot be combined" in result["msg"]


def test_bad_until_lists_accepted_values(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "tomorrow"})
    assert failed
    assert "until='tomorrow' is not accepted" in result["msg"]
    assert '"true"' in result["msg"] and "RFC3339" in result["msg"] and "1h30m" in result["msg"]
    assert fake_client.patches() == []


def test_until_required_and_only_with_paused(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example"})
    assert failed and "until" in result["msg"]
    failed, result = run_module({"name": "example", "state": "resumed", "until": "2h"})
    assert failed and "until is only used with state=paused" in result["msg"]
    failed, result = run_module({"name": "example", "state": "restored"})
    assert failed and "previous" in result["msg"]
    failed, result = run_module({"name": "example", "state": "resumed", "previous": {"hostedcluster": None}})
    assert failed and "previous is only used with state=restored" in result["msg"]


def test_api_error_message_from_server(run_module, fake_client):
    fake_client.add_cluster()
    fake_client.inject("patch", "NodePool", NP[1], api_error(403, 'nodepools "example-np1" is forbidden'))
    failed, result = run_module({"name": "example", "until": "true"})
    assert failed
    assert 'nodepools "example-np1" is forbidden (HTTP 403)' in result["msg"]
    assert "HostedCluster example, NodePool example-np0" in result["msg"]
    assert "state=restored" in result["msg"]
    assert result["previous"]["nodepools"][NP[1]] is None and result["changed"]


def test_crd_not_served(run_module, fake_client):
    fake_client.served = set()
    failed, result = run_module({"name": "example", "until": "true"})
    assert failed and "does not serve hypershift.openshift.io/v1beta1 HostedCluster" in result["msg"]


def test_unreachable_api(run_module, fake_client, monkeypatch):
    def refuse(**_kw):
        raise urllib3.exceptions.MaxRetryError(None, "/apis", "Connection refused")

    monkeypatch.setattr(fake_client.resources, "get", refuse)
    failed, result = run_module({"name": "example", "until": "true"})
    assert failed and "Cannot reach the Kubernetes API server" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_unquoted_yaml_true_and_all_string(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": True, "nodepools": "all"})
    assert not failed, result
    assert result["paused_until"] == "true" and result["nodepools"] == NP


def test_wait_verifies_reconciliation_stopped(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "2h", "wait": True, "wait_timeout": 5})
    assert not failed, result
    assert set(result["reconciliation"]) == {
        "HostedCluster/example",
        "HostedControlPlane/example",
        "NodePool/" + NP[0],
        "NodePool/" + NP[1],
    }
    assert {c["status"] for c in result["reconciliation"].values()} == {"False"}


def test_verify_fails_with_the_operator_reason(run_module, fake_client):
    fake_client.add_cluster(paused="true", nodepools=0)
    hc = fake_client.objects["HostedCluster"][("clusters", "example")]
    invalid = {"type": "ReconciliationActive", "status": "True", "reason": "InvalidPausedUntilValue"}
    hc["status"] = {"conditions": [dict(invalid, message="Invalid value provided for PausedUntil field")]}
    fake_client.operator = False
    failed, result = run_module({"name": "example", "until": "true", "verify": True, "wait_timeout": 5})
    assert failed
    assert "HostedCluster clusters/example is not paused" in result["msg"]
    assert "reason InvalidPausedUntilValue: Invalid value provided for PausedUntil field" in result["msg"]
    assert result["previous"] == {"hostedcluster": "true", "nodepools": {}}


def test_verify_timeout_and_opt_out(run_module, fake_client):
    fake_client.add_cluster(nodepools=1)
    fake_client.operator = False
    failed, result = run_module({"name": "example", "until": "true", "wait": True, "wait_timeout": 0})
    assert failed and "reports no ReconciliationActive condition yet" in result["msg"]
    assert "verify=false" in result["msg"] and result["changed"]
    failed, result = run_module({"name": "example", "until": "true", "wait": True, "verify": False})
    assert not failed and "reconciliation" not in result


def test_resume_is_not_verified(run_module, fake_client):
    fake_client.add_cluster(paused="true", nodepools=1)
    fake_client.operator = False
    failed, result = run_module({"name": "example", "state": "resumed", "wait": True, "wait_timeout": 0})
    assert not failed and result["reconciliation"] == {}


def test_time_hypershift_would_ignore_refused_before_any_request(run_module, fake_client):
    fake_client.add_cluster()
    failed, result = run_module({"name": "example", "until": "2024-03-03T03:28:48"})
    assert failed and "looks like a time but is not RFC3339" in result["msg"]
    assert fake_client.calls == []


def test_wait_timeout_bounds_both_waits_together(run_module, fake_client):
    """wait_timeout is what the admin allows in all: the HCP wait and the verification share it."""
    import threading
    import time

    fake_client.add_cluster(nodepools=1)
    fake_client.propagate = False  # the HCP shows the value only after 2.5 s
    fake_client.operator = False  # and the operator never reports the pause: verify runs until the bound
    hcp = fake_client.objects["HostedControlPlane"][("clusters-example", "example")]
    timer = threading.Timer(2.5, lambda: hcp["spec"].update(pausedUntil="true"))
    timer.start()
    started = time.monotonic()
    try:
        failed, result = run_module({"name": "example", "until": "true", "wait": True, "wait_timeout": 3})
    finally:
        timer.cancel()
    took = time.monotonic() - started
    assert failed and "ReconciliationActive" in result["msg"]
    assert took < 4.3, "waited %.1f s for wait_timeout=3 (each wait used to get the whole 3 s)" % took
