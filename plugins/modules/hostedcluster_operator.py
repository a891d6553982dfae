#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_operator
short_description: Install an OLM operator on a hosted cluster and wait until its CSV is Succeeded
version_added: 0.5.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Seed 000 §3.5 and 001 §4.3 (the SR-IOV Network Operator) for any operator of an OLM catalog, against the
    hosted cluster's own API (give its admin kubeconfig; the role M(ocp.day2.hostedcluster_operator) reads it from
    the management cluster).
  - First checks the catalog through C(packages.operators.coreos.com/v1) PackageManifests - the package is in
    catalog O(source), the channel exists (the default channel when none is given) and its head CSV supports the
    install mode the OperatorGroup asks for. Refuses two OperatorGroups in the namespace (OLM would fail the CSV
    with TooManyOperatorGroups); an existing single OperatorGroup is kept.
  - Creates the OperatorGroup (when the namespace has none) and the Subscription (C(spec.name), C(channel),
    C(source), C(sourceNamespace), C(installPlanApproval), C(startingCSV), C(config)), or updates the Subscription's
    spec when it differs. The namespace itself must exist (the role creates it).
  - With C(installPlanApproval=Manual) the InstallPlan is approved only when it installs exactly O(expected_csv)
    (default the channel's head CSV); another plan is refused and left unapproved. O(approve=false) leaves it for
    the admin.
  - Waits until the CSV is C(Succeeded). A Subscription condition C(ResolutionFailed), C(CatalogSourcesUnhealthy),
    C(InstallPlanFailed) or C(InstallPlanMissing), or a CSV in phase C(Failed), fails at once with its reason and
    message; a timeout fails with where the install stands.
  - On a failure the result still has C(created), the objects this call created, so that a caller can remove them
    (the role does).
options:
  namespace:
    description: Namespace of the operator on the hosted cluster (C(openshift-sriov-network-operator) in the seed).
    type: str
    required: true
  package:
    description: Package name in the catalog (C(spec.name) of the Subscription).
    type: str
    required: true
  channel:
    description: Channel; omitted uses the package's default channel.
    type: str
  source:
    description: CatalogSource name.
    type: str
    default: redhat-operators
  source_namespace:
    description: Namespace of the CatalogSource.
    type: str
    default: openshift-marketplace
  subscription_name:
    description: Name of the Subscription; default the package name.
    type: str
  operator_group_name:
    description: Name of the OperatorGroup created when the namespace has none; default the namespace name.
    type: str
  target_namespaces:
    description: Namespaces the OperatorGroup targets; default the operator's own namespace; V([]) all namespaces.
    type: list
    elements: str
  install_plan_approval:
    description: C(spec.installPlanApproval) of the Subscription.
    type: str
    default: Automatic
    choices: [Automatic, Manual]
  approve:
    description: With Manual approval, approve the InstallPlan when it installs O(expected_csv).
    type: bool
    default: true
  expected_csv:
    description: The CSV name a Manual InstallPlan must install to be approved; default the channel's head CSV.
    type: str
  starting_csv:
    description: C(spec.startingCSV) of the Subscription.
    type: str
  config:
    description: C(spec.config) of the Subscription (for example C(nodeSelector)).
    type: dict
  check_catalog:
    description: Check package, channel and install mode against the PackageManifests first.
    type: bool
    default: true
  wait:
    description: Wait until the CSV is Succeeded.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two reads while waiting.
    type: float
    default: 2.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
attributes:
  check_mode:
    support: full
    description: Checks the catalog and the namespace, returns the plan and changes nothing.
  diff_mode:
    support: full
    description: The Subscription's spec before and after.
seealso:
  - module: ocp.day2.hostedcluster_configuration
"""

EXAMPLES = r"""
- name: SR-IOV Network Operator on the hosted cluster (seed 001 §4.3)
  ocp.day2.hostedcluster_operator:
    kubeconfig: /secure/example-admin-kubeconfig
    namespace: openshift-sriov-network-operator
    operator_group_name: sriov-network-operators
    subscription_name: sriov-network-operator-subsription
    package: sriov-network-operator
    channel: stable
    source: redhat-operators
    config:
      nodeSelector:
        node-role.kubernetes.io/worker: ""

- name: Same, with manual approval of exactly this CSV
  ocp.day2.hostedcluster_operator:
    kubeconfig: /secure/example-admin-kubeconfig
    namespace: openshift-sriov-network-operator
    package: sriov-network-operator
    channel: stable
    install_plan_approval: Manual
    expected_csv: sriov-network-operator.v4.14.0-202211021237
"""

RETURN = r"""
plan:
  description: The changes made (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
created:
  description: The objects this call created (kind, api_version, name, namespace), also on a failure.
  returned: always
  type: list
  elements: dict
operator_group:
  description: Name of the OperatorGroup used (found or created).
  returned: always
  type: str
expected_csv:
  description: The CSV the channel's head names (or O(expected_csv)); null when the catalog was not checked.
  returned: always
  type: str
install_plan:
  description: The InstallPlan - name, csvs, approval, phase, approved_by_this_run.
  returned: when the Subscription has one
  type: dict
csv:
  description: The ClusterServiceVersion - name, phase, reason, message, version.
  returned: when it exists
  type: dict
  sample: {"name": "sriov-network-operator.v4.14.0-202211021237", "phase": "Succeeded", "reason": "InstallSucceeded"}
pods:
  description: Name and phase of each pod in the namespace once the CSV is Succeeded (the seed's last check).
  returned: on success
  type: list
  elements: dict
warnings_given:
  description: The warnings of this call.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.olm import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
