#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_teardown
short_description: Remove a HyperShift hosted cluster from one management cluster without touching its cloud resources
version_added: 0.3.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - The last step of moving a hosted cluster to another management cluster (the seeds' "delete the hosted cluster
    from the source management cluster"). Only Kubernetes objects of the management cluster this module talks
    to are removed; the cloud instances, volumes, load balancers and DNS zones of the hosted cluster are not
    touched, because nothing that could act on them runs any more when their objects go.
  - Steps, in this order, each of which first reads what is there, so a run that was interrupted (or failed) is
    finished by running the module again.
  - 1. Pause the HostedCluster and its NodePools (C(spec.pausedUntil=true)) unless they are paused already, so that
    the HyperShift operator does not scale the control plane back nor put the OIDC-documents finalizer back (it
    still puts its own finalizer back on live objects, see the notes).
  - 2. Scale every Deployment and StatefulSet of the control-plane namespace C(<namespace>-<name>) to 0, all in one
    pass, and wait until no pod of that namespace runs (pods of Jobs are not waited for). If a pod still runs
    after O(wait_timeout) seconds the module fails before deleting anything, since a running CAPI provider
    terminates the cloud instance of every AWSMachine that is deleted.
  - 3. Remove the finalizers of, then delete, and wait until gone, in this order, the NodePools of the
    HostedCluster (C(spec.clusterName=<name>)), then in the control-plane namespace the Machines, MachineSets,
    MachineDeployments, Clusters, AWSMachines, AWSMachineTemplates, AWSClusters and the HostedControlPlane.
    Kinds the API server does not serve are skipped.
  - 4. Delete the control-plane namespace and wait until it is gone (finalizers of the kinds above that are still
    in it are removed while waiting).
  - 5. Remove the finalizers of the HostedCluster, delete it and wait until it is gone.
  - 6. With O(delete_hc_namespace=if_empty), delete the namespace O(namespace) when nothing else lives there,
    otherwise say in RV(kept) why it stays.
  - Transient API errors (HTTP 5xx, 429, refused or reset connections) are retried with backoff.
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
    description:
      - Seconds to wait in each wait (pods stopped, each kind deleted, each namespace deleted).
      - V(0) checks once and fails when something is not there yet.
    type: int
    default: 300
  delete_hc_namespace:
    description:
      - V(if_empty) deletes the namespace O(namespace) after the HostedCluster when nothing else lives there.
        Counted as belonging to the hosted cluster (and so not keeping the namespace) are the Secrets and
        ConfigMaps its HostedCluster and NodePools reference (pull secret, SSH key, encryption keys, ...),
        those whose name is O(name) or starts with C(<name>-), objects the HostedCluster owns, the
        service accounts C(default), C(builder), C(deployer) and their token Secrets, and the ConfigMaps
        C(kube-root-ca.crt) and C(openshift-service-ca.crt). Any other HostedCluster, NodePool, Secret,
        ConfigMap, ServiceAccount, Service, PersistentVolumeClaim, Pod, Deployment or StatefulSet keeps it.
        C(default), C(hypershift), C(local-cluster), C(multicluster-engine) and C(kube-*), C(openshift-*) are
        never deleted.
      - V(never) keeps the namespace (and the Secrets and ConfigMaps in it).
    type: str
    choices: [if_empty, never]
    default: if_empty
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Returns the plan (RV(plan), RV(scaled), RV(deleted), RV(kept)) and changes nothing.
  diff_mode:
    support: full
    description: Shows the objects that exist before and after, and the replicas of every workload scaled.
notes:
  - A HostedCluster that is not there is not an error. What is left of it (NodePools with its C(clusterName),
    the control-plane namespace) is still removed, and the result is C(changed=false) with RV(hostedcluster_found)
    false when nothing is left, so a re-run after a successful run is a no-op. Check RV(hostedcluster_found) (or
    run M(kubernetes.core.k8s_info) first) when a misspelt name must fail.
  - Before the HostedCluster is deleted, the names of the Secrets and ConfigMaps that belong to it are written to
    the annotation C(ocp.day2/teardown) of its namespace, so that a re-run after an interruption still knows
    which objects of that namespace were the hosted cluster's. The annotation is removed when the namespace is
    kept.
  - Use this only when the hosted cluster runs elsewhere (or is meant to disappear while its machines stay);
    its nodes keep running but no control plane on this management cluster serves them any more.
  - The S3 snapshots, the cloud instances and the DNS records are kept.
  - Why finalizers go before the delete and again while waiting (facts from openshift/hypershift, read 2026-11). The
    HyperShift operator puts C(hypershift.openshift.io/finalizer) back on a live HostedCluster or NodePool before it
    looks at the pause, and its deletion flow runs even while paused; but it does not put back
    C(hypershift.io/aws-oidc-discovery) on a paused cluster. Removing every finalizer first means its deletion flow
    can no longer delete the OIDC discovery documents from S3, which the hosted cluster still uses on its new
    management cluster; a finalizer put back in between is removed once the object is Terminating (no finalizer can be
    added then). It also keeps C(hypershift.openshift.io/component-finalizer) on the CAPI Deployments until that
    flow, so those are removed while the control-plane namespace is deleted.
seealso:
  - module: ocp.day2.hostedcluster_quiesce
"""

EXAMPLES = r"""
- name: Remove the hosted cluster from the source management cluster after the migration was verified
  ocp.day2.hostedcluster_teardown:
    name: example
    namespace: clusters
    kubeconfig: /path/to/source-kubeconfig
    wait_timeout: 600
  register: teardown

- name: Show the plan only
  ocp.day2.hostedcluster_teardown:
    name: example
  check_mode: true
  register: plan

- name: Keep the HostedCluster's namespace (and its Secrets)
  ocp.day2.hostedcluster_teardown:
    name: example
    delete_hc_namespace: never
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
paused:
  description: The HostedCluster and NodePools paused by this call (or, in check mode, that would be).
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "HostedCluster", "namespace": "clusters", "name": "example"}]
scaled:
  description: The workloads scaled to 0 by this call (or that would be), with their replicas before.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "StatefulSet", "namespace": "clusters-example", "name": "etcd", "replicas": 3}]
deleted:
  description: The objects deleted by this call (or that would be), in the order they were deleted.
  returned: always
  type: list
  elements: dict
  sample:
    - {"kind": "NodePool", "namespace": "clusters", "name": "example-us-east-1a"}
    - {"kind": "Machine", "namespace": "clusters-example", "name": "example-us-east-1a-x7k2p"}
    - {"kind": "Namespace", "namespace": null, "name": "clusters-example"}
kept:
  description: What was deliberately not deleted, and why.
  returned: always
  type: list
  elements: dict
  sample:
    - {"kind": "Namespace", "name": "clusters", "reason": "other objects live there: HostedCluster clusters/other"}
plan:
  description: Every step taken (or, in check mode, that would be), in words.
  returned: always
  type: list
  elements: str
  sample:
    - "pause HostedCluster clusters/example (spec.pausedUntil: true)"
    - "scale StatefulSet clusters-example/etcd from 3 to 0"
msg:
  description: Set when nothing of the hosted cluster was found.
  returned: when nothing was left to do and the HostedCluster does not exist
  type: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.teardown import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
