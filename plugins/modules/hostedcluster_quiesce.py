#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_quiesce
short_description: Pause a HyperShift hosted cluster and stop control-plane workloads, then put everything back
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - With O(state=quiesced), records the prior state of a hosted cluster in an annotation of its HostedCluster
    (before any other change), pauses the HostedCluster and its NodePools (C(spec.pausedUntil)), checks that
    HyperShift really stopped reconciling them (condition C(ReconciliationActive=False)), then scales the listed
    Deployments and StatefulSets of the control-plane namespace C(<namespace>-<name>) to 0 in one step and waits
    on all of them together.
  - With O(state=extended), pushes the pause of the HostedCluster and of the recorded NodePools out to O(until).
  - With O(state=restored), scales the recorded workloads back to their recorded replicas in one step, waits until
    they are ready, puts C(spec.pausedUntil) back exactly as recorded (removed where it was absent) and removes
    the record. Without a record it does nothing.
  - A run that was interrupted leaves the record. A later O(state=quiesced) keeps the recorded prior values and
    only adds what is not there yet; a later O(state=restored) puts back what the record says.
  - Transient API errors (HTTP 5xx, 429, refused or reset connections) are retried with backoff in every state.
  - Why not M(kubernetes.core.k8s_scale) and M(ocp.day2.hostedcluster_pause) with the record in Jinja? That took
    a dozen tasks per role, scaled one workload at a time, did not retry a transient error while putting things
    back and did not check that HyperShift had understood the pause.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  state:
    description:
      - V(quiesced) records, pauses, verifies and scales the listed workloads to 0.
      - V(extended) pushes the pause out; it needs a record.
      - V(restored) puts back what the record says and removes it; nothing to do without a record.
    type: str
    choices: [quiesced, extended, restored]
    default: quiesced
  until:
    description:
      - Required with O(state=quiesced) and O(state=extended), refused with O(state=restored).
      - V(true) pauses until the field is removed; an RFC3339 time (C(2024-03-03T03:28:48Z)) pauses until then;
        a duration such as C(90m), C(2h) or C(1h30m) pauses until now + duration (UTC).
      - A value that looks like a time but is not RFC3339 (no zone, an impossible date) is refused before any
        request, because HyperShift would ignore it and keep reconciling.
      - With O(state=quiesced) a duration never shortens an existing pause. With O(state=extended) the pause is
        changed only when O(until) is later than the current one.
    type: str
  nodepools:
    description:
      - With O(state=quiesced), which NodePools of O(namespace) to pause. V(all) selects every NodePool whose
        C(spec.clusterName) is O(name); a list of names selects those (each must exist and belong to the cluster);
        an empty list pauses the HostedCluster only.
      - O(state=extended) and O(state=restored) handle the NodePools named in the record.
    type: list
    elements: str
    default: [all]
  deployments:
    description:
      - Deployments of the control-plane namespace that O(state=quiesced) scales to 0, for example
        C(kube-apiserver). Each must exist.
    type: list
    elements: str
    default: []
  statefulsets:
    description: StatefulSets of the control-plane namespace that O(state=quiesced) scales to 0, for example C(etcd).
    type: list
    elements: str
    default: []
  record:
    description: The HostedCluster annotation that holds the prior state, as JSON.
    type: str
    default: ocp.day2/quiesce-prior-state
  run_id:
    description:
      - An identifier of the run, stored in a new record (an existing record keeps its own and a warning names it).
    type: str
  data:
    description:
      - Free data merged into the record's C(data) (new keys added, the given ones replaced); returned in
        RV(record) and RV(data). With O(state=quiesced) and O(state=extended).
    type: dict
  verify:
    description:
      - After pausing, wait until the HostedCluster, its HostedControlPlane and the NodePools paused report the
        condition C(ReconciliationActive=False). Fails at once with the condition's reason and message when HyperShift
        reports C(InvalidPausedUntilValue), after O(wait_timeout) seconds otherwise. The workloads are not
        scaled when this fails.
    type: bool
    default: true
  wait:
    description:
      - Wait until the workloads have 0 replicas (O(state=quiesced)) or are ready and available again with their
        recorded replicas (O(state=restored)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait in all, for the workloads and for the condition with O(verify=true) together.
    type: int
    default: 300
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Computes the record, the pauses and the scaling it would do, and changes nothing.
  diff_mode:
    support: full
    description: Shows the record, C(spec.pausedUntil) of every object and the replicas of every workload.
notes:
  - The record is removed only when everything was put back. When O(state=restored) fails part-way, the result
    lists what was and was not put back (RV(put_back), RV(not_put_back)) and the record stays for the next run.
  - Recorded NodePools or workloads that no longer exist are skipped with a warning.
  - To finish or abandon by hand, see docs/hostedcluster_quiesce.md in the collection.
"""

EXAMPLES = r"""
- name: Stop the API servers of a hosted cluster for a backup, paused for at most an hour
  ocp.day2.hostedcluster_quiesce:
    name: example
    namespace: clusters
    until: 1h
    deployments: [kube-apiserver, openshift-apiserver, openshift-oauth-apiserver]
    run_id: "backup-{{ now(utc=true, fmt='%Y%m%dT%H%M%SZ') }}"
  register: quiesce

- name: Before a long step, push the pause out
  ocp.day2.hostedcluster_quiesce:
    name: example
    state: extended
    until: 1h

- name: Put back everything the record says
  ocp.day2.hostedcluster_quiesce:
    name: example
    state: restored
    wait_timeout: 600
"""

RETURN = r"""
record:
  description: The prior state as recorded (null with O(state=restored) when there was none).
  returned: always
  type: dict
  sample:
    run_id: backup-20250101T030000Z
    started_at: "2025-01-01T03:00:00Z"
    paused: {hostedcluster: null, nodepools: {example-us-east-1a: null}}
    replicas: {Deployment/kube-apiserver: 3}
    data: {}
interrupted:
  description: With O(state=quiesced), whether a record was already there before this call (an earlier run did
    not finish, or this run calls the module again); false otherwise.
  returned: always
  type: bool
hcp_namespace:
  description: The control-plane namespace.
  returned: always
  type: str
  sample: clusters-example
nodepools:
  description: The NodePools handled by this call.
  returned: always
  type: list
  elements: str
paused_until:
  description: The HostedCluster's C(spec.pausedUntil) after this call (null when absent).
  returned: always
  type: str
  sample: "2025-01-01T04:00:00Z"
data:
  description: The record's C(data).
  returned: always
  type: dict
reconciliation:
  description: The C(ReconciliationActive) condition of every object verified, keyed C(<kind>/<name>).
  returned: when O(verify=true), with O(state=quiesced) or O(state=extended), not in check mode
  type: dict
  sample: {"HostedCluster/example": {"status": "False", "reason": "ReconciliationPaused", "message": "..."}}
put_back:
  description: With O(state=restored), what was put back.
  returned: with O(state=restored) when there was a record
  type: list
  elements: str
not_put_back:
  description: With O(state=restored), what was not put back (empty on success).
  returned: with O(state=restored) when there was a record
  type: list
  elements: str
skipped:
  description: With O(state=restored), recorded NodePools and workloads that no longer exist.
  returned: with O(state=restored) when there was a record
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.quiesce import REQUIRED_IF, argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True, required_if=REQUIRED_IF)
    module.run(execute)


if __name__ == "__main__":
    main()
