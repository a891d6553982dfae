# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_pause: plan, apply and wait for spec.pausedUntil changes (the module is only docs)."""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_until, pauses
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    check_cluster_names,
    decide_pause,
    get_hostedcluster,
    get_hostedcontrolplane,
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
from ansible_collections.ocp.day2.plugins.module_utils.k8s import api_error_text, auth_arg_spec

WAIT_SLEEP = 1


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        state={"type": "str", "choices": ["paused", "resumed", "restored"], "default": "paused"},
        until={"type": "str"},
        nodepools={"type": "list", "elements": "str", "default": ["all"]},
        previous={"type": "dict"},
        wait={"type": "bool", "default": False},
        wait_timeout={"type": "int", "default": 120},
        verify={"type": "bool"},
    )
    return spec


REQUIRED_IF = [("state", "paused", ["until"]), ("state", "restored", ["previous"])]


def check_options(params):
    check_cluster_names(params)
    state = params["state"]
    if params["until"] is not None and state != "paused":
        raise Day2Error("until is only used with state=paused (state is %s); remove it." % state)
    if params["previous"] is not None and state != "restored":
        raise Day2Error("previous is only used with state=restored (state is %s); remove it." % state)
    if params["wait_timeout"] < 0:
        raise Day2Error("wait_timeout must be 0 or more seconds (got %d)." % params["wait_timeout"])
    # Refused before any request: never write a value HyperShift would ignore.
    return parse_until(params["until"]) if state == "paused" else None


def check_previous(previous):
    """The previous dict as {"hostedcluster": str|None, "nodepools": {name: str|None}}, else Day2Error."""
    how = "Pass the `previous` value registered from an earlier ocp.day2.hostedcluster_pause call."
    if "hostedcluster" not in previous:
        raise Day2Error("previous has no 'hostedcluster' key. " + how)
    nodepools = previous.get("nodepools") or {}
    if not isinstance(nodepools, dict):
        raise Day2Error("previous.nodepools must be a dictionary of NodePool name to value. " + how)
    values = [previous["hostedcluster"], *nodepools.values()]
    if any(v is not None and not isinstance(v, str) for v in values):
        raise Day2Error("previous holds a value that is neither a string nor null. " + how)
    return {"hostedcluster": previous["hostedcluster"], "nodepools": dict(nodepools)}


def plan(module, hc, until=None):
    """[(kind, name, before, after)] for the HostedCluster then its NodePools."""
    params = module.params
    state, name, namespace = params["state"], params["name"], params["namespace"]
    if state == "restored":
        previous = check_previous(params["previous"])
        existing = {np["metadata"]["name"]: np for np in list_nodepools(module, namespace, name)}
        gone = sorted(n for n in previous["nodepools"] if n not in existing)
        if gone:
            module.warn("NodePool(s) %s in previous no longer exist in %s; skipped." % (", ".join(gone), namespace))
        steps = [("HostedCluster", name, paused_until(hc), previous["hostedcluster"])]
        for np_name in sorted(n for n in previous["nodepools"] if n in existing):
            steps.append(("NodePool", np_name, paused_until(existing[np_name]), previous["nodepools"][np_name]))
        return steps
    pools = select_nodepools(module, namespace, name, params["nodepools"])
    steps = []
    for kind, obj in [("HostedCluster", hc)] + [("NodePool", np) for np in pools]:
        before = paused_until(obj)
        after = decide_pause(before, until) if until else None
        steps.append((kind, obj["metadata"]["name"], before, after))
    return steps


def apply(module, steps, previous):
    namespace = module.params["namespace"]
    done = []
    for kind, name, before, after in steps:
        if before == after:
            continue
        try:
            patch_paused_until(module, kind, name, namespace, after)
        except Day2Error:
            raise
        except Exception as exc:
            raise Day2Error(
                "Patching spec.pausedUntil of %s %s/%s failed: %s. Already changed: %s. Run again with "
                "state=restored and the returned `previous` to put them back."
                % (kind, namespace, name, api_error_text(exc), ", ".join(done) or "nothing"),
                previous=previous,
                changed=bool(done),
            ) from exc
        done.append("%s %s" % (kind, name))


def wait_for_hcp(module, want):
    namespace, name = module.params["namespace"], module.params["name"]
    deadline = time.monotonic() + wait_left(module)
    while True:
        hcp = get_hostedcontrolplane(module, namespace, name)
        if hcp is not None and paused_until(hcp) == want:
            return {"namespace": hcp_namespace(namespace, name), "paused_until": want}
        if time.monotonic() >= deadline:
            shows = (
                "does not exist"
                if hcp is None
                else "shows spec.pausedUntil=%s" % ("(absent)" if paused_until(hcp) is None else paused_until(hcp))
            )
            raise Day2Timeout(
                "Timed out after %ds waiting for HostedControlPlane %s/%s to show spec.pausedUntil=%s; it %s. "
                "The HyperShift operator copies it from the HostedCluster: check that the operator is running "
                "(`oc get pods -n hypershift`) and its logs."
                % (module.params["wait_timeout"], hcp_namespace(namespace, name), name, want or "(absent)", shows)
            )
        time.sleep(min(WAIT_SLEEP, max(0.0, deadline - time.monotonic())))


def verify_targets(steps):
    """(kind, name) of every object whose new value pauses it (reported ReconciliationActive must be False)."""
    return [(kind, name) for kind, name, _before, after in steps if pauses(after)]


def execute(module):
    params = module.params
    until = check_options(params)
    start_waits(module)
    name, namespace = params["name"], params["namespace"]
    hc = get_hostedcluster(module, name, namespace)
    steps = plan(module, hc, until)
    previous = {"hostedcluster": steps[0][2], "nodepools": {s[1]: s[2] for s in steps[1:]}}
    current = {"hostedcluster": steps[0][3], "nodepools": {s[1]: s[3] for s in steps[1:]}}
    changed = any(before != after for _kind, _name, before, after in steps)
    if changed and not module.check_mode:
        apply(module, steps, previous)
    result = {
        "changed": changed,
        "previous": previous,
        "current": current,
        "paused_until": current["hostedcluster"],
        "hostedcluster": {
            "name": name,
            "namespace": namespace,
            "paused_until": current["hostedcluster"],
            "hcp_namespace": hcp_namespace(namespace, name),
        },
        "nodepools": [s[1] for s in steps[1:]],
    }
    if module._diff:
        key = "%s %s/%s"
        result["diff"] = {
            "before": {key % (k, namespace, n): {"spec": {"pausedUntil": b}} for k, n, b, _a in steps},
            "after": {key % (k, namespace, n): {"spec": {"pausedUntil": a}} for k, n, _b, a in steps},
        }
    verify = params["wait"] if params["verify"] is None else params["verify"]
    if module.check_mode:
        return result
    try:
        if params["wait"]:
            result["hostedcontrolplane"] = wait_for_hcp(module, current["hostedcluster"])
        if verify:
            result["reconciliation"] = wait_paused(module, namespace, verify_targets(steps), wait_left(module))
    except Day2Error as exc:
        # The patches are done: hand back what a rescue needs to put things back.
        exc.result.update(changed=changed, previous=previous, current=current)
        raise
    return result
