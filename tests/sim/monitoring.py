"""Monitoring dashboards and the metrics set of the HyperShift operator on a simulated management cluster
(seed 001 §7; facts from openshift/hypershift `support/metrics/sets.go` and the HostedCluster controller, 2026-11).

- The MCE hypershift add-on stand-in (a test creates its namespace `local-cluster`): ConfigMap
  `local-cluster/hypershift-operator-install-flags` lists install flags in `installFlagsToAdd` /
  `installFlagsToRemove` (space separated). After `monitoring_seconds` it re-installs the operator:
  `--monitoring-dashboards` added sets env `MONITORING_DASHBOARDS=1` on Deployment `hypershift/operator` (and
  creates the `monitoring-dashboard-template` ConfigMap, key `template`, if missing, as the install does); the flag
  removed (or listed in installFlagsToRemove) drops the variable.
- The operator, while `MONITORING_DASHBOARDS=1`: per HostedCluster, ConfigMap `hc-<namespace>-<name>` in
  `openshift-config-managed` (label `console.openshift.io/dashboard: "true"`, key `hostedcluster-dashboard.json`)
  from the template with __NAME__, __NAMESPACE__, __CONTROL_PLANE_NAMESPACE__, __CLUSTER_ID__ replaced; no template,
  no dashboard. Dashboards of deleted clusters, or all of them when the variable is gone, are removed. (The seed
  names them `cp-<namespace>-<name>`; today's operator uses `hc-`.)
- `METRICS_SET` on the operator is read as the operator does (case-insensitive Telemetry/SRE/All, empty =
  Telemetry); `effective_metrics_set(mgmt, hc)` gives a cluster's set (its `spec.monitoring.metricsSet` first).
"""

import time

from . import resources

R = {k: resources.lookup(None, k) for k in ("ConfigMap", "Deployment", "HostedCluster", "Namespace")}
FLAGS = ("local-cluster", "hypershift-operator-install-flags")
TEMPLATE = ("hypershift", "monitoring-dashboard-template")
DASHBOARDS_NS = "openshift-config-managed"
DEFAULT_TEMPLATE = '{"title": "Hosted cluster __NAMESPACE__/__NAME__", "uid": "__CLUSTER_ID__", "panels": []}'
SETS = ("Telemetry", "SRE", "All")


def _env(dep):
    containers = dep["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value") for e in containers[0].get("env") or []}


def metrics_set(mgmt):
    """The operator-wide metrics set (None: an invalid METRICS_SET, which stops the real operator)."""
    dep = mgmt.store.get(R["Deployment"], "hypershift", "operator")
    value = _env(dep).get("METRICS_SET", "") if dep else ""
    if not value:
        return "Telemetry"
    return next((s for s in SETS if s.lower() == value.lower()), None)


def effective_metrics_set(mgmt, hc):
    return ((hc.get("spec") or {}).get("monitoring") or {}).get("metricsSet") or metrics_set(mgmt)


def reconcile(mgmt):
    store = mgmt.store
    dep = store.get(R["Deployment"], "hypershift", "operator")
    if dep is None:
        return
    _addon(mgmt, store, dep)
    dep = store.get(R["Deployment"], "hypershift", "operator")
    _dashboards(store, _env(dep).get("MONITORING_DASHBOARDS") == "1")


def _addon(mgmt, store, dep):
    cm = store.get(R["ConfigMap"], FLAGS[0], FLAGS[1])
    if cm is None:
        return
    data = cm.get("data") or {}
    flags = set((data.get("installFlagsToAdd") or "").split()) - set((data.get("installFlagsToRemove") or "").split())
    want = "--monitoring-dashboards" in flags
    env = _env(dep)
    if want == (env.get("MONITORING_DASHBOARDS") == "1"):
        mgmt.__dict__.pop("_monitoring_seen", None)
        return
    seen = mgmt.__dict__.setdefault("_monitoring_seen", time.monotonic())
    if time.monotonic() - seen < getattr(mgmt, "monitoring_seconds", 0.5):
        return  # the add-on re-installs the operator after a while ("wait a few minutes", seed 001 §7.2)
    mgmt.__dict__.pop("_monitoring_seen", None)
    container = dep["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [e for e in container.get("env") or [] if e["name"] != "MONITORING_DASHBOARDS"]
    if want:
        container["env"].append({"name": "MONITORING_DASHBOARDS", "value": "1"})
        if store.get(R["ConfigMap"], *TEMPLATE) is None:
            store.create(R["ConfigMap"], {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": TEMPLATE[1], "namespace": TEMPLATE[0]},
                                          "data": {"template": DEFAULT_TEMPLATE}})  # fmt: skip
    store.update(R["Deployment"], dep, "hypershift", "operator", check_rv=False)


def _dashboards(store, enabled):
    wanted = {}
    template = store.get(R["ConfigMap"], *TEMPLATE)
    if enabled and template is not None:
        for hc in store.list(R["HostedCluster"])[0]:
            meta = hc["metadata"]
            if meta.get("deletionTimestamp"):
                continue
            text = (template.get("data") or {}).get("template", "")
            for key, value in (("__CONTROL_PLANE_NAMESPACE__", "%s-%s" % (meta["namespace"], meta["name"])),
                               ("__NAMESPACE__", meta["namespace"]), ("__NAME__", meta["name"]),
                               ("__CLUSTER_ID__", hc["spec"].get("clusterID") or "")):  # fmt: skip
                text = text.replace(key, value)
            wanted["hc-%s-%s" % (meta["namespace"], meta["name"])] = text
    for cm in store.list(R["ConfigMap"], DASHBOARDS_NS)[0]:
        name = cm["metadata"]["name"]
        labelled = (cm["metadata"].get("labels") or {}).get("console.openshift.io/dashboard") == "true"
        if labelled and name.startswith("hc-") and name not in wanted:
            store.delete(R["ConfigMap"], DASHBOARDS_NS, name)
    if wanted and store.get(R["Namespace"], None, DASHBOARDS_NS) is None:  # OpenShift's own namespace
        store.create(R["Namespace"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": DASHBOARDS_NS}})
    for name, text in wanted.items():
        old = store.get(R["ConfigMap"], DASHBOARDS_NS, name)
        if old is not None and (old.get("data") or {}).get("hostedcluster-dashboard.json") == text:
            continue
        store.put({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": name, "namespace": DASHBOARDS_NS,
                                "labels": {"console.openshift.io/dashboard": "true"}},
                   "data": {"hostedcluster-dashboard.json": text}})  # fmt: skip
