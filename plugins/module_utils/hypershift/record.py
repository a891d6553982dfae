# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quiesce record: the prior state of a hosted cluster, kept as JSON in an annotation of its HostedCluster.

{"run_id": str|null, "started_at": RFC3339, "paused": {"hostedcluster": value|null, "nodepools": {name: value|null}},
 "replicas": {"Deployment/kube-apiserver": 2, "StatefulSet/etcd": 3}, "data": {...}}

It is written before any other change and removed last, so a run that is interrupted at any point leaves
what is needed to put the cluster back; recorded prior values are never overwritten.
"""

from __future__ import annotations

import copy
import json

from ansible_collections.ocp.day2.plugins.module_utils.durations import format_rfc3339, utcnow
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import HYPERSHIFT_API, MERGE_PATCH
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.workloads import split_key
from ansible_collections.ocp.day2.plugins.module_utils.k8s import with_retries


def _by_hand(annotation, namespace, name):
    return (
        "Fix or remove it by hand (`oc annotate hostedcluster -n %s %s %s-` removes it) after putting back what it "
        "recorded (see docs/hostedcluster_quiesce.md)." % (namespace, name, annotation)
    )


def read_record(hc, annotation):
    """The record on a HostedCluster dict, or None; Day2Error when the annotation is not a valid record."""
    meta = hc.get("metadata") or {}
    text = (meta.get("annotations") or {}).get(annotation)
    if text is None:
        return None
    namespace, name = meta.get("namespace"), meta.get("name")
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise Day2Error(
            "The annotation %s on HostedCluster %s/%s is not valid JSON (%s). %s"
            % (annotation, namespace, name, exc, _by_hand(annotation, namespace, name))
        ) from exc
    problem = check_record(record)
    if problem:
        raise Day2Error(
            "The annotation %s on HostedCluster %s/%s is not a quiesce record: %s. %s"
            % (annotation, namespace, name, problem, _by_hand(annotation, namespace, name))
        )
    record.setdefault("run_id", None)
    record.setdefault("started_at", None)
    record.setdefault("data", {})
    if record["paused"].get("nodepools") is None:
        record["paused"]["nodepools"] = {}
    return record


def check_record(record):
    """What is wrong with a decoded record, or None."""
    if not isinstance(record, dict):
        return "it is not a JSON object"
    paused = record.get("paused")
    if not isinstance(paused, dict) or "hostedcluster" not in paused:
        return "'paused.hostedcluster' is missing"
    values = [paused["hostedcluster"]]
    nodepools = paused.get("nodepools")
    nodepools = {} if nodepools is None else nodepools
    if not isinstance(nodepools, dict):
        return "'paused.nodepools' is not an object"
    values += list(nodepools.values())
    if any(v is not None and not isinstance(v, str) for v in values):
        return "a recorded pausedUntil is neither a string nor null"
    replicas = record.get("replicas")
    if not isinstance(replicas, dict):
        return "'replicas' is missing or not an object"
    for key, value in replicas.items():
        try:
            split_key(key)
        except Day2Error as exc:
            return exc.msg
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return "replicas of %s is not a count (%r)" % (key, value)
    if not isinstance(record.get("data", {}), dict):
        return "'data' is not an object"
    return None


def new_record(hc_value, run_id=None, now=None):
    return {
        "run_id": run_id,
        "started_at": format_rfc3339((now or utcnow()).replace(microsecond=0)),
        "paused": {"hostedcluster": hc_value, "nodepools": {}},
        "replicas": {},
        "data": {},
    }


def extend_record(prior, hc_value, nodepools, replicas, run_id=None, data=None):
    """The record after a quiesced call: prior values kept, new NodePools and workloads added, data merged.

    nodepools {name: current pausedUntil} and replicas {key: current spec.replicas} are what this call handles.
    """
    record = copy.deepcopy(prior) if prior is not None else new_record(hc_value, run_id)
    if record.get("run_id") is None and run_id is not None:
        record["run_id"] = run_id
    for name, value in nodepools.items():
        record["paused"]["nodepools"].setdefault(name, value)
    for key, value in replicas.items():
        record["replicas"].setdefault(key, value)
    if data:
        record["data"] = dict(record.get("data") or {}, **data)
    return record


def write_record(module, name, namespace, annotation, record):
    """Set the annotation to the record (JSON), or remove it when record is None; retried when transient."""
    resource = module.resource(HYPERSHIFT_API, "HostedCluster")
    value = None if record is None else json.dumps(record, sort_keys=True, separators=(",", ":"))
    with_retries(
        resource.patch,
        body={"metadata": {"annotations": {annotation: value}}},
        name=name,
        namespace=namespace,
        content_type=MERGE_PATCH,
    )
