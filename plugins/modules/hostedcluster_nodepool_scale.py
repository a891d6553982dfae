#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_nodepool_scale
short_description: Scale the data plane of a HyperShift hosted cluster to zero and back to exactly what it was
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - The seed's "scale the data plane down to zero" (001 §9.3) made reversible. With O(state=zero), each chosen
    NodePool gets, in one write, the annotation C(ocp.day2/scale-record) holding its C(spec.replicas),
    C(spec.autoScaling) and C(spec.nodeDrainTimeout) as JSON, a C(nodeDrainTimeout) above 0 (O(drain_timeout) when
    it is unset or 0, so a drain cannot block for ever), C(replicas=0) and no C(autoScaling) (the API refuses both at
    once). Then it waits until the NodePool reports 0 replicas and none of its Cluster API Machines is left.
  - An existing record is never overwritten, so running O(state=zero) again (or after an interruption) keeps the
    size found the first time.
  - With O(state=restored), each NodePool with a record gets back exactly the recorded C(replicas) or
    C(autoScaling), and the record is removed, in one write; then the module waits until it reports at least that
    many nodes (C(autoScaling.min) for an autoscaled pool). NodePools without a record are left alone and listed
    in RV(not_recorded).
  - A paused NodePool (C(spec.pausedUntil)) is refused before anything is written, since HyperShift would not act.
  - Why not M(kubernetes.core.k8s_scale)? It cannot record the size on the object, switch between replicas and
    autoScaling, or wait for the Machines.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  nodepools:
    description: V(all) (alone) for every NodePool of the cluster, or NodePool names.
    type: list
    elements: str
    default: [all]
  state:
    description: V(zero) records and scales to 0; V(restored) puts the recorded size back and removes the record.
    type: str
    choices: [zero, restored]
    default: zero
  drain_timeout:
    description:
      - C(nodeDrainTimeout) set with O(state=zero) on NodePools where it is unset or 0; a Go duration above 0 such as
        V(5m), V(90s), V(1h30m).
    type: str
    default: 5m
  restore_drain_timeout:
    description:
      - With O(state=restored), also put the recorded C(nodeDrainTimeout) back. By default the value above 0 stays,
        as the seed's verification step expects.
    type: bool
    default: false
  wait:
    description: Wait for the NodePools to reach their size.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait (nodes are drained, then their instances terminated or launched).
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two reads while waiting.
    type: float
    default: 5.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
attributes:
  check_mode:
    support: full
    description: Returns the plan and changes nothing.
  diff_mode:
    support: full
    description: Size, drain timeout and record of each NodePool before and after.
notes:
  - With the data plane at zero, some control-plane pods stay Pending and the hosted control plane keeps running
    (seed 001 §9.3); workloads on the nodes are gone until the pools are scaled back.
seealso:
  - module: ocp.day2.hostedcluster_nodepool_config
"""

EXAMPLES = r"""
- name: Scale every node pool of example to zero, recording their size
  ocp.day2.hostedcluster_nodepool_scale:
    name: example
    state: zero
    drain_timeout: 10m

- name: Later, scale them back to exactly what was recorded
  ocp.day2.hostedcluster_nodepool_scale:
    name: example
    state: restored
"""

RETURN = r"""
plan:
  description: The write done on each NodePool (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample:
    - >-
      NodePool clusters/example-a: set nodeDrainTimeout="5m", replicas=0;
      record {"autoScaling": null, "nodeDrainTimeout": null, "replicas": 2}
nodepools:
  description: The NodePools changed (or that would be).
  returned: always
  type: list
  elements: str
recorded:
  description:
    - With O(state=zero), the NodePools whose record this call wrote (also returned when the call fails), so that a
      rescue scales back only what this run scaled down.
  returned: always
  type: list
  elements: str
not_recorded:
  description: With O(state=restored), the chosen NodePools that had no record and were left alone.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.nodepool_scale import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
