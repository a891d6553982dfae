# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that HyperShift has really stopped reconciling: condition ReconciliationActive=False.

Facts (openshift/hypershift, support/util/pausereconcile.go and the NodePool controller's conditions):
the HostedCluster and the NodePool controllers both set a condition of type ReconciliationActive from
spec.pausedUntil on every reconcile, paused or not. spec.pausedUntil is read first as a Go boolean
(true/True/TRUE/t/1 pause until the field is removed), then as an RFC3339 time (paused while now is
before it). Paused: status False, reason ReconciliationPaused. Not paused: status True, reason
AsExpected (HostedCluster) or ReconciliationActive (NodePool). A value that is neither: status True,
reason InvalidPausedUntilValue, and the object is NOT paused. The condition carries observedGeneration.
The HostedCluster controller copies the value to the HostedControlPlane (<namespace>-<name>), whose
control-plane operator (the one that owns the API server Deployments) sets the same condition there
before it stops; so a paused HostedCluster is verified together with its HostedControlPlane.
"""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    condition,
    get_hostedcontrolplane,
    hcp_namespace,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, with_retries

RECONCILIATION_ACTIVE = "ReconciliationActive"
INVALID_REASON = "InvalidPausedUntilValue"
POLL_SLEEP = 1.0


def _label(kind, namespace, name):
    return "%s %s/%s" % (kind, namespace, name)


def reconciliation_state(obj):
    """("paused"|"active"|"invalid"|"unknown"|"stale", condition or None) for an object dict."""
    cond = condition(obj, RECONCILIATION_ACTIVE)
    if cond is None:
        return "unknown", None
    generation = (obj.get("metadata") or {}).get("generation")
    observed = cond.get("observedGeneration")
    if generation is not None and observed is not None and observed < generation:
        return "stale", cond
    if cond.get("status") == "False":
        return "paused", cond
    if cond.get("reason") == INVALID_REASON:
        return "invalid", cond
    return "active", cond


def describe(obj, state, cond):
    value = ((obj or {}).get("spec") or {}).get("pausedUntil")
    shown = "spec.pausedUntil=%s" % ("(absent)" if value is None else repr(value))
    if state == "unknown":
        return "reports no %s condition yet (%s)" % (RECONCILIATION_ACTIVE, shown)
    text = "%s=%s, reason %s: %s (%s)" % (
        RECONCILIATION_ACTIVE,
        cond.get("status"),
        cond.get("reason") or "(none)",
        cond.get("message") or "(no message)",
        shown,
    )
    if state == "stale":
        text += "; the condition is for generation %s, the object is at generation %s" % (
            cond.get("observedGeneration"),
            obj["metadata"].get("generation"),
        )
    return text


def _get(module, kind, name, namespace):
    resource = module.resource(HYPERSHIFT_API, kind)
    try:
        obj = with_retries(resource.get, name=name, namespace=namespace)
    except NotFoundError as exc:
        raise Day2Error("%s disappeared while waiting for it to pause." % _label(kind, namespace, name)) from exc
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def start_waits(module):
    """Start the run's one wait budget: wait_timeout bounds all its waits together, not each of them."""
    module.ocp_day2_waits_started = time.monotonic()


def wait_left(module):
    """Seconds left of wait_timeout since start_waits (the whole wait_timeout when it was not called)."""
    started = getattr(module, "ocp_day2_waits_started", None)
    timeout = module.params["wait_timeout"]
    return timeout if started is None else max(0, int(round(timeout - (time.monotonic() - started))))


def wait_paused(module, namespace, targets, timeout):
    """Wait until every (kind, name) in targets reports ReconciliationActive=False.

    A HostedCluster brings its HostedControlPlane along (when there is one). Returns
    {"<kind>/<name>": {"status", "reason", "message"}}. Fails at once when an object reports
    InvalidPausedUntilValue for its current generation, and after timeout seconds otherwise, with the
    condition's reason and message for each object not paused.
    """
    pending = []
    for kind, name in dict.fromkeys(targets):
        pending.append((kind, name, namespace))
        if kind == "HostedCluster" and get_hostedcontrolplane(module, namespace, name) is not None:
            pending.append(("HostedControlPlane", name, hcp_namespace(namespace, name)))
    done = {}
    deadline = time.monotonic() + timeout
    while True:
        waiting = []
        for kind, name, ns in pending:
            obj = _get(module, kind, name, ns)
            state, cond = reconciliation_state(obj)
            if state == "paused":
                done["%s/%s" % (kind, name)] = {k: cond.get(k) for k in ("status", "reason", "message")}
            elif state == "invalid":
                raise Day2Error(
                    "%s is not paused: %s. HyperShift pauses only on 'true' or an RFC3339 time such as "
                    "2024-03-03T03:28:48Z; fix spec.pausedUntil (or run again with a valid until)."
                    % (_label(kind, ns, name), describe(obj, state, cond)),
                    reconciliation=done,
                )
            else:
                waiting.append((kind, name, ns, obj, state, cond))
        if not waiting:
            return done
        if time.monotonic() >= deadline:
            raise Day2Timeout(
                "Timed out after %ds waiting for reconciliation to stop (condition %s=False): %s. Check that the "
                "HyperShift operator runs (`oc get pods -n hypershift`) and its logs; with an operator that does not "
                "report this condition, set verify=false."
                % (
                    timeout,
                    RECONCILIATION_ACTIVE,
                    "; ".join(
                        "%s %s" % (_label(kind, ns, name), describe(obj, state, cond))
                        for kind, name, ns, obj, state, cond in waiting
                    ),
                ),
                reconciliation=done,
            )
        pending = [(kind, name, ns) for kind, name, ns, _obj, _state, _cond in waiting]
        time.sleep(min(POLL_SLEEP, max(0.0, deadline - time.monotonic())))
