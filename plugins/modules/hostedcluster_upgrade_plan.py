#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_upgrade_plan
short_description: Preflight and plan of a HyperShift hosted-cluster upgrade (control plane, then node pools)
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Reads the HostedCluster, its NodePools and the ConfigMap C(hypershift/supported-versions) and either returns
    the plan of an upgrade to O(target_version) or O(target_image), or fails listing every reason it is refused.
    It changes nothing, also outside check mode.
  - "Refused when: the target is in neither C(status.version.availableUpdates) nor C(conditionalUpdates); it is only
    a conditional update and not every risk is named in O(accept_risks); its minor is not in the supported-versions
    ConfigMap; the channel (O(channel) or C(spec.channel)) is unset, malformed, older than the target's minor or
    not among the target's channels; it is a downgrade; the HostedCluster is not C(Available) or is
    C(Progressing); C(ClusterVersionUpgradeable=False) for a minor upgrade without O(force); a NodePool runs a
    release above the control plane or would be more than 3 minors behind it (the kubelet skew); a control-plane
    upgrade is under way that this collection did not start."
  - Every step's state comes from the cluster (C(spec.release.image), C(status.version), NodePool C(status.version)
    and C(UpdatingVersion)), so a plan made after an interrupted run shows what is left. C(upgradeType) of every
    NodePool is reported, never changed (it is immutable).
  - Why not M(kubernetes.core.k8s_info)? It reads the objects but cannot do the version, risk and skew checks.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  target_version:
    description: Version to upgrade to, such as C(4.14.9). One of O(target_version) and O(target_image) is required.
    type: str
  target_image:
    description: Release image to upgrade to, exactly as listed in C(availableUpdates) or C(conditionalUpdates).
    type: str
  accept_risks:
    description: Names of the risks of a conditional update that the admin accepts (every risk must be named).
    type: list
    elements: str
    default: []
  channel:
    description: Channel the upgrade is taken from (C(stable-4.y)); unset uses C(spec.channel).
    type: str
  nodepools:
    description: NodePools to upgrade after the control plane, V(all) or names.
    type: list
    elements: str
    default: [all]
  batch_size:
    description: NodePools upgraded together; 0 upgrades all selected NodePools at once.
    type: int
    default: 0
  control_plane_only:
    description: Plan the control plane only (NodePools stay, within the skew).
    type: bool
    default: false
  force:
    description: The upgrade will set C(hypershift.openshift.io/force-upgrade-to), which lets a minor upgrade pass
      C(ClusterVersionUpgradeable=False).
    type: bool
    default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0
notes:
  - Supports check mode (it never changes anything).
seealso:
  - module: ocp.day2.hostedcluster_upgrade
"""

EXAMPLES = r"""
- name: Plan an upgrade of clusters/example to 4.14.9
  ocp.day2.hostedcluster_upgrade_plan:
    name: example
    namespace: clusters
    target_version: 4.14.9
    channel: stable-4.14
    batch_size: 1
  register: plan

- name: Show it
  ansible.builtin.debug:
    var: plan.summary
"""

RETURN = r"""
plan:
  description: The plan (also returned with a refusal).
  returned: always
  type: dict
  contains:
    current:
      description: Version (and image while not started) the control plane runs.
      type: dict
    target:
      description: Version, image, source (current, available, conditional) and risk names of the target.
      type: dict
    control_plane:
      description: C(pending), C(in_progress) or C(done).
      type: str
    nodepools:
      description: Every NodePool with version, image, upgrade_type, node_drain_timeout and state
        (C(pending), C(in_progress), C(done), C(skipped)).
      type: list
      elements: dict
    batches:
      description: Names of the NodePools to upgrade, in batches.
      type: list
      elements: list
    gate:
      description: Whether a backup is still needed (C(needed)), at which release (C(backup_release)) and the gate
        record of an earlier run (C(record)).
      type: dict
  sample: {"control_plane": "pending", "batches": [["example-a"], ["example-b"]]}
summary:
  description: One line per step, for the admin.
  returned: on success
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.upgrade_run import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    execute_plan,
    plan_spec,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(
        argument_spec=plan_spec(),
        supports_check_mode=True,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
    )
    module.run(execute_plan)


if __name__ == "__main__":
    main()
