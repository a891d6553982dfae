#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_monitoring
short_description: Set the metrics set and the monitoring dashboards of HyperShift hosted control planes
version_added: 0.5.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Seed 001 §7 on the management cluster. O(metrics_set) sets C(METRICS_SET) on the HyperShift operator's
    Deployment (C(oc set env -n hypershift deployment/operator METRICS_SET=All) in the seed); V(SRE) needs the
    relabel configuration of O(sre_config) (or an existing ConfigMap C(sre-metric-set)), since an SRE set without
    it relabels nothing and collects every metric.
  - O(sre_config) is checked (the operator's components - etcd, kubeAPIServer, ... hostedClusterConfigOperator -
    each with a list of RelabelConfig whose action is known, regex compiles, sourceLabels are label names, and
    hashmod/keepequal/... have what they need) and written as ConfigMap C(sre-metric-set), key C(config).
  - O(dashboards) adds (or removes) C(--monitoring-dashboards) in C(installFlagsToAdd) of ConfigMap
    C(hypershift-operator-install-flags) in O(addon_namespace), keeping the other flags; then waits until the MCE
    add-on has re-installed the operator with C(MONITORING_DASHBOARDS=1) (or without it) and every HostedCluster has
    its dashboard ConfigMap in C(openshift-config-managed) (C(hc-<namespace>-<name>) today; the seed's
    C(cp-<namespace>-<name>) is accepted too), or none is left.
  - O(dashboard_template) (Grafana JSON with __NAME__, __NAMESPACE__, __CONTROL_PLANE_NAMESPACE__, __CLUSTER_ID__)
    is written to ConfigMap C(monitoring-dashboard-template), key C(template) (seed 001 §7.2.1).
  - O(hosted_clusters) sets C(spec.monitoring) of single HostedClusters - C(metricsSet), which overrides the
    operator's set, and C(metricsForwarding.mode) Forward or None (the current API; the seed predates it).
  - Every value found is returned in C(previous) before anything is written; O(previous) writes those values back
    (what the role's rescue does).
options:
  metrics_set:
    description: The operator-wide metrics set; omitted leaves it.
    type: str
    choices: [Telemetry, SRE, All]
  sre_config:
    description: The SRE set's relabel configuration, component to list of RelabelConfig (seed 001 §7.1.1).
    type: dict
  dashboards:
    description: Enable (V(true)) or disable (V(false)) the monitoring dashboards; omitted leaves them.
    type: bool
  dashboard_template:
    description: The dashboard template, Grafana dashboard JSON as a string.
    type: str
  hosted_clusters:
    description:
      - Per HostedCluster C(name), C(namespace) (default clusters), C(metrics_set), C(metrics_forwarding)
        (Forward or None) and C(forwarding_metrics_set) (with Forward only).
    type: list
    elements: dict
  operator_namespace:
    description: Namespace of the HyperShift operator.
    type: str
    default: hypershift
  operator_deployment:
    description: Name of the operator's Deployment (and of its container).
    type: str
    default: operator
  addon_namespace:
    description: Namespace of the C(hypershift-operator-install-flags) ConfigMap (the MCE's local cluster).
    type: str
    default: local-cluster
  previous:
    description: A C(previous) result of this module; writes those values back and nothing else.
    type: dict
  wait:
    description: Wait until the dashboards are as asked.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two reads while waiting.
    type: float
    default: 5.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML
attributes:
  check_mode:
    support: full
    description: Checks everything, returns the plan and the values found, changes nothing.
  diff_mode:
    support: none
    description: No diff; C(plan) names every change and C(previous) holds every value it replaces.
seealso:
  - module: ocp.day2.hostedcluster_configuration
"""

EXAMPLES = r"""
- name: Collect all metrics (seed 001 §7.1)
  ocp.day2.hostedcluster_monitoring:
    metrics_set: All

- name: The SRE set with its relabel configuration, and the dashboards on
  ocp.day2.hostedcluster_monitoring:
    metrics_set: SRE
    sre_config:
      kubeAPIServer:
        - action: drop
          regex: "etcd_(debugging|disk|server).*"
          sourceLabels: [__name__]
    dashboards: true

- name: Forward the control plane's metrics into one hosted cluster
  ocp.day2.hostedcluster_monitoring:
    hosted_clusters:
      - name: example
        metrics_forwarding: Forward
"""

RETURN = r"""
plan:
  description: The changes made (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
previous:
  description: The values found before any write - metrics_set_env, configmaps (namespace/name to data or null),
    hosted_clusters (namespace/name to spec.monitoring or null). Give it back as O(previous) to undo.
  returned: always
  type: dict
dashboards:
  description: The dashboard ConfigMaps in openshift-config-managed once the dashboards are as asked.
  returned: when O(dashboards) is given and the wait ended
  type: list
  elements: str
warnings_given:
  description: The warnings of this call.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.monitoring import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
