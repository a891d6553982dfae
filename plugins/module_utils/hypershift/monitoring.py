# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_monitoring: the metrics set and the monitoring dashboards of hosted control planes
(seed 001 §7.1, §7.2) on the management cluster. Checks are in monitoring_checks.py; this file reads, writes and
waits. Every write is recorded in `previous` first, so a caller can put the cluster back (the role's rescue).
"""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import monitoring_checks as checks
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import HYPERSHIFT_API, MERGE_PATCH
from ansible_collections.ocp.day2.plugins.module_utils.k8s import as_dict, auth_arg_spec, get_or_none, with_retries

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check (PyYAML)
    yaml = None

DASHBOARDS_NS = "openshift-config-managed"


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        metrics_set={"type": "str", "choices": list(checks.METRICS_SETS)},
        sre_config={"type": "dict"},
        dashboards={"type": "bool"},
        dashboard_template={"type": "str"},
        hosted_clusters={"type": "list", "elements": "dict"},
        operator_namespace={"type": "str", "default": "hypershift"},
        operator_deployment={"type": "str", "default": "operator"},
        addon_namespace={"type": "str", "default": "local-cluster"},
        previous={"type": "dict"},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 600},
        poll_interval={"type": "float", "default": 5.0},
    )
    return spec


def check_options(p, warnings):
    for option in ("operator_namespace", "addon_namespace"):
        inputs.k8s_name(p[option], option, label=True)
    inputs.k8s_name(p["operator_deployment"], "operator_deployment")
    inputs.at_least(p["wait_timeout"], "wait_timeout", 0, "seconds")
    if p["poll_interval"] <= 0:
        raise Day2Error("poll_interval=%s is out of range: give more than 0 seconds." % p["poll_interval"])
    if p.get("previous") is not None:
        return
    if all(
        p.get(k) is None for k in ("metrics_set", "sre_config", "dashboards", "dashboard_template", "hosted_clusters")
    ):
        raise Day2Error(
            "Nothing to do: give metrics_set, sre_config, dashboards, dashboard_template and/or hosted_clusters."
        )
    if p.get("sre_config") is not None:
        checks.check_sre_config(p["sre_config"])
    if p.get("dashboard_template") is not None:
        checks.check_template(p["dashboard_template"], warnings)
    checks.check_hosted_clusters(p.get("hosted_clusters"))


def _cm_key(ns, name):
    return "%s/%s" % (ns, name)


def execute(module):
    p = module.params
    plan, warnings = [], []
    check_options(p, warnings)
    ops, dep_name = p["operator_namespace"], p["operator_deployment"]
    dep = get_or_none(module, "apps/v1", "Deployment", dep_name, ops)
    if dep is None:
        raise Day2Error(
            "Deployment %s/%s (the HyperShift operator) is not on this cluster; is this the management "
            "cluster? Set operator_namespace/operator_deployment if it is elsewhere." % (ops, dep_name)
        )
    previous = {
        "metrics_set_env": checks.env_value(dep, "METRICS_SET", dep_name),
        "configmaps": {},
        "hosted_clusters": {},
    }
    writes = []  # (description, callable)
    want = p.get("previous") or {}
    restoring = p.get("previous") is not None

    # the operator-wide metrics set (seed: oc set env -n hypershift deployment/operator METRICS_SET=All)
    new_set = want.get("metrics_set_env") if restoring else p.get("metrics_set")
    if (restoring and new_set != previous["metrics_set_env"]) or (
        not restoring and new_set and not checks.same_set(previous["metrics_set_env"], new_set)
    ):
        plan.append("set METRICS_SET=%s on Deployment %s/%s" % (new_set or "(unset)", ops, dep_name))
        writes.append(lambda: _set_env(module, ops, dep_name, "METRICS_SET", new_set))
    sre = get_or_none(module, "v1", "ConfigMap", "sre-metric-set", ops)
    if not restoring and p.get("metrics_set") == "SRE" and p.get("sre_config") is None and sre is None:
        raise Day2Error(
            "metrics_set=SRE needs the relabel configuration in ConfigMap %s/sre-metric-set (key config), "
            "which does not exist: give sre_config (seed 001 §7.1.1). Without it SRE collects every "
            "metric; nothing was changed." % ops
        )

    # ConfigMaps: SRE configuration, install flags (dashboards), dashboard template
    maps = []
    if restoring:
        for key, data in (want.get("configmaps") or {}).items():
            ns, name = key.split("/", 1)
            maps.append((ns, name, data))
    else:
        if p.get("sre_config") is not None:
            maps.append((ops, "sre-metric-set", {"config": yaml.safe_dump(p["sre_config"], sort_keys=False)}))
        if p.get("dashboards") is not None:
            flags = get_or_none(module, "v1", "ConfigMap", "hypershift-operator-install-flags", p["addon_namespace"])
            maps.append(
                (
                    p["addon_namespace"],
                    "hypershift-operator-install-flags",
                    checks.flags_after((flags or {}).get("data"), p["dashboards"]),
                )
            )
        if p.get("dashboard_template") is not None:
            maps.append((ops, "monitoring-dashboard-template", {"template": p["dashboard_template"]}))
    for ns, name, data in maps:
        cur = sre if (ns, name) == (ops, "sre-metric-set") else get_or_none(module, "v1", "ConfigMap", name, ns)
        old = (cur.get("data") or {}) if cur is not None else None
        previous["configmaps"][_cm_key(ns, name)] = old
        if old != data:
            plan.append("%s ConfigMap %s/%s" % ("remove" if data is None else "write", ns, name))
            writes.append(lambda ns=ns, name=name, data=data, cur=cur: _put_cm(module, ns, name, data, cur))

    # per-cluster settings in spec.monitoring
    entries = (
        []
        if not restoring
        else [
            dict(zip(("namespace", "name"), k.split("/", 1)), monitoring=v)
            for k, v in (want.get("hosted_clusters") or {}).items()
        ]
    )
    if not restoring:
        entries = [
            dict(e, namespace=e.get("namespace", "clusters"), monitoring=checks.wanted_monitoring(e))
            for e in p.get("hosted_clusters") or []
        ]
    for e in entries:
        hc = get_or_none(module, HYPERSHIFT_API, "HostedCluster", e["name"], e["namespace"])
        if hc is None:
            raise Day2Error("HostedCluster %s/%s does not exist; nothing was changed." % (e["namespace"], e["name"]))
        cur = (hc.get("spec") or {}).get("monitoring")
        previous["hosted_clusters"][_cm_key(e["namespace"], e["name"])] = cur
        merged = e["monitoring"] if restoring else dict(cur or {}, **e["monitoring"])
        if (cur or None) != (merged or None):
            plan.append("set spec.monitoring of HostedCluster %s/%s to %s" % (e["namespace"], e["name"], merged))
            writes.append(lambda e=e, merged=merged: _patch_hc(module, e, merged))

    for text in warnings:
        module.warn(text)
    result = {"changed": bool(writes), "plan": plan, "previous": previous, "warnings_given": warnings}
    if module.check_mode or not writes and restoring:
        return result
    done = 0
    try:
        for write in writes:
            write()
            done += 1
        if p["wait"] and not restoring:
            result.update(wait_settled(module, p, ops, dep_name))
    except Day2Error as exc:
        exc.result.update(result)
        raise
    return result


def _set_env(module, ns, name, var, value):
    dep = get_or_none(module, "apps/v1", "Deployment", name, ns)
    body = {
        "metadata": {"resourceVersion": dep["metadata"]["resourceVersion"]},
        "spec": {"template": {"spec": {"containers": checks.containers_with_env(dep, var, value, name)}}},
    }
    with_retries(
        module.resource("apps/v1", "Deployment").patch, body=body, name=name, namespace=ns, content_type=MERGE_PATCH
    )


def _put_cm(module, ns, name, data, cur):
    res = module.resource("v1", "ConfigMap")
    if data is None:
        with_retries(res.delete, name=name, namespace=ns)
    elif cur is None:
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}
        with_retries(res.create, body=body, namespace=ns)
    else:
        body = {
            "metadata": {"resourceVersion": cur["metadata"]["resourceVersion"]},
            "data": merge_body(cur.get("data") or {}, data),
        }
        with_retries(res.patch, body=body, name=name, namespace=ns, content_type=MERGE_PATCH)


def merge_body(old, new):
    """A JSON merge patch turning `old` into `new` (keys gone from new are set to null)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    body = {k: None for k in old if k not in new}
    for key, value in new.items():
        body[key] = merge_body(old.get(key), value) if key in old else value
    return body


def _patch_hc(module, entry, monitoring):
    res = module.resource(HYPERSHIFT_API, "HostedCluster")
    hc = get_or_none(module, HYPERSHIFT_API, "HostedCluster", entry["name"], entry["namespace"])
    old = (hc.get("spec") or {}).get("monitoring")
    body = {
        "metadata": {"resourceVersion": hc["metadata"]["resourceVersion"]},
        "spec": {"monitoring": merge_body(old or {}, monitoring) if monitoring else None},
    }
    with_retries(res.patch, body=body, name=entry["name"], namespace=entry["namespace"], content_type=MERGE_PATCH)


def wait_settled(module, p, ops, dep_name):
    """With dashboards asked for (or off): until the operator has MONITORING_DASHBOARDS as asked and the dashboard
    ConfigMap of every hosted cluster exists (or is gone). Returns {"dashboards": [names]}."""
    if p.get("dashboards") is None:
        return {}
    deadline = time.monotonic() + p["wait_timeout"]
    while True:
        dep = get_or_none(module, "apps/v1", "Deployment", dep_name, ops)
        env_on = checks.env_value(dep, "MONITORING_DASHBOARDS", dep_name) == "1"
        hcs = as_dict(with_retries(module.resource(HYPERSHIFT_API, "HostedCluster").get)).get("items") or []
        found = sorted(
            cm["metadata"]["name"]
            for cm in as_dict(
                with_retries(
                    module.resource("v1", "ConfigMap").get,
                    namespace=DASHBOARDS_NS,
                    label_selector="console.openshift.io/dashboard=true",
                )
            ).get("items")
            or []
            if cm["metadata"]["name"].startswith(("hc-", "cp-"))
        )
        missing = [
            "%s/%s" % (h["metadata"]["namespace"], h["metadata"]["name"])
            for h in hcs
            if not any(
                n in found
                for n in (
                    "hc-%s-%s" % (h["metadata"]["namespace"], h["metadata"]["name"]),
                    "cp-%s-%s" % (h["metadata"]["namespace"], h["metadata"]["name"]),
                )
            )
        ]
        if p["dashboards"] and env_on and not missing:
            return {"dashboards": found}
        if not p["dashboards"] and not env_on and not found:
            return {"dashboards": []}
        if time.monotonic() >= deadline:
            raise Day2Timeout(
                "The monitoring dashboards were not %s within %ds: MONITORING_DASHBOARDS on %s/%s is %s; dashboards "
                "in %s: %s%s. The MCE hypershift add-on re-installs the operator from the install flags; check it."
                % (
                    "enabled" if p["dashboards"] else "disabled",
                    p["wait_timeout"],
                    ops,
                    dep_name,
                    "1" if env_on else "unset",
                    DASHBOARDS_NS,
                    found or "none",
                    "; missing for %s" % missing if p["dashboards"] and missing else "",
                )
            )
        time.sleep(min(p["poll_interval"], max(0.0, deadline - time.monotonic())))
