#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_upgrade
short_description: Start or wait for one step of a HyperShift hosted-cluster upgrade, gated on a verified backup
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - One step of the upgrade that M(ocp.day2.hostedcluster_upgrade_plan) plans, re-checked against the cluster at
    the moment of the change (every refusal of the plan applies and nothing is changed then).
  - O(step=channel) sets C(spec.channel) to O(channel) and waits up to O(wait_timeout) for HyperShift to have read
    it (so C(availableUpdates) is for the new channel).
  - O(step=control_plane) O(action=start) patches the HostedCluster once, in one merge patch, with
    C(spec.release.image), C(spec.channel) when O(channel) differs, C(hypershift.openshift.io/force-upgrade-to)
    only with O(force) (a force annotation for another release is removed), and the gate record in annotation
    C(ocp.day2/upgrade-gate). Before it, O(backup_manifest) must describe a backup of this cluster at its current
    release, younger than O(backup_max_age), whose artifacts the caller verified (O(backup_verified)); otherwise the
    step fails and changes nothing. A control plane already moving to (or at) the target is not patched again.
  - O(step=nodepools) O(action=start) patches C(spec.release.image) (and C(nodeDrainTimeout) when
    O(node_drain_timeout) is set) of the selected NodePools not yet at the target, only once the control plane is
    at the target.
  - O(action=wait) waits up to O(wait_timeout) and returns C(done) and a progress line; the control plane is done
    when C(ClusterVersionReleaseAccepted) and C(ValidReleaseImage) are True, C(status.version.history[0]) is
    Completed at the target and the HostedCluster is C(Available); a NodePool when its C(status.version) is the
    target and C(UpdatingVersion) is False. Once O(timeout_at) has passed it fails naming what held each object.
    A release HyperShift refuses (C(ValidReleaseImage=False), NodePool C(SupportedVersionSkew=False)) fails at once.
  - Why not M(kubernetes.core.k8s)? A merge patch cannot re-check the preflight, enforce the backup gate, or know
    from the cluster which steps are done.
options:
  step:
    description: Which step.
    type: str
    required: true
    choices: [channel, control_plane, nodepools]
  action:
    description: V(start) the step (idempotent), or V(wait) for it.
    type: str
    choices: [start, wait]
    default: start
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  target_version:
    description: Version to upgrade to. One of O(target_version) and O(target_image) is required.
    type: str
  target_image:
    description: Release image to upgrade to.
    type: str
  accept_risks:
    description: Risk names of a conditional update that the admin accepts.
    type: list
    elements: str
    default: []
  channel:
    description: Channel to set (O(step=channel), or with the control-plane patch).
    type: str
  nodepools:
    description: NodePools of this step (O(step=nodepools)), V(all) or names.
    type: list
    elements: str
    default: [all]
  batch_size:
    description: Not used by this module beyond the plan it returns.
    type: int
    default: 0
  control_plane_only:
    description: Leave the NodePools out of the plan.
    type: bool
    default: false
  force:
    description: Set C(hypershift.openshift.io/force-upgrade-to) to the target image with the control-plane patch.
    type: bool
    default: false
  backup_manifest:
    description: The manifest (parsed C(manifest.json)) of the hostedcluster_etcd_backup backup that gates this upgrade.
    type: dict
  backup_verified:
    description: The caller checked the backup's artifacts against the manifest.
    type: bool
    default: false
  backup_max_age:
    description: How old the backup may be (a duration such as C(2h) or C(1d)).
    type: str
    default: 24h
  node_drain_timeout:
    description: C(spec.nodeDrainTimeout) written with the NodePool patch, a duration such as C(60s) (C(0) no limit).
    type: str
  wait_timeout:
    description: Seconds one call waits (O(action=wait)), or waits for the channel to be read (O(step=channel)).
    type: int
    default: 60
  timeout_at:
    description: Unix time after which a wait that is not done fails naming what held it; unset never fails.
    type: float
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - kubernetes >= 24.2.0
notes:
  - Supports check mode (nothing is patched; C(changed) says what would be) and diff.
seealso:
  - module: ocp.day2.hostedcluster_upgrade_plan
"""

EXAMPLES = r"""
- name: Start the control-plane upgrade, gated on a backup taken just before
  ocp.day2.hostedcluster_upgrade:
    step: control_plane
    name: example
    target_version: 4.14.9
    backup_manifest: "{{ hostedcluster_etcd_backup_manifest }}"
    backup_verified: true

- name: Wait for it, reporting progress every minute, for at most an hour
  ocp.day2.hostedcluster_upgrade:
    step: control_plane
    action: wait
    name: example
    target_version: 4.14.9
    wait_timeout: 60
    timeout_at: "{{ now().timestamp() + 3600 }}"
  register: cp
  until: cp.done
  retries: 61
  delay: 0

- name: Upgrade two NodePools with a 10 minute drain limit
  ocp.day2.hostedcluster_upgrade:
    step: nodepools
    name: example
    target_version: 4.14.9
    nodepools: [example-us-east-1a, example-us-east-1b]
    node_drain_timeout: 10m
"""

RETURN = r"""
plan:
  description: The plan as M(ocp.day2.hostedcluster_upgrade_plan) returns it, read before this step.
  returned: always
  type: dict
done:
  description: The step is finished (O(action=wait)).
  returned: with O(action=wait)
  type: bool
progress:
  description: Conditions and versions seen last.
  returned: with O(action=wait)
  type: str
  sample: "ClusterVersionReleaseAccepted=True, ValidReleaseImage=True, Available=True; history[0] 4.14.9 Partial"
holds:
  description: What each unfinished object waits on.
  returned: with O(action=wait) when not done
  type: list
  elements: str
patch:
  description: The merge patch of the HostedCluster.
  returned: when O(step=control_plane) starts the upgrade
  type: dict
gate:
  description: The gate record written (target, source release, backup id and location, time).
  returned: when a backup gated this call
  type: dict
nodepools:
  description: NodePools patched.
  returned: with O(step=nodepools) O(action=start)
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.upgrade_run import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    execute_upgrade,
    upgrade_spec,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(
        argument_spec=upgrade_spec(),
        supports_check_mode=True,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
    )
    module.run(execute_upgrade)


if __name__ == "__main__":
    main()
