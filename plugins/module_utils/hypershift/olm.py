# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_operator: an OLM operator on a hosted cluster (seed 000 §3.5, 001 §4.3) - the
OperatorGroup and Subscription of the seed, the Manual InstallPlan approved only when it installs the expected CSV,
and a wait until the CSV is Succeeded. The decisions are in olm_checks.py; this file talks to the API.
"""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import olm_checks as checks
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import MERGE_PATCH
from ansible_collections.ocp.day2.plugins.module_utils.k8s import as_dict, auth_arg_spec, get_or_none, with_retries

V1ALPHA1 = "operators.coreos.com/v1alpha1"
V1 = "operators.coreos.com/v1"
PACKAGES = "packages.operators.coreos.com/v1"


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        namespace={"type": "str", "required": True},
        package={"type": "str", "required": True},
        channel={"type": "str"},
        source={"type": "str", "default": "redhat-operators"},
        source_namespace={"type": "str", "default": "openshift-marketplace"},
        subscription_name={"type": "str"},
        operator_group_name={"type": "str"},
        target_namespaces={"type": "list", "elements": "str"},
        install_plan_approval={"type": "str", "default": "Automatic", "choices": ["Automatic", "Manual"]},
        approve={"type": "bool", "default": True},
        expected_csv={"type": "str"},
        starting_csv={"type": "str"},
        config={"type": "dict"},
        check_catalog={"type": "bool", "default": True},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 600},
        poll_interval={"type": "float", "default": 2.0},
    )
    return spec


CONFIG_KEYS = ("selector", "nodeSelector", "tolerations", "resources", "envFrom", "env", "volumes", "volumeMounts",
               "affinity", "annotations")  # fmt: skip


def check_options(p):
    """Refuse malformed options before the API is contacted."""
    inputs.k8s_name(p["namespace"], "namespace", label=True, example="openshift-sriov-network-operator")
    inputs.k8s_name(p["package"], "package", example="sriov-network-operator")
    inputs.k8s_name(p["source"], "source", example="redhat-operators")
    inputs.k8s_name(p["source_namespace"], "source_namespace", label=True, example="openshift-marketplace")
    for option in ("subscription_name", "operator_group_name", "expected_csv", "starting_csv"):
        if p.get(option) is not None:
            inputs.k8s_name(p[option], option)
    if p.get("channel") is not None:
        inputs.text(p["channel"], "channel", "stable")
    if p.get("target_namespaces"):
        inputs.k8s_names(p["target_namespaces"], "target_namespaces", label=True)
    unknown = sorted(set(p.get("config") or {}) - set(CONFIG_KEYS))
    if unknown:
        raise Day2Error("config has %s, which a Subscription's spec.config does not take (it takes %s)."
                        % (", ".join(unknown), ", ".join(CONFIG_KEYS)))  # fmt: skip
    inputs.at_least(p["wait_timeout"], "wait_timeout", 0, "seconds")
    if p["poll_interval"] <= 0:
        raise Day2Error("poll_interval=%s is out of range: give more than 0 seconds." % p["poll_interval"])
    if p.get("expected_csv") and p["install_plan_approval"] == "Automatic":
        raise Day2Error(
            "expected_csv is checked before approving a Manual InstallPlan; with Automatic approval OLM installs "
            "without asking. Set install_plan_approval=Manual or leave expected_csv out."
        )


def _list(module, api, kind, ns, selector=None):
    kwargs = {"namespace": ns}
    if selector:
        kwargs["label_selector"] = selector
    return as_dict(with_retries(module.resource(api, kind).get, **kwargs)).get("items") or []


def _ref(kind, api, name, ns):
    return {"kind": kind, "api_version": api, "name": name, "namespace": ns}


def catalog_head(module, params, mode, warnings):
    """(channel, head CSV) of the package in its catalog, refusing what OLM would refuse; (None, None) unchecked."""
    if not params["check_catalog"]:
        return params.get("channel"), params.get("expected_csv")
    try:
        selector = "catalog=" + params["source"]
        manifests = _list(module, PACKAGES, "PackageManifest", params["source_namespace"], selector)
    except Day2Error:
        warnings.append("The hosted cluster serves no PackageManifest API; the catalog was not checked first.")
        return params.get("channel"), params.get("expected_csv")
    pm = checks.pick_package(manifests, params["package"], params["source"])
    channel, head, modes = checks.pick_channel(pm, params.get("channel"))
    targets = params["target_namespaces"]
    checks.check_mode_supported(modes, mode, head, params["namespace"], targets)
    return channel, params.get("expected_csv") or head


def execute(module):
    p = module.params
    check_options(p)
    ns, package = p["namespace"], p["package"]
    sub_name = p.get("subscription_name") or package
    og_name = p.get("operator_group_name") or ns
    targets = [ns] if p.get("target_namespaces") is None else p["target_namespaces"]
    p["target_namespaces"] = targets
    plan, warnings, created = [], [], []
    result = {"changed": False, "plan": plan, "created": created, "warnings_given": warnings}

    groups = _list(module, V1, "OperatorGroup", ns)
    if len(groups) > 1:
        listed = ", ".join(g["metadata"]["name"] for g in groups)
        raise Day2Error(
            "Namespace %s has %d OperatorGroups (%s); OLM fails every CSV there with TooManyOperatorGroups. "
            "Keep one; nothing was changed." % (ns, len(groups), listed)
        )
    og_body = None
    if groups:
        og = groups[0]
        mode = checks.install_mode(ns, checks.og_targets(og))
        result["operator_group"] = og["metadata"]["name"]
        found = checks.og_targets(og)
        if found != [t for t in targets if t]:
            warnings.append(
                "OperatorGroup %s already in %s targets %s, not %s; it is kept (one per namespace)."
                % (og["metadata"]["name"], ns, found or "all namespaces", targets)
            )
    else:
        mode = checks.install_mode(ns, targets)
        og_body = {"apiVersion": V1, "kind": "OperatorGroup", "metadata": {"name": og_name, "namespace": ns},
                   "spec": {"targetNamespaces": targets} if [t for t in targets if t] else {}}  # fmt: skip
        result["operator_group"] = og_name
        plan.append("create OperatorGroup %s/%s targeting %s" % (ns, og_name, targets or "all namespaces"))
    channel, expected = catalog_head(module, p, mode, warnings)
    result["expected_csv"] = expected

    wanted = checks.wanted_subscription_spec(p)
    sub = get_or_none(module, V1ALPHA1, "Subscription", sub_name, ns)
    if sub is None:
        plan.append("create Subscription %s/%s (package %s, channel %s, source %s/%s, approval %s)"
                    % (ns, sub_name, package, channel or "default", p["source_namespace"], p["source"],
                       p["install_plan_approval"]))  # fmt: skip
    else:
        changes = checks.spec_changes(sub.get("spec"), wanted)
        if changes:
            plan.append("update Subscription %s/%s: %s" % (ns, sub_name, ", ".join(changes)))
    if module._diff:
        result["diff"] = {"before": {"subscription": (sub or {}).get("spec")}, "after": {"subscription": wanted}}
    result["changed"] = bool(plan)
    if module.check_mode:
        return _finish(module, result)

    try:
        if og_body is not None:
            with_retries(module.resource(V1, "OperatorGroup").create, body=og_body, namespace=ns)
            created.append(_ref("OperatorGroup", V1, og_name, ns))
        if sub is None:
            body = {"apiVersion": V1ALPHA1, "kind": "Subscription", "metadata": {"name": sub_name, "namespace": ns},
                    "spec": wanted}  # fmt: skip
            sub = as_dict(with_retries(module.resource(V1ALPHA1, "Subscription").create, body=body, namespace=ns))
            created.append(_ref("Subscription", V1ALPHA1, sub_name, ns))
        elif checks.spec_changes(sub.get("spec"), wanted):
            res = module.resource(V1ALPHA1, "Subscription")
            body = {"spec": wanted}
            sub = as_dict(with_retries(res.patch, body=body, name=sub_name, namespace=ns, content_type=MERGE_PATCH))
        if p["wait"]:
            wait_installed(module, result, ns, sub_name, expected, p)
    except Day2Error as exc:
        exc.result.update({k: v for k, v in result.items() if k not in exc.result})
        raise
    return _finish(module, result)


def _finish(module, result):
    for text in result["warnings_given"]:
        module.warn(text)
    return result


def wait_installed(module, result, ns, sub_name, expected, p):
    """Approve the expected Manual InstallPlan, then wait for the CSV: Succeeded returns, Failed raises."""
    deadline = time.monotonic() + p["wait_timeout"]
    sub = ip = csv = None
    while True:
        sub = get_or_none(module, V1ALPHA1, "Subscription", sub_name, ns)
        if sub is None:
            raise Day2Error("Subscription %s/%s disappeared while waiting." % (ns, sub_name))
        st = sub.get("status") or {}
        failure = checks.sub_failure(sub)
        if failure:
            raise Day2Error(failure + ". Fix the Subscription (package, channel, source) and run again.")
        ref = st.get("installPlanRef") or st.get("installplan") or {}
        ip = get_or_none(module, V1ALPHA1, "InstallPlan", ref["name"], ns) if ref.get("name") else None
        if ip is not None:
            result["install_plan"] = {
                "name": ip["metadata"]["name"],
                "csvs": ip["spec"].get("clusterServiceVersionNames"),
                "approval": ip["spec"].get("approval"),
                "phase": (ip.get("status") or {}).get("phase"),
                "approved_by_this_run": (result.get("install_plan") or {}).get("approved_by_this_run", False),
            }
            action = checks.approval_decision(ip, expected, p["approve"])
            if action == "approve":
                res = module.resource(V1ALPHA1, "InstallPlan")
                with_retries(res.patch, body={"spec": {"approved": True}}, name=ip["metadata"]["name"], namespace=ns,
                             content_type=MERGE_PATCH)  # fmt: skip
                result["changed"] = True
                result["install_plan"]["approved_by_this_run"] = True
                result["plan"].append("approve InstallPlan %s (%s)" % (ip["metadata"]["name"], expected))
            elif action == "pending":
                result["warnings_given"].append("InstallPlan %s waits for approval (approve=false); the CSV is not "
                                                "installed yet." % ip["metadata"]["name"])  # fmt: skip
                return
        name = st.get("installedCSV") or st.get("currentCSV")
        csv = get_or_none(module, V1ALPHA1, "ClusterServiceVersion", name, ns) if name else None
        if csv is not None:
            phase, reason, message = checks.csv_state(csv)
            result["csv"] = {"name": name, "phase": phase, "reason": reason, "message": message,
                             "version": (csv.get("spec") or {}).get("version")}  # fmt: skip
            failure = checks.csv_failure(csv)
            if failure:
                raise Day2Error(failure + ". See `oc describe csv %s -n %s` on the hosted cluster." % (name, ns))
            if phase == "Succeeded":
                result["pods"] = [{"name": x["metadata"]["name"], "phase": (x.get("status") or {}).get("phase")}
                                  for x in _list(module, "v1", "Pod", ns)]  # fmt: skip
                return
        if time.monotonic() >= deadline:
            raise Day2Timeout("The operator %s in %s was not installed within %ds: %s."
                              % (p["package"], ns, p["wait_timeout"], checks.describe(sub, ip, csv)))  # fmt: skip
        time.sleep(min(p["poll_interval"], max(0.0, deadline - time.monotonic())))
