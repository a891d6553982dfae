# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_quiesce: pause a hosted cluster, stop control-plane workloads, put everything back.

quiesced: record (annotation, first change) -> pause HostedCluster and NodePools -> verify ReconciliationActive=False
-> scale the listed workloads to 0 in one step -> wait on all of them.
extended: push the pause of the HostedCluster and the recorded NodePools out.
restored: scale the recorded workloads back in one step -> wait until ready -> put pausedUntil back exactly as
recorded -> remove the record. What could not be put back is reported and the record stays.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import INDEFINITE, parse_rfc3339, parse_until, pauses
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    DURATION_SLACK,
    check_cluster_names,
    decide_pause,
    get_hostedcluster,
    hcp_namespace,
    list_nodepools,
    patch_paused_until,
    paused_until,
    select_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.reconciliation import (
    start_waits,
    wait_left,
    wait_paused,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.record import extend_record, read_record, write_record
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.workloads import (
    get_workload,
    get_workloads,
    scale_all,
    spec_replicas,
    wait_all,
    workload_key,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    Urllib3HTTPError,
    api_error_text,
    auth_arg_spec,
)

DEFAULT_RECORD = "ocp.day2/quiesce-prior-state"


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        state={"type": "str", "choices": ["quiesced", "extended", "restored"], "default": "quiesced"},
        until={"type": "str"},
        nodepools={"type": "list", "elements": "str", "default": ["all"]},
        deployments={"type": "list", "elements": "str", "default": []},
        statefulsets={"type": "list", "elements": "str", "default": []},
        record={"type": "str", "default": DEFAULT_RECORD},
        run_id={"type": "str"},
        data={"type": "dict"},
        verify={"type": "bool", "default": True},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 300},
    )
    return spec


REQUIRED_IF = [("state", "quiesced", ["until"]), ("state", "extended", ["until"])]

# A Kubernetes annotation key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters.
ANNOTATION_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)


def check_options(params):
    """The parsed until (None for restored); Day2Error before any request for anything wrong."""
    check_cluster_names(params)
    state = params["state"]
    if params["wait_timeout"] < 0:
        raise Day2Error("wait_timeout must be 0 or more seconds (got %d)." % params["wait_timeout"])
    if not params["record"] or not params["record"].strip():
        raise Day2Error("record (the annotation that holds the prior state) must not be empty.")
    prefix = params["record"].rpartition("/")[0]
    if not ANNOTATION_KEY.match(params["record"]) or len(prefix) > 253:
        raise Day2Error(
            "record=%r is not a valid annotation key (an optional DNS prefix and '/', then at most 63 letters, digits, "
            "'-', '_' or '.'), so the API server would refuse it. Use for example ocp.day2/quiesce-prior-state."
            % params["record"]
        )
    for option in ("deployments", "statefulsets", "nodepools"):
        if any(not item or "/" in item for item in params[option]):
            raise Day2Error("%s must list plain object names (got %s)." % (option, params[option]))
    for option in ("deployments", "statefulsets"):
        inputs.k8s_names(params[option], option, label=True, example="kube-apiserver")
    if params.get("run_id") is not None:
        inputs.text(params["run_id"], "run_id", "the playbook's run identifier")
    if state == "restored":
        if params["until"] is not None:
            raise Day2Error("until is not used with state=restored (it puts back what the record says); remove it.")
        return None
    # Refused before any request: never write a value HyperShift would ignore.
    until = parse_until(params["until"])
    if until.kind == "time" and not pauses(until.value):
        raise Day2Error(
            "until=%s is not in the future, so HyperShift would not pause. Give a later time, a duration such as "
            "1h, or true." % params["until"]
        )
    return until


def wanted_workloads(params):
    keys = [workload_key("Deployment", n) for n in params["deployments"]]
    keys += [workload_key("StatefulSet", n) for n in params["statefulsets"]]
    return list(dict.fromkeys(keys))


def extend_value(current, until, now=None):
    """For state=extended: until when it is later than the current pause, else the current value."""
    if until.kind == "indefinite":
        return INDEFINITE
    if current is not None and pauses(current, now) and parse_rfc3339(current) is None:
        return current  # paused until the field is removed
    moment = parse_rfc3339(current) if current is not None else None
    slack = DURATION_SLACK if until.kind == "duration" else datetime.timedelta(0)
    if moment is not None and pauses(current, now) and moment >= until.moment - slack:
        return current
    return until.value


def apply_pause(module, namespace, steps, done):
    """Patch every step whose value changes; `done` collects what was patched."""
    for kind, name, before, after in steps:
        if before == after:
            continue
        try:
            patch_paused_until(module, kind, name, namespace, after)
        except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
            raise Day2Error(
                "Setting spec.pausedUntil of %s %s/%s failed: %s." % (kind, namespace, name, api_error_text(exc))
            ) from exc
        done.append("pausedUntil of %s %s" % (kind, name))


def _label(kind, namespace, name):
    return "%s %s/%s" % (kind, namespace, name)


def make_diff(namespace, record_before, record_after, steps, replicas_before, replicas_after):
    return {
        "before": {
            "record": record_before,
            "pausedUntil": {_label(k, namespace, n): b for k, n, b, _a in steps},
            "replicas": dict(replicas_before),
        },
        "after": {
            "record": record_after,
            "pausedUntil": {_label(k, namespace, n): a for k, n, _b, a in steps},
            "replicas": dict(replicas_after),
        },
    }


def base_result(params, record, steps):
    return {
        "changed": False,
        "record": record,
        "interrupted": False,
        "hcp_namespace": hcp_namespace(params["namespace"], params["name"]),
        "nodepools": [n for k, n, _b, _a in steps if k == "NodePool"],
        "paused_until": steps[0][3] if steps else None,
        "data": (record or {}).get("data") or {},
    }


def record_and_pause(module, prior, record, steps, result, done):
    """Write the record (when it changed) before anything else, apply the pause steps, verify the pause.

    `done` collects what was changed, for the message of a failure further on."""
    params = module.params
    name, namespace, annotation = params["name"], params["namespace"], params["record"]
    if record != prior:
        write_record(module, name, namespace, annotation, record)
        done.append("record %s" % annotation)
    apply_pause(module, namespace, steps, done)
    if params["verify"]:
        targets = [(k, n) for k, n, _b, a in steps if pauses(a)]
        result["reconciliation"] = wait_paused(module, namespace, targets, wait_left(module))


def quiesced(module, until, hc):
    params = module.params
    name, namespace, annotation = params["name"], params["namespace"], params["record"]
    ns = hcp_namespace(namespace, name)
    prior = read_record(hc, annotation)
    pools = select_nodepools(module, namespace, name, params["nodepools"])
    workloads = get_workloads(module, ns, wanted_workloads(params))
    record = extend_record(
        prior,
        paused_until(hc),
        {np["metadata"]["name"]: paused_until(np) for np in pools},
        {key: spec_replicas(obj) for key, obj in workloads.items()},
        run_id=params["run_id"],
        data=params["data"],
    )
    if prior is not None and params["run_id"] is not None and prior.get("run_id") != params["run_id"]:
        module.warn(
            "HostedCluster %s/%s already holds the record of run %s (started %s), which did not finish; its prior "
            "values are kept." % (namespace, name, prior.get("run_id"), prior.get("started_at"))
        )
    steps = [("HostedCluster", name, paused_until(hc), decide_pause(paused_until(hc), until))]
    for np in pools:
        before = paused_until(np)
        steps.append(("NodePool", np["metadata"]["name"], before, decide_pause(before, until)))
    current = {key: spec_replicas(obj) for key, obj in workloads.items()}
    scale = {key: 0 for key, value in current.items() if value != 0}
    result = base_result(params, record, steps)
    result["interrupted"] = prior is not None
    result["changed"] = record != prior or any(b != a for _k, _n, b, a in steps) or bool(scale)
    if module._diff:
        result["diff"] = make_diff(namespace, prior, record, steps, current, dict.fromkeys(current, 0))
    if module.check_mode:
        return result
    done = []
    try:
        record_and_pause(module, prior, record, steps, result, done)
        scaled, failed = scale_all(module, ns, scale)
        done += ["%s scaled to 0" % key for key in scaled]
        if failed:
            raise Day2Error(
                "Scaling to 0 failed for %s." % "; ".join("%s: %s" % (key, err) for key, err in sorted(failed.items()))
            )
        if params["wait"]:
            wait_all(module, ns, dict.fromkeys(current, 0), wait_left(module))
    except (Day2Error, DynamicApiError, Urllib3HTTPError, OSError) as exc:
        recorded = prior is not None or bool(done)
        raise Day2Error(
            "%s Done before the failure: %s. %s"
            % (
                exc.msg if isinstance(exc, Day2Error) else "Kubernetes API error: %s." % api_error_text(exc),
                ", ".join(done) or "nothing",
                "The prior state is recorded in the annotation %s of HostedCluster %s/%s: run again with "
                "state=restored to put it back." % (annotation, namespace, name)
                if recorded
                else "Nothing was changed.",
            ),
            **dict(getattr(exc, "result", {}), record=record, changed=bool(done), interrupted=prior is not None),
        ) from exc
    return result


def extended(module, until, hc):
    params = module.params
    name, namespace, annotation = params["name"], params["namespace"], params["record"]
    prior = read_record(hc, annotation)
    if prior is None:
        raise Day2Error(
            "HostedCluster %s/%s has no quiesce record (annotation %s), so there is no pause of ours to extend. "
            "Run state=quiesced first (or check name, namespace and record)." % (namespace, name, annotation)
        )
    record = extend_record(prior, None, {}, {}, data=params["data"])
    existing = {np["metadata"]["name"]: np for np in list_nodepools(module, namespace, name)}
    gone = sorted(n for n in record["paused"]["nodepools"] if n not in existing)
    if gone:
        module.warn("Recorded NodePool(s) %s no longer exist in %s; skipped." % (", ".join(gone), namespace))
    steps = [("HostedCluster", name, paused_until(hc), extend_value(paused_until(hc), until))]
    for np_name in sorted(n for n in record["paused"]["nodepools"] if n in existing):
        before = paused_until(existing[np_name])
        steps.append(("NodePool", np_name, before, extend_value(before, until)))
    result = base_result(params, record, steps)
    result["changed"] = record != prior or any(b != a for _k, _n, b, a in steps)
    if module._diff:
        result["diff"] = make_diff(namespace, prior, record, steps, {}, {})
    if module.check_mode:
        return result
    done = []
    try:
        record_and_pause(module, prior, record, steps, result, done)
    except (Day2Error, DynamicApiError, Urllib3HTTPError, OSError) as exc:
        raise Day2Error(
            "%s Done before the failure: %s."
            % (
                exc.msg if isinstance(exc, Day2Error) else "Kubernetes API error: %s." % api_error_text(exc),
                ", ".join(done) or "nothing",
            ),
            **dict(getattr(exc, "result", {}), record=record, changed=bool(done)),
        ) from exc
    return result


def restored(module, hc):
    params = module.params
    name, namespace, annotation = params["name"], params["namespace"], params["record"]
    ns = hcp_namespace(namespace, name)
    record = read_record(hc, annotation)
    if record is None:
        result = base_result(params, None, [])
        result["paused_until"] = paused_until(hc)
        return result
    existing = {np["metadata"]["name"]: np for np in list_nodepools(module, namespace, name)}
    skipped = sorted("NodePool %s" % n for n in record["paused"]["nodepools"] if n not in existing)
    current, wanted = {}, {}
    for key, replicas in sorted(record["replicas"].items()):
        obj = get_workload(module, ns, key)
        if obj is None:
            skipped.append(key)
            continue
        current[key], wanted[key] = spec_replicas(obj), replicas
    if skipped:
        module.warn(
            "Recorded %s no longer exist; skipped (once reconciliation resumes HyperShift recreates what it "
            "manages)." % ", ".join(skipped)
        )
    steps = [("HostedCluster", name, paused_until(hc), record["paused"]["hostedcluster"])]
    for np_name in sorted(n for n in record["paused"]["nodepools"] if n in existing):
        steps.append(("NodePool", np_name, paused_until(existing[np_name]), record["paused"]["nodepools"][np_name]))
    scale = {key: wanted[key] for key in wanted if current[key] != wanted[key]}
    result = base_result(params, record, steps)
    result.update(changed=True, put_back=[], not_put_back=[], skipped=skipped)
    if module._diff:
        result["diff"] = make_diff(namespace, record, None, steps, current, wanted)
    if module.check_mode:
        return result
    put_back = result["put_back"]
    left = ["replicas of %s" % key for key in sorted(wanted)] + [
        "pausedUntil of %s %s" % (k, n) for k, n, _b, _a in steps
    ]
    left.append("record %s" % annotation)

    def partial(msg, exc=None):
        raise Day2Error(
            "%s Put back: %s. Not put back: %s. The record stays in the annotation %s of HostedCluster %s/%s: fix "
            "the cause and run state=restored again."
            % (msg, ", ".join(put_back) or "nothing", ", ".join(left), annotation, namespace, name),
            **dict(
                getattr(exc, "result", {}),
                record=record,
                changed=bool(put_back),
                put_back=put_back,
                not_put_back=left,
                skipped=skipped,
            ),
        )

    scaled, failed = scale_all(module, ns, scale)
    if failed:
        put_back.extend("spec.replicas of %s set to %d (not waited for)" % (k, wanted[k]) for k in scaled)
        partial("Scaling back failed for %s." % "; ".join("%s: %s" % (k, e) for k, e in sorted(failed.items())))
    try:
        if params["wait"]:
            wait_all(module, ns, wanted, wait_left(module))
    except Day2Error as exc:
        partial(exc.msg, exc)
    except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
        partial("Kubernetes API error while waiting for the workloads: %s." % api_error_text(exc))
    for key in sorted(wanted):
        left.remove("replicas of %s" % key)
        put_back.append("replicas of %s (%d)" % (key, wanted[key]))
    for kind, np_name, before, after in steps:
        if before != after:
            try:
                patch_paused_until(module, kind, np_name, namespace, after)
            except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
                partial(
                    "Putting back spec.pausedUntil of %s %s/%s failed: %s."
                    % (kind, namespace, np_name, api_error_text(exc))
                )
        left.remove("pausedUntil of %s %s" % (kind, np_name))
        put_back.append("pausedUntil of %s %s" % (kind, np_name))
    try:
        write_record(module, name, namespace, annotation, None)
    except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
        partial("Removing the record failed: %s." % api_error_text(exc))
    left.remove("record %s" % annotation)
    put_back.append("record %s removed" % annotation)
    result["paused_until"] = record["paused"]["hostedcluster"]
    return result


def execute(module):
    params = module.params
    until = check_options(params)
    start_waits(module)
    hc = get_hostedcluster(module, params["name"], params["namespace"])
    if params["state"] == "quiesced":
        return quiesced(module, until, hc)
    if params["state"] == "extended":
        return extended(module, until, hc)
    return restored(module, hc)
