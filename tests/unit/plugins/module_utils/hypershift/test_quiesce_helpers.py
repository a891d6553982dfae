"""Pure helpers of the quiesce logic: record checks, extend decisions, reconciliation states, readiness, retries."""

import datetime
import json

import pytest
import urllib3

from ansible_collections.ocp.day2.plugins.module_utils import k8s
from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_until
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.quiesce import extend_value
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.reconciliation import reconciliation_state
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.record import check_record, extend_record, read_record
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.workloads import reached, split_key
from tests.unit.plugins.module_utils.hypershift.fake_k8s import api_error

NOW = datetime.datetime(2024, 3, 3, 3, 0, 0, tzinfo=datetime.timezone.utc)
GOOD = {"paused": {"hostedcluster": None, "nodepools": {"np": "true"}}, "replicas": {"Deployment/kube-apiserver": 2}}


def hc_with(text):
    return {"metadata": {"name": "example", "namespace": "clusters", "annotations": {"a/b": text}}}


def test_read_record_fills_defaults_and_rejects_bad_ones():
    assert read_record({"metadata": {}}, "a/b") is None
    record = read_record(hc_with(json.dumps(GOOD)), "a/b")
    assert record["run_id"] is None and record["data"] == {} and record["replicas"] == GOOD["replicas"]
    with pytest.raises(Day2Error, match="is not valid JSON"):
        read_record(hc_with("{"), "a/b")


@pytest.mark.parametrize(
    "record, problem",
    [
        ([], "not a JSON object"),
        ({"replicas": {}}, "'paused.hostedcluster' is missing"),
        ({"paused": {"hostedcluster": 1}, "replicas": {}}, "neither a string nor null"),
        ({"paused": {"hostedcluster": None, "nodepools": []}, "replicas": {}}, "'paused.nodepools' is not an object"),
        ({"paused": {"hostedcluster": None}}, "'replicas' is missing"),
        ({"paused": {"hostedcluster": None}, "replicas": {"Deployment/x": -1}}, "not a count"),
        ({"paused": {"hostedcluster": None}, "replicas": {"Deployment/x": True}}, "not a count"),
        ({"paused": {"hostedcluster": None}, "replicas": {"kube-apiserver": 1}}, "Deployment/<name>"),
        ({"paused": {"hostedcluster": None}, "replicas": {}, "data": []}, "'data' is not an object"),
    ],
)
def test_check_record(record, problem):
    assert problem in check_record(record)


def test_extend_record_never_overwrites_prior_values():
    prior = read_record(hc_with(json.dumps(dict(GOOD, run_id="r1", data={"a": 1}))), "a/b")
    record = extend_record(prior, "true", {"np": None, "np2": None}, {"Deployment/kube-apiserver": 0}, "r2", {"b": 2})
    assert record["paused"] == {"hostedcluster": None, "nodepools": {"np": "true", "np2": None}}
    assert record["replicas"] == {"Deployment/kube-apiserver": 2}
    assert record["run_id"] == "r1" and record["data"] == {"a": 1, "b": 2}
    assert prior["paused"]["nodepools"] == {"np": "true"}  # not mutated
    fresh = extend_record(None, "2024-01-01T00:00:00Z", {}, {"StatefulSet/etcd": 3}, "r3")
    assert fresh["paused"]["hostedcluster"] == "2024-01-01T00:00:00Z" and fresh["run_id"] == "r3"


def test_extend_value():
    def ev(current, until):
        return extend_value(current, until, now=NOW)

    in_2h = parse_until("2h", now=NOW)
    assert ev(None, in_2h) == in_2h.value
    assert ev("true", in_2h) == "true"
    assert ev("True", in_2h) == "True"
    assert ev("2024-03-03T04:00:00Z", in_2h) == in_2h.value  # earlier: pushed
    assert ev("2024-03-03T06:00:00Z", in_2h) == "2024-03-03T06:00:00Z"  # later: kept
    assert ev("2024-03-03T04:59:30Z", in_2h) == "2024-03-03T04:59:30Z"  # within the slack
    assert ev("not-a-time", in_2h) == in_2h.value
    assert ev("2024-03-03T06:00:00Z", parse_until("true")) == "true"
    explicit = parse_until("2024-03-03T05:00:00Z")
    assert ev("2024-03-03T04:59:30Z", explicit) == "2024-03-03T05:00:00Z"
    assert ev("2024-03-03T05:00:00Z", explicit) == "2024-03-03T05:00:00Z"


def cond(status, reason, observed=None):
    c = {"type": "ReconciliationActive", "status": status, "reason": reason, "message": "m"}
    if observed is not None:
        c["observedGeneration"] = observed
    return c


@pytest.mark.parametrize(
    "conditions, generation, state",
    [
        ([], 1, "unknown"),
        ([cond("False", "ReconciliationPaused")], 2, "paused"),
        ([cond("False", "ReconciliationPaused", 1)], 2, "stale"),
        ([cond("False", "ReconciliationPaused", 2)], 2, "paused"),
        ([cond("True", "InvalidPausedUntilValue", 2)], 2, "invalid"),
        ([cond("True", "AsExpected", 2)], 2, "active"),
        ([cond("True", "ReconciliationActive", 3)], 2, "active"),
    ],
)
def test_reconciliation_state(conditions, generation, state):
    obj = {"metadata": {"generation": generation}, "status": {"conditions": conditions}}
    assert reconciliation_state(obj)[0] == state


def workload(spec, generation=1, **status):
    return {"metadata": {"generation": generation}, "spec": {"replicas": spec}, "status": status}


def test_reached():
    assert reached(workload(0, replicas=0), 0)
    assert reached(workload(0), 0)
    assert not reached(workload(0, replicas=1, readyReplicas=0), 0)
    assert not reached(workload(2, replicas=2, readyReplicas=2, availableReplicas=2), 0)
    assert reached(workload(3, replicas=3, readyReplicas=3, availableReplicas=3), 3)
    assert reached(workload(3, replicas=3, readyReplicas=3), 3)  # a StatefulSet without availableReplicas
    assert not reached(workload(3, replicas=3, readyReplicas=3, availableReplicas=2), 3)
    assert not reached(workload(3, 2, observedGeneration=1, replicas=3, readyReplicas=3), 3)
    assert not reached(None, 0)


def test_split_key():
    assert split_key("StatefulSet/etcd") == ("StatefulSet", "etcd")
    for bad in ("etcd", "Pod/x", "Deployment/"):
        with pytest.raises(Day2Error):
            split_key(bad)


def test_transient_errors_are_retried_with_backoff(monkeypatch):
    sleeps = []
    monkeypatch.setattr(k8s.time, "sleep", sleeps.append)
    errors = [api_error(500), api_error(429), urllib3.exceptions.ProtocolError("reset"), ConnectionResetError()]
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) <= 3:
            raise errors[len(calls) - 1]
        return "ok"

    assert k8s.with_retries(flaky) == "ok" and len(calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert all(k8s.is_transient(e) for e in errors)
    assert not k8s.is_transient(api_error(404)) and not k8s.is_transient(api_error(422))
    assert not k8s.is_transient(ValueError("x"))


def test_retries_give_up_and_other_errors_are_not_retried(monkeypatch):
    monkeypatch.setattr(k8s.time, "sleep", lambda s: None)
    calls = []

    def always(exc):
        calls.append(1)
        raise exc

    with pytest.raises(Exception) as err:
        k8s.with_retries(always, api_error(503))
    assert err.value.status == 503 and len(calls) == k8s.RETRY_ATTEMPTS
    calls.clear()
    with pytest.raises(Exception) as err:
        k8s.with_retries(always, api_error(403))
    assert err.value.status == 403 and len(calls) == 1
