#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_delete
short_description: Delete a HyperShift hosted cluster and wait until nothing of it is left
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Deletes the HostedCluster and lets HyperShift's deletion flow do the rest, as C(hcp destroy cluster) does (seed
    000 §3.6) - the operator deletes the NodePools, the Cluster API objects (whose controllers terminate the
    machines' cloud instances), then the control-plane namespace C(<namespace>-<name>), and removes its own
    finalizer last. Cloud resources are released; use M(ocp.day2.hostedcluster_teardown) instead to remove a
    hosted cluster from one management cluster while keeping them.
  - Waits until the HostedCluster, its NodePools (C(spec.clusterName=<name>)), the HostedControlPlane, the Cluster
    API objects (Machines, MachineSets, MachineDeployments, Clusters, AWSMachines, AWSMachineTemplates,
    AWSClusters) and the control-plane namespace are all gone.
  - When something is still there after O(wait_timeout), the module fails listing each object with its state and
    finalizers (RV(blocking)). Only with O(strip_finalizers=true) are finalizers removed - those of the objects being
    deleted that block, then one more wait so HyperShift's flow goes on, again while that makes progress; the
    HostedCluster's own finalizer last, when nothing else is left. Cloud resources a stripped finalizer guarded may
    be left behind.
  - Running it again after a failure continues the wait; when nothing is left it changes nothing.
  - Transient API errors are retried with backoff.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  wait_timeout:
    description: Seconds to wait for everything to go (and again after stripping finalizers).
    type: int
    default: 1800
  strip_finalizers:
    description:
      - Remove the finalizers of what still blocks after O(wait_timeout). Cloud resources they guard (instances,
        load balancers, DNS records, OIDC documents) may be left behind and must then be cleaned up by hand.
    type: bool
    default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
attributes:
  check_mode:
    support: full
    description: Returns the plan and the objects that would go; nothing is deleted.
  diff_mode:
    support: full
    description: The objects of the hosted cluster before, none after.
notes:
  - The Secrets of the HostedCluster's namespace (pull secret, SSH key, etcd encryption key) and the namespace itself
    are kept; a backup of the cluster is restored with its encryption key.
  - Back the cluster up first - the role C(ocp.day2.hostedcluster_delete) does, with the role
    C(ocp.day2.hostedcluster_etcd_backup).
seealso:
  - module: ocp.day2.hostedcluster_teardown
"""

EXAMPLES = r"""
- name: Delete example and wait up to an hour for HyperShift to remove everything
  ocp.day2.hostedcluster_delete:
    name: example
    wait_timeout: 3600

- name: What would go
  ocp.day2.hostedcluster_delete:
    name: example
  check_mode: true
  register: plan
"""

RETURN = r"""
hostedcluster_found:
  description: Whether the HostedCluster existed when the module started.
  returned: always
  type: bool
hcp_namespace:
  description: The control-plane namespace.
  returned: always
  type: str
  sample: clusters-example
removed:
  description: The objects of the hosted cluster found when the module started (gone when it succeeds).
  returned: always
  type: list
  elements: str
  sample: ["HostedCluster clusters/example", "NodePool clusters/example-us-east-1a", "Namespace clusters-example"]
stripped:
  description: The objects whose finalizers were removed (O(strip_finalizers=true)), with those finalizers.
  returned: always
  type: list
  elements: dict
blocking:
  description: What was still there when the module failed, each with its state and finalizers.
  returned: on failure after the wait
  type: list
  elements: str
  sample:
    - "NodePool clusters/example-a (deleting since 2026-11-26T14:00:00Z; finalizers: hypershift.openshift.io/finalizer)"
plan:
  description: What was done (or, in check mode, what would be), in words.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.delete import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
