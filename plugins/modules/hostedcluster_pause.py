#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_pause
short_description: Pause, resume or restore reconciliation of a HyperShift HostedCluster and its NodePools
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Sets, removes or puts back C(spec.pausedUntil) on a HostedCluster and, by default, on every NodePool
    whose C(spec.clusterName) is that cluster. HyperShift copies the HostedCluster's value to the
    HostedControlPlane in namespace C(<namespace>-<name>).
  - Returns the value every object had before, so a later call with O(state=restored) and
    O(previous) puts back exactly what was found (for example in a role's C(rescue) or C(always)).
  - A duration such as C(2h) is turned into an RFC3339 UTC time, so a forgotten pause expires by itself.
  - A duration never shortens an existing pause and does not chase the clock. An object already paused
    with V(true), or until a time no earlier than now + duration minus 60 seconds, is left alone
    (not changed); otherwise now + duration is written. Use an RFC3339 time or O(state=resumed) to
    shorten a pause.
  - Why not M(kubernetes.core.k8s) with a merge patch? It cannot record the previous values, turn a
    duration into a time, find the NodePools of a cluster, or wait for the HostedControlPlane.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster (and of its NodePools).
    type: str
    default: clusters
  state:
    description:
      - V(paused) sets C(spec.pausedUntil) to O(until).
      - V(resumed) removes C(spec.pausedUntil).
      - V(restored) sets every object named in O(previous) back to its recorded value, removing the field
        where the recorded value is null. NodePools in O(previous) that no longer exist are reported in a
        warning and skipped.
    type: str
    choices: [paused, resumed, restored]
    default: paused
  until:
    description:
      - Required with O(state=paused), refused otherwise.
      - V(true) pauses until the field is removed (any case is accepted; it is written as C(true)).
      - An RFC3339 time such as C(2024-03-03T03:28:48Z) or C(2024-03-03T12:28:48+09:00) pauses until then;
        it is written in UTC, and the same instant already set counts as unchanged.
      - A duration made of numbers with units C(d), C(h), C(m), C(s), such as C(30m), C(2h), C(1h30m),
        pauses until now + duration (UTC, whole seconds).
    type: str
  nodepools:
    description:
      - Which NodePools in O(namespace) to handle with O(state=paused) or O(state=resumed).
      - V(all) (alone) selects every NodePool whose C(spec.clusterName) is O(name); a list of names selects
        those (each must belong to the cluster); an empty list handles the HostedCluster only.
      - Ignored with O(state=restored), which handles the NodePools named in O(previous).
    type: list
    elements: str
    default: [all]
  previous:
    description:
      - With O(state=restored), the RV(previous) dictionary returned by an earlier call of this module.
      - Keys C(hostedcluster) (the value or null) and C(nodepools) (a dictionary NodePool name -> value or null).
    type: dict
  wait:
    description:
      - Wait until the HostedControlPlane in namespace C(<namespace>-<name>) shows the HostedCluster's new
        C(spec.pausedUntil). Not done in check mode.
    type: bool
    default: false
  wait_timeout:
    description: How many seconds to wait with O(wait=true) before failing.
    type: int
    default: 120
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Computes and reports every change without patching anything.
  diff_mode:
    support: full
    description: Shows C(spec.pausedUntil) before and after for every object.
notes:
  - Pausing stops the HyperShift operator from reconciling the cluster; it does not stop running pods.
  - HyperShift ignores (does not pause on) values that are neither C(true) nor an RFC3339 time; this
    module never writes such values, but O(state=restored) puts back whatever was recorded.
"""

EXAMPLES = r"""
- name: Pause the hosted cluster and its NodePools for two hours
  ocp.day2.hostedcluster_pause:
    name: example
    namespace: clusters
    until: 2h
    wait: true
  register: pause

- name: Put every object back as it was
  ocp.day2.hostedcluster_pause:
    name: example
    namespace: clusters
    state: restored
    previous: "{{ pause.previous }}"

- name: Pause the HostedCluster only, until it is resumed
  ocp.day2.hostedcluster_pause:
    name: example
    until: "true"
    nodepools: []

- name: Resume the HostedCluster and two NodePools
  ocp.day2.hostedcluster_pause:
    name: example
    state: resumed
    nodepools: [example-us-east-1a, example-us-east-1b]
"""

RETURN = r"""
previous:
  description: The value of C(spec.pausedUntil) before this call (null when absent) for every object handled.
  returned: always
  type: dict
  sample: {"hostedcluster": null, "nodepools": {"example-us-east-1a": null}}
current:
  description: The value of C(spec.pausedUntil) after this call (what it would be in check mode).
  returned: always
  type: dict
  sample: {"hostedcluster": "2024-03-03T03:28:48Z", "nodepools": {"example-us-east-1a": "2024-03-03T03:28:48Z"}}
paused_until:
  description: The HostedCluster's C(spec.pausedUntil) after this call, null when not set.
  returned: always
  type: str
  sample: "2024-03-03T03:28:48Z"
hostedcluster:
  description: Summary of the HostedCluster.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the HostedCluster.
      type: str
      returned: always
    namespace:
      description: Namespace of the HostedCluster.
      type: str
      returned: always
    paused_until:
      description: Its C(spec.pausedUntil) after this call.
      type: str
      returned: always
    hcp_namespace:
      description: Namespace of its hosted control plane.
      type: str
      returned: always
      sample: clusters-example
nodepools:
  description: Names of the NodePools handled (whether or not they changed).
  returned: always
  type: list
  elements: str
  sample: [example-us-east-1a]
hostedcontrolplane:
  description: The HostedControlPlane's C(spec.pausedUntil) once it matched.
  returned: when O(wait=true) and not in check mode
  type: dict
  sample: {"namespace": "clusters-example", "paused_until": "true"}
"""

import time

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_until
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    decide_pause,
    get_hostedcluster,
    get_hostedcontrolplane,
    hcp_namespace,
    list_nodepools,
    paused_until,
    select_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule, api_error_text, auth_arg_spec

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
    )
    return spec


def check_options(params):
    state = params["state"]
    if params["until"] is not None and state != "paused":
        raise Day2Error("until is only used with state=paused (state is %s); remove it." % state)
    if params["previous"] is not None and state != "restored":
        raise Day2Error("previous is only used with state=restored (state is %s); remove it." % state)
    if params["wait_timeout"] < 0:
        raise Day2Error("wait_timeout must be 0 or more seconds (got %d)." % params["wait_timeout"])


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


def plan(module, hc):
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
    until = parse_until(params["until"]) if state == "paused" else None
    steps = []
    for kind, obj in [("HostedCluster", hc)] + [("NodePool", np) for np in pools]:
        before = paused_until(obj)
        after = decide_pause(before, until) if until else None
        steps.append((kind, obj["metadata"]["name"], before, after))
    return steps


def patch(module, kind, name, namespace, value):
    resource = module.resource(HYPERSHIFT_API, kind)
    # A JSON merge patch, as in the documented `oc patch --type=merge`; null removes the field.
    resource.patch(
        body={"spec": {"pausedUntil": value}},
        name=name,
        namespace=namespace,
        content_type="application/merge-patch+json",
    )


def apply(module, steps, previous):
    namespace = module.params["namespace"]
    done = []
    for kind, name, before, after in steps:
        if before == after:
            continue
        try:
            patch(module, kind, name, namespace, after)
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
    deadline = time.monotonic() + module.params["wait_timeout"]
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


def execute(module):
    params = module.params
    check_options(params)
    name, namespace = params["name"], params["namespace"]
    hc = get_hostedcluster(module, name, namespace)
    steps = plan(module, hc)
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
    if params["wait"] and not module.check_mode:
        try:
            result["hostedcontrolplane"] = wait_for_hcp(module, current["hostedcluster"])
        except Day2Timeout as exc:
            # The patches are done: hand back what a rescue needs to put things back.
            exc.result.update(changed=changed, previous=previous, current=current)
            raise
    return result


def main():
    module = Day2K8sModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[("state", "paused", ["until"]), ("state", "restored", ["previous"])],
    )
    module.run(execute)


if __name__ == "__main__":
    main()
