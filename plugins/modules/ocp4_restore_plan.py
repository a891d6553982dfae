#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp4_restore_plan
short_description: Plan a restore of an OpenShift 4 cluster to a previous state, per host and on the cluster
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Builds the steps of seed 003 §5.4.2.2 in the seed's order for the control-plane hosts of a run, the named
    recovery host and the lost control-plane machines to recreate; the ocp.day2.ocp4_cluster_restore role runs them
    and prints this plan in check mode.
  - Reads the cluster network type from C(Network cluster) (the OVN-Kubernetes clean-up runs only with
    C(OVNKubernetes)), the cluster-wide proxy from C(Proxy cluster) (its variables are exported for
    C(cluster-restore.sh)), the Node objects and the Machines in C(openshift-machine-api) (the other control-plane
    hosts' IP addresses and the Machines to recreate).
  - Refuses a recovery host that is not among O(hosts), a recovery host whose machine would be recreated (the seed
    forbids it), two hosts with the same node, and a node to recreate without exactly one Machine.
  - Steps listed in O(progress_file) (one per line, written by the role as each cluster step completes) are marked
    done, so a re-run continues after them.
  - Read only, never changed.
options:
  hosts:
    description: The reachable control-plane hosts of this run, each a dict with C(name) (inventory) and C(node).
    type: list
    elements: dict
    required: true
  recovery_host:
    description: Inventory name of the recovery host (one of O(hosts)).
    type: str
    required: true
  recreate_machines:
    description: Node names of lost control-plane hosts whose Machine is deleted and recreated, one by one.
    type: list
    elements: str
    default: []
  vips:
    description: keepalived VIPs (API and ingress), on installer-provisioned bare-metal and similar platforms.
    type: list
    elements: str
    default: []
  progress_file:
    description: The progress file of this restore on the controller.
    type: path
    required: true
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Read only; runs as usual.
"""

EXAMPLES = r"""
- name: Plan the restore
  ocp.day2.ocp4_restore_plan:
    hosts:
      - {name: master-0, node: master-0.example.com}
      - {name: master-1, node: master-1.example.com}
    recovery_host: master-0
    recreate_machines: [master-2.example.com]
    progress_file: /srv/backups/ocp4/2024-03-03_032848/restore-progress
  register: restore
"""

RETURN = r"""
plan:
  description: The plan.
  returned: always
  type: dict
  contains:
    host_steps:
      description: For each host, its steps in order (C(step), C(what)).
      type: dict
      returned: always
    cluster_steps:
      description: The cluster steps in order (C(step), C(what), C(done)).
      type: list
      elements: dict
      returned: always
    other_nodes:
      description: Node names of the control-plane hosts other than the recovery host (and of lost ones).
      type: list
      elements: str
      returned: always
    other_node_ips:
      description: Their InternalIP addresses (Node objects and Machines).
      type: list
      elements: str
      returned: always
    machines:
      description: The Machines to recreate (C(node), C(machine)).
      type: list
      elements: dict
      returned: always
    control_plane_machines:
      description: How many control-plane Machines there are (the count a recreated machine's replacement restores).
      type: int
      returned: always
    proxy_env:
      description: Proxy variables for cluster-restore.sh (upper and lower case), empty without a cluster proxy.
      type: dict
      returned: always
    ovn:
      description: Whether the OVN-Kubernetes clean-up runs.
      type: bool
      returned: always
lines:
  description: The plan as text, one line per host then one per cluster step.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.module_utils.ocp4.restore_plan_module import argument_spec, execute


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
