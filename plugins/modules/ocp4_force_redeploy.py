#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp4_force_redeploy
short_description: Force a new revision of etcd, kube-apiserver, kube-controller-manager or kube-scheduler and wait
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Sets C(spec.forceRedeploymentReason) of the C(operator.openshift.io/v1) object C(cluster) of O(kind) to a unique
    value (C(recovery-<time with nanoseconds>) as in seed 003 §5.4.2.2), then waits until the operator has a newer
    C(status.latestAvailableRevision), its C(NodeInstallerProgressing) condition has reason
    C(AllNodesAtLatestRevision) and every node's C(currentRevision) is that revision.
  - Always changes (a new rollout is the point); check mode reports the revision it would start from.
  - Why not M(kubernetes.core.k8s) with a merge patch and M(kubernetes.core.k8s_info) with C(until)? The wait must
    compare the revision before and after, or a condition left from the previous rollout ends it at once.
options:
  kind:
    description: The operator resource.
    type: str
    required: true
    choices: [Etcd, KubeAPIServer, KubeControllerManager, KubeScheduler]
  reason:
    description: The reason to write; by default C(recovery-) and the current time with nanoseconds.
    type: str
  wait:
    description: Wait for the rollout to reach every node.
    type: bool
    default: true
  timeout:
    description: Seconds to wait.
    type: int
    default: 1800
  interval:
    description: Seconds between two reads.
    type: float
    default: 10.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Reads the object, patches nothing.
"""

EXAMPLES = r"""
- name: Force a redeployment of etcd and wait for every node
  ocp.day2.ocp4_force_redeploy:
    kind: Etcd
    kubeconfig: /root/auth/kubeconfig
"""

RETURN = r"""
kind:
  description: The operator resource.
  returned: always
  type: str
reason:
  description: The C(forceRedeploymentReason) written.
  returned: always
  type: str
  sample: "recovery-2024-03-03 03:28:48.123456789+00:00"
revision_before:
  description: C(status.latestAvailableRevision) before the patch.
  returned: always
  type: int
revision:
  description: The latest revision at the end.
  returned: always
  type: int
condition:
  description: The C(NodeInstallerProgressing) condition at the end.
  returned: always
  type: dict
  sample: {"type": "NodeInstallerProgressing", "status": "False", "reason": "AllNodesAtLatestRevision",
           "message": "3 nodes are at revision 8"}
"""

from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.module_utils.ocp4.redeploy import argument_spec, execute


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
