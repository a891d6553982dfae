# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of ocp.day2.hostedcluster_monitoring (seed 001 §7): the metrics set, the SRE metrics set's relabel
configuration, the dashboard template and the install flags.

Facts (openshift/hypershift support/metrics/sets.go, the HostedCluster API and controller; prometheus-operator
RelabelConfig; read 2026-11), in our words: the operator reads METRICS_SET case-insensitively (Telemetry, SRE, All;
empty is Telemetry); with SRE it reads ConfigMap `sre-metric-set`, key `config`, a YAML map of component to a list
of RelabelConfig (an empty or missing map relabels nothing, so SRE then collects everything); a HostedCluster's
`spec.monitoring.metricsSet` overrides the operator's set and `metricsForwarding.mode` is Forward or None; the
dashboard template (ConfigMap `monitoring-dashboard-template`, key `template`) has __NAME__, __NAMESPACE__,
__CONTROL_PLANE_NAMESPACE__ and __CLUSTER_ID__ replaced per cluster.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

METRICS_SETS = ("Telemetry", "SRE", "All")
FORWARDING_MODES = ("Forward", "None")
COMPONENTS = (
    "etcd",
    "kubeAPIServer",
    "kubeControllerManager",
    "openshiftAPIServer",
    "openshiftControllerManager",
    "openshiftRouteControllerManager",
    "cvo",
    "olm",
    "catalogOperator",
    "registryOperator",
    "kubeScheduler",
    "kubeSchedulerResourceMetrics",
    "nodeTuningOperator",
    "controlPlaneOperator",
    "hostedClusterConfigOperator",
)
RELABEL_KEYS = ("sourceLabels", "separator", "targetLabel", "regex", "modulus", "replacement", "action")
ACTIONS = (
    "replace",
    "keep",
    "drop",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
    "keepequal",
    "dropequal",
)
NEEDS_TARGET = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
PLACEHOLDERS = ("__NAME__", "__NAMESPACE__", "__CONTROL_PLANE_NAMESPACE__", "__CLUSTER_ID__")
DASHBOARD_FLAG = "--monitoring-dashboards"


def check_relabel(component, index, rc):
    where = "sre_config.%s[%d]" % (component, index)
    if not isinstance(rc, dict):
        raise Day2Error("%s is not a mapping: give a RelabelConfig (action, regex, sourceLabels, ...)." % where)
    unknown = sorted(set(rc) - set(RELABEL_KEYS))
    if unknown:
        raise Day2Error(
            "%s has %s; a RelabelConfig takes %s (camelCase, as in the seed)."
            % (where, ", ".join(unknown), ", ".join(RELABEL_KEYS))
        )
    action = str(rc.get("action", "replace")).lower()
    if action not in ACTIONS:
        raise Day2Error("%s: action %r is not one of %s." % (where, rc.get("action"), ", ".join(ACTIONS)))
    labels = rc.get("sourceLabels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) and LABEL.match(x) for x in labels):
        raise Day2Error("%s: sourceLabels must be a list of label names such as __name__ or le." % where)
    if action in ("keep", "drop") and not labels:
        raise Day2Error("%s: action %s needs sourceLabels (e.g. [__name__])." % (where, action))
    if action in NEEDS_TARGET and action != "replace" and not rc.get("targetLabel"):
        raise Day2Error("%s: action %s needs targetLabel." % (where, action))
    if action == "hashmod" and not rc.get("modulus"):
        raise Day2Error("%s: action hashmod needs modulus." % where)
    if "regex" in rc:
        try:
            re.compile(str(rc["regex"]))
        except re.error as exc:
            raise Day2Error("%s: regex %r does not compile: %s." % (where, rc["regex"], exc)) from exc


def check_sre_config(config):
    if not isinstance(config, dict) or not config:
        raise Day2Error(
            "sre_config is empty: give a map of component to RelabelConfig list (seed 001 §7.1.1); an "
            "empty SRE configuration relabels nothing, so the SRE set would collect every metric."
        )
    for component, relabels in config.items():
        if component not in COMPONENTS:
            raise Day2Error("sre_config has component %r; the operator knows %s." % (component, ", ".join(COMPONENTS)))
        if not isinstance(relabels, list):
            raise Day2Error("sre_config.%s must be a list of RelabelConfig." % component)
        for index, rc in enumerate(relabels):
            check_relabel(component, index, rc)


def check_template(text, warnings):
    try:
        json.loads(text)
    except (TypeError, ValueError) as exc:
        raise Day2Error("dashboard_template is not JSON (a Grafana dashboard): %s." % exc) from exc
    if not any(p in text for p in PLACEHOLDERS):
        warnings.append(
            "dashboard_template uses none of %s: every hosted cluster's dashboard will be the same."
            % ", ".join(PLACEHOLDERS)
        )


def check_hosted_clusters(entries):
    for index, entry in enumerate(entries or []):
        where = "hosted_clusters[%d]" % index
        if not isinstance(entry, dict):
            raise Day2Error("%s is not a mapping with name, namespace, metrics_set, metrics_forwarding." % where)
        unknown = sorted(
            set(entry) - {"name", "namespace", "metrics_set", "metrics_forwarding", "forwarding_metrics_set"}
        )
        if unknown:
            raise Day2Error(
                "%s has %s; it takes name, namespace, metrics_set, metrics_forwarding, "
                "forwarding_metrics_set." % (where, ", ".join(unknown))
            )
        inputs.k8s_name(entry.get("name"), where + ".name")
        inputs.k8s_name(entry.get("namespace", "clusters"), where + ".namespace", label=True)
        for key, allowed in (
            ("metrics_set", METRICS_SETS),
            ("forwarding_metrics_set", METRICS_SETS),
            ("metrics_forwarding", FORWARDING_MODES),
        ):
            if entry.get(key) is not None and entry[key] not in allowed:
                raise Day2Error("%s.%s=%r is not one of %s." % (where, key, entry[key], ", ".join(allowed)))
        if entry.get("forwarding_metrics_set") and entry.get("metrics_forwarding") != "Forward":
            raise Day2Error("%s: forwarding_metrics_set goes with metrics_forwarding=Forward." % where)
        if not any(entry.get(k) for k in ("metrics_set", "metrics_forwarding")):
            raise Day2Error("%s sets nothing: give metrics_set and/or metrics_forwarding." % where)


def wanted_monitoring(entry):
    """The HostedCluster's spec.monitoring for an entry of hosted_clusters."""
    out = {}
    if entry.get("metrics_set"):
        out["metricsSet"] = entry["metrics_set"]
    if entry.get("metrics_forwarding"):
        out["metricsForwarding"] = {"mode": entry["metrics_forwarding"]}
        if entry.get("forwarding_metrics_set"):
            out["metricsForwarding"]["metricsSet"] = entry["forwarding_metrics_set"]
    return out


def flags_after(data, enabled):
    """The install-flags ConfigMap's data with the dashboards flag added or removed (other flags kept)."""
    data = dict(data or {})
    add = [f for f in (data.get("installFlagsToAdd") or "").split() if f != DASHBOARD_FLAG]
    remove = [f for f in (data.get("installFlagsToRemove") or "").split() if f != DASHBOARD_FLAG]
    if enabled:
        add.append(DASHBOARD_FLAG)
    data["installFlagsToAdd"] = " ".join(add)
    data["installFlagsToRemove"] = " ".join(remove)
    return data


def env_value(deployment, name, container=None):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    target = next((c for c in containers if c["name"] == container), containers[0])
    return next((e.get("value") for e in target.get("env") or [] if e["name"] == name), None)


def containers_with_env(deployment, name, value, container=None):
    """The Deployment's containers with env `name` set to value (None removes it) on the operator container."""
    containers = [dict(c) for c in deployment["spec"]["template"]["spec"]["containers"]]
    target = next((c for c in containers if c["name"] == container), containers[0])
    env = [e for e in target.get("env") or [] if e["name"] != name]
    if value is not None:
        env.append({"name": name, "value": value})
    target["env"] = env
    return containers


def same_set(current, wanted):
    """METRICS_SET as the operator reads it: case-insensitive, empty = Telemetry."""
    return (current or "Telemetry").lower() == (wanted or "Telemetry").lower()
