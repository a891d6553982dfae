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
    description: How many seconds to wait with O(wait=true) or O(verify=true) before failing, all waits together.
    type: int
    default: 120
  verify:
    description:
      - After the change, wait until every object whose new C(spec.pausedUntil) pauses it reports the
        condition C(ReconciliationActive=False), that is, until HyperShift has really stopped reconciling it.
        A paused HostedCluster is checked together with its HostedControlPlane.
      - Fails with the condition's reason and message otherwise, at once for C(InvalidPausedUntilValue)
        (HyperShift did not understand the value and keeps reconciling), after O(wait_timeout) seconds for
        anything else (for example an operator that is not running).
      - Defaults to the value of O(wait). Not done in check mode.
    type: bool
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
  - HyperShift ignores (does not pause on) values that are neither C(true) nor an RFC3339 time, even those
    the API server accepts (such as C(2024-03-03T03:28:48) without a zone); it reports
    C(ReconciliationActive=True) with reason C(InvalidPausedUntilValue). This module refuses such an O(until)
    before any request and never writes one, but O(state=restored) puts back whatever was recorded.
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
reconciliation:
  description: The C(ReconciliationActive) condition of every object checked, keyed C(<kind>/<name>).
  returned: when O(verify=true) and not in check mode
  type: dict
  sample: {"HostedCluster/example": {"status": "False", "reason": "ReconciliationPaused",
           "message": "Reconciliation paused until field removed"}}
hostedcontrolplane:
  description: The HostedControlPlane's C(spec.pausedUntil) once it matched.
  returned: when O(wait=true) and not in check mode
  type: dict
  sample: {"namespace": "clusters-example", "paused_until": "true"}
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.pause import REQUIRED_IF, argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True, required_if=REQUIRED_IF)
    module.run(execute)


if __name__ == "__main__":
    main()
