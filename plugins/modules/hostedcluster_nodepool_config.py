#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_nodepool_config
short_description: Configure the nodes of HyperShift NodePools with MachineConfig and Tuned objects
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - The seeds' node pool configuration (000 §3.3-3.4, 001 §4.1-4.2) from structured data. Each MachineConfig and
    Tuned object is checked, written as YAML into its own ConfigMap in the HostedCluster's namespace (key C(config)
    for a MachineConfig, C(tuning) for a Tuned object, as HyperShift reads them), and referenced from
    C(spec.config) or C(spec.tuningConfig) of the chosen NodePools. References and ConfigMaps this module did not
    write are left alone.
  - Checks before anything is written. MachineConfig - apiVersion C(machineconfiguration.openshift.io/v1), kind
    C(MachineConfig), a name, no namespace, C(spec.config.ignition.version) between C(3.0.0) and C(3.5.0), and
    the label C(machineconfiguration.openshift.io/role) absent or C(worker) (it is set to C(worker), as HyperShift
    would anyway). Tuned - apiVersion C(tuned.openshift.io/v1), kind C(Tuned), a name, namespace absent or
    C(openshift-cluster-node-tuning-operator), at least one C(spec.profile) with C(name) and C(data), each
    C(spec.recommend) naming a profile.
  - Then waits until every NodePool whose configuration changed reports C(UpdatingConfig=False) for its current
    generation, after first waiting up to O(settle_timeout) for the controller to start the rollout
    (C(UpdatingConfig=True) or a new C(hypershift.openshift.io/nodePoolCurrentConfig) hash). A NodePool that
    reports C(ValidMachineConfig=False) or C(ValidTuningConfig=False) fails the task at once with its message.
  - A NodePool to be changed that is paused (C(spec.pausedUntil)) is refused before anything is written (with
    O(wait=true)), since HyperShift would not roll the change out.
  - Returns RV(previous), what the ConfigMaps and references were before, so that O(state=restored) with it puts
    them back (a role's C(rescue)).
  - Why not M(kubernetes.core.k8s)? It cannot check the objects, add one reference to a list without dropping the
    others, tell which ConfigMaps are still referenced before deleting them, or wait for the rollout.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster, its NodePools and the ConfigMaps.
    type: str
    default: clusters
  nodepools:
    description: V(all) (alone) for every NodePool of the cluster, or NodePool names.
    type: list
    elements: str
    default: [all]
  machine_configs:
    description:
      - MachineConfig objects as data. Each goes into ConfigMap C(<name>-mc-<object name>).
      - With O(state=absent) only apiVersion, kind and name are needed.
    type: list
    elements: dict
    default: []
  tuned:
    description:
      - Tuned objects as data. Each goes into ConfigMap C(<name>-tuned-<object name>).
      - With O(state=absent) only apiVersion, kind and name are needed.
    type: list
    elements: dict
    default: []
  state:
    description:
      - V(present) writes the ConfigMaps and adds the references.
      - V(absent) removes the references from the chosen NodePools and deletes each ConfigMap no NodePool of the
        namespace references any more.
      - V(restored) puts back what O(previous) says.
    type: str
    choices: [present, absent, restored]
    default: present
  previous:
    description: With O(state=restored), the RV(previous) of an earlier call.
    type: dict
  wait:
    description: Wait for the rollout. V(false) returns after the writes.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for C(UpdatingConfig=False) on all NodePools that changed (a rollout replaces nodes).
    type: int
    default: 1800
  settle_timeout:
    description:
      - Seconds to wait for the controller to start the rollout; a change that renders the same config starts none.
    type: int
    default: 60
  poll_interval:
    description: Seconds between two reads of the NodePools while waiting.
    type: float
    default: 5.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Checks the objects, returns the plan and changes nothing.
  diff_mode:
    support: full
    description: The ConfigMap data and the NodePool references before and after.
notes:
  - A change of C(spec.config) or C(spec.tuningConfig), or of a referenced ConfigMap, rolls the nodes of the pool
    out (C(Replace)) or updates them in place (C(InPlace)); nodes are drained. Node labels set on running nodes are
    lost with C(Replace).
  - Several NodePools may reference one ConfigMap; HyperShift's Node Tuning Operator names each pool's Tuned copy
    apart. Give TuneD profiles of different Tuned objects different names.
seealso:
  - module: ocp.day2.hostedcluster_nodepool_scale
"""

EXAMPLES = r"""
- name: Put a file on every worker of example's node pools and set vm.dirty_ratio
  ocp.day2.hostedcluster_nodepool_config:
    name: example
    machine_configs:
      - apiVersion: machineconfiguration.openshift.io/v1
        kind: MachineConfig
        metadata:
          name: 99-worker-motd
          labels:
            machineconfiguration.openshift.io/role: worker
        spec:
          config:
            ignition:
              version: 3.2.0
            storage:
              files:
                - path: /etc/motd
                  mode: 420
                  overwrite: true
                  contents:
                    source: data:,managed%20by%20ocp.day2
    tuned:
      - apiVersion: tuned.openshift.io/v1
        kind: Tuned
        metadata:
          name: tuned-1
        spec:
          profile:
            - name: tuned-1-profile
              data: |
                [main]
                summary=Custom OpenShift profile
                include=openshift-node
                [sysctl]
                vm.dirty_ratio="55"
          recommend:
            - priority: 20
              profile: tuned-1-profile
  register: nodepool_config

- name: Remove the file again from one pool
  ocp.day2.hostedcluster_nodepool_config:
    name: example
    nodepools: [example-us-east-1a]
    state: absent
    machine_configs:
      - {apiVersion: machineconfiguration.openshift.io/v1, kind: MachineConfig, metadata: {name: 99-worker-motd}}

- name: Put back what the first call found
  ocp.day2.hostedcluster_nodepool_config:
    name: example
    state: restored
    previous: "{{ nodepool_config.previous }}"
"""

RETURN = r"""
plan:
  description: Every write done (or, in check mode, that would be), in words.
  returned: always
  type: list
  elements: str
  sample:
    - create ConfigMap clusters/example-mc-99-worker-motd
    - set spec.config of NodePool clusters/example-a to ['example-mc-99-worker-motd']
previous:
  description:
    - The data of each ConfigMap written (null when it did not exist) and the references of each NodePool changed,
      before this call. Give it to O(state=restored) to put them back.
  returned: always
  type: dict
  sample:
    configmaps: {"example-mc-99-worker-motd": null}
    nodepools: {"example-a": {"config": [], "tuningConfig": []}}
nodepools:
  description: The NodePools whose configuration changed (waited for).
  returned: always
  type: list
  elements: str
rolled_out:
  description: The NodePools on which the controller was seen starting a rollout.
  returned: always
  type: list
  elements: str
configmaps:
  description: The ConfigMaps written or deleted.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.nodepool_rollout import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
