# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the hostedcluster_upgrade_plan and hostedcluster_upgrade modules do against the API.

Every step decides from the cluster itself what is left: spec.release.image of the HostedCluster and of each
NodePool says what was started, status.version and the conditions say what finished, and the gate annotation
says the upgrade passed its backup gate. So a re-run after a failure continues where the cluster is.
"""

from __future__ import annotations

import re
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_duration
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import upgrade_gate as gate
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    MERGE_PATCH,
    check_cluster_names,
    condition,
    get_hostedcluster,
    list_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.upgrade import (
    FORCE_ANNOTATION,
    make_plan,
    summary,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, auth_arg_spec, with_retries

POLL_SLEEP = 1.0
GO_DURATION = re.compile(r"^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$")
CP_CONDITIONS = ("ClusterVersionReleaseAccepted", "ValidReleaseImage", "Available", "ClusterVersionProgressing")


def plan_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        target_version={"type": "str"},
        target_image={"type": "str"},
        accept_risks={"type": "list", "elements": "str", "default": []},
        channel={"type": "str"},
        nodepools={"type": "list", "elements": "str", "default": ["all"]},
        batch_size={"type": "int", "default": 0},
        control_plane_only={"type": "bool", "default": False},
        force={"type": "bool", "default": False},
    )
    return spec


def upgrade_spec():
    spec = plan_spec()
    spec.update(
        step={"type": "str", "required": True, "choices": ["channel", "control_plane", "nodepools"]},
        action={"type": "str", "default": "start", "choices": ["start", "wait"]},
        backup_manifest={"type": "dict"},
        backup_verified={"type": "bool", "default": False},
        backup_max_age={"type": "str", "default": "24h"},
        node_drain_timeout={"type": "str"},
        wait_timeout={"type": "int", "default": 60},
        timeout_at={"type": "float"},
    )
    return spec


MUTUALLY_EXCLUSIVE = [("target_version", "target_image")]
REQUIRED_ONE_OF = [("target_version", "target_image")]


def check_options(params):
    check_cluster_names(params)
    if params.get("target_version") is not None:
        inputs.text(params["target_version"], "target_version", "4.14.9")
        if not re.match(r"^\d+\.\d+\.\d+", params["target_version"]):
            raise Day2Error("target_version=%r is not a version x.y.z (for example 4.14.9)." % params["target_version"])
    if params.get("target_image") is not None:
        inputs.text(params["target_image"], "target_image", "quay.io/openshift-release-dev/ocp-release:4.14.9-x86_64")
    if params.get("channel") is not None:
        inputs.text(params["channel"], "channel", "stable-4.15")
    for risk in params.get("accept_risks") or []:
        inputs.text(risk, "accept_risks", "SRIOVFailedToConfigureVF")
    if (params.get("batch_size") or 0) < 0:
        raise Day2Error(
            "batch_size=%d is negative: give 0 (all selected NodePools at once) or more." % params["batch_size"]
        )
    if params.get("node_drain_timeout") is not None and not GO_DURATION.match(params["node_drain_timeout"]):
        raise Day2Error(
            "node_drain_timeout=%r is not a duration as NodePools take it (for example 60s, 10m, 1h30m; 0 "
            "means no limit)." % params["node_drain_timeout"]
        )
    if params.get("backup_max_age") is not None:
        params["backup_max_age_seconds"] = parse_duration(params["backup_max_age"])
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 0:
        raise Day2Error("wait_timeout=%d is negative." % params["wait_timeout"])


def _supported_versions(module):
    resource = module.resource("v1", "ConfigMap")
    try:
        obj = with_retries(resource.get, name="supported-versions", namespace="hypershift")
    except NotFoundError:
        return None
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def read_plan(module):
    p = module.params
    hc = get_hostedcluster(module, p["name"], p["namespace"])
    pools = list_nodepools(module, p["namespace"], p["name"])
    names = {np["metadata"]["name"] for np in pools}
    missing = [n for n in p["nodepools"] if n != "all" and n not in names]
    if missing:
        raise Day2Error(
            "NodePool(s) %s not found for HostedCluster %s/%s (its NodePools: %s). Nothing was changed."
            % (", ".join(missing), p["namespace"], p["name"], ", ".join(sorted(names)) or "none")
        )
    plan, refusals = make_plan(hc, pools, _supported_versions(module), p)
    return hc, pools, plan, refusals


def refuse(plan, refusals):
    raise Day2Error(
        "Upgrade of %s to %s refused (nothing was changed): %s"
        % (
            plan["cluster"],
            plan["target"].get("version") or plan["wanted"],
            " ".join("(%d) %s" % (i, r) for i, r in enumerate(refusals, 1)),
        ),
        plan=plan,
    )


def execute_plan(module):
    check_options(module.params)
    _hc, _pools, plan, refusals = read_plan(module)
    if refusals:
        refuse(plan, refusals)
    return {"changed": False, "plan": plan, "summary": summary(plan)}


def _patch(module, kind, name, body):
    resource = module.resource(HYPERSHIFT_API, kind)
    with_retries(resource.patch, body=body, name=name, namespace=module.params["namespace"], content_type=MERGE_PATCH)


def _gate(module, plan):
    """The gate record to write now (a fresh one after checking the backup), or None when already gated."""
    if not plan["gate"]["needed"]:
        return None
    p = module.params
    gate.require_backup(
        p.get("backup_manifest"),
        p["namespace"],
        p["name"],
        plan["gate"]["backup_release"],
        p["backup_max_age_seconds"],
        p["backup_verified"],
    )
    return gate.new_record(plan, p["backup_manifest"])


def start_channel(module, hc):
    wanted = module.params.get("channel")
    current = (hc.get("spec") or {}).get("channel")
    if not wanted or wanted == current:
        return {"changed": False, "channel": current}
    if not module.check_mode:
        _patch(module, "HostedCluster", module.params["name"], {"spec": {"channel": wanted}})
        deadline = time.monotonic() + module.params["wait_timeout"]
        while time.monotonic() < deadline:  # until HyperShift has looked at the new channel's updates
            hc = get_hostedcluster(module, module.params["name"], module.params["namespace"])
            ver = (hc.get("status") or {}).get("version") or {}
            if ver.get("observedGeneration", 0) >= hc["metadata"].get("generation", 0):
                break
            time.sleep(POLL_SLEEP)
    return {"changed": True, "channel": wanted, "diff": {"before": {"channel": current}, "after": {"channel": wanted}}}


def start_control_plane(module, hc, plan):
    if plan["control_plane"] != "pending":
        return {"changed": False, "control_plane": plan["control_plane"]}
    p = module.params
    record = _gate(module, plan)
    annotations = dict(gate.record_patch(record)) if record else {}
    current_force = ((hc.get("metadata") or {}).get("annotations") or {}).get(FORCE_ANNOTATION)
    if p["force"]:
        annotations[FORCE_ANNOTATION] = plan["target"]["image"]
    elif current_force is not None and current_force != plan["target"]["image"]:
        annotations[FORCE_ANNOTATION] = None  # a stale force for another release would block this one
    spec = {"release": {"image": plan["target"]["image"]}}
    if p.get("channel") and p["channel"] != plan["channel"]["current"]:
        spec["channel"] = p["channel"]
    body = {"metadata": {"annotations": annotations}, "spec": spec} if annotations else {"spec": spec}
    if not module.check_mode:
        _patch(module, "HostedCluster", p["name"], body)
    before = {
        "release": {"image": (hc["spec"].get("release") or {}).get("image")},
        "channel": hc["spec"].get("channel"),
    }
    return {
        "changed": True,
        "control_plane": "started",
        "patch": body,
        "gate": record,
        "diff": {"before": before, "after": spec},
    }


def start_nodepools(module, plan):
    if plan["control_plane"] != "done":
        raise Day2Error(
            "The control plane of %s is not at %s yet (%s): NodePools follow only once it is; run the "
            "control-plane step first." % (plan["cluster"], plan["target"]["version"], plan["control_plane"])
        )
    p = module.params
    todo = [r for r in plan["nodepools"] if r["state"] == "pending"]
    if not todo:
        return {"changed": False, "nodepools": []}
    record = _gate(module, plan)
    if record and not module.check_mode:
        _patch(module, "HostedCluster", p["name"], {"metadata": {"annotations": gate.record_patch(record)}})
    spec = {"release": {"image": plan["target"]["image"]}}
    if p.get("node_drain_timeout") is not None:
        spec["nodeDrainTimeout"] = p["node_drain_timeout"]
    for row in todo:
        if not module.check_mode:
            _patch(module, "NodePool", row["name"], {"spec": spec})
    return {
        "changed": True,
        "nodepools": [r["name"] for r in todo],
        "gate": record,
        "diff": {"before": {r["name"]: r["image"] for r in todo}, "after": {r["name"]: spec for r in todo}},
    }


def _cond_text(obj, cond_type):
    cond = condition(obj, cond_type)
    if cond is None:
        return "%s=(none)" % cond_type
    text = "%s=%s" % (cond_type, cond.get("status"))
    if cond.get("status") != "True" and (cond.get("reason") or cond.get("message")):
        text += " (%s: %s)" % (cond.get("reason"), (cond.get("message") or "")[:200])
    return text


def _cp_state(hc, target):
    history = ((hc.get("status") or {}).get("version") or {}).get("history") or []
    head = history[0] if history else {}
    holds = []
    if (hc["spec"].get("release") or {}).get("image") != target["image"]:
        holds.append("spec.release.image is %s" % hc["spec"].get("release", {}).get("image"))
    desired = ((hc.get("status") or {}).get("version") or {}).get("desired") or {}
    if desired.get("image") != target["image"]:
        holds.append("status.version.desired is %s" % (desired.get("version") or desired.get("image") or "-"))
    if head.get("image") != target["image"] or head.get("state") != "Completed":
        holds.append("status.version.history[0] is %s %s" % (head.get("version") or "-", head.get("state") or "-"))
    for ctype in ("ClusterVersionReleaseAccepted", "ValidReleaseImage", "Available"):
        cond = condition(hc, ctype)
        if cond is None or cond.get("status") != "True":
            holds.append(_cond_text(hc, ctype))
    refused = condition(hc, "ValidReleaseImage")
    fatal = None
    seen = refused.get("observedGeneration") if refused else None
    current = seen is None or seen >= hc["metadata"].get("generation", 0)
    if refused is not None and refused.get("status") == "False" and current:
        fatal = "HyperShift refuses the release: %s" % _cond_text(hc, "ValidReleaseImage")
    progress = "%s; %s" % (
        ", ".join(_cond_text(hc, c) for c in CP_CONDITIONS),
        "history[0] %s %s" % (head.get("version") or "-", head.get("state") or "-"),
    )
    return holds, fatal, progress


def _pool_state(np, target):
    status = np.get("status") or {}
    holds = []
    if (np["spec"].get("release") or {}).get("image") != target["image"]:
        holds.append("spec.release.image is %s" % np["spec"].get("release", {}).get("image"))
    if status.get("version") != target["version"]:
        holds.append("status.version is %s" % (status.get("version") or "-"))
    updating = condition(np, "UpdatingVersion")
    if updating is None or updating.get("status") != "False":
        holds.append(_cond_text(np, "UpdatingVersion"))
    fatal = None
    for ctype in ("SupportedVersionSkew", "ValidReleaseImage"):
        cond = condition(np, ctype)
        if cond is not None and cond.get("status") == "False":
            fatal = "NodePool %s: %s" % (np["metadata"]["name"], _cond_text(np, ctype))
    return (
        holds,
        fatal,
        "%s: version %s, %s"
        % (np["metadata"]["name"], status.get("version") or "-", _cond_text(np, "UpdatingVersion")),
    )


def wait(module, plan, step):
    """Wait up to wait_timeout for the step; returns done and progress, fails after timeout_at naming what held it."""
    p = module.params
    target = plan["target"]
    started = time.monotonic()
    names = [n for batch in plan["batches"] for n in batch] if step == "nodepools" else []
    while True:
        if step == "control_plane":
            hc = get_hostedcluster(module, p["name"], p["namespace"])
            holds, fatal, progress = _cp_state(hc, target)
            holds = ["HostedCluster %s: %s" % (plan["cluster"], "; ".join(holds))] if holds else []
        else:
            pools = {np["metadata"]["name"]: np for np in list_nodepools(module, p["namespace"], p["name"])}
            holds, fatal, lines = [], None, []
            for name in names:
                one_holds, one_fatal, line = (
                    _pool_state(pools[name], target) if name in pools else (["gone"], None, name)
                )
                lines.append(line)
                fatal = fatal or one_fatal
                if one_holds:
                    holds.append("NodePool %s: %s" % (name, "; ".join(one_holds)))
            progress = "; ".join(lines)
        if fatal:
            raise Day2Error("%s. Waiting cannot help: fix the cause, then run again." % fatal, progress=progress)
        if not holds:
            return {
                "changed": False,
                "done": True,
                "progress": progress,
                "msg": "%s at %s: %s" % (step, target["version"], progress),
            }
        if p.get("timeout_at") is not None and time.time() >= p["timeout_at"]:
            raise Day2Timeout(
                "Timed out waiting for the %s to reach %s; what held it: %s. The upgrade goes on in "
                "HyperShift: check `oc get hostedcluster,nodepool -n %s`, then run again to continue."
                % (step.replace("_", " "), target["version"], " | ".join(holds), p["namespace"]),
                progress=progress,
                holds=holds,
            )
        if time.monotonic() - started >= p["wait_timeout"]:
            return {
                "changed": False,
                "done": False,
                "progress": progress,
                "holds": holds,
                "msg": "%s -> %s still going: %s" % (step, target["version"], progress),
            }
        time.sleep(POLL_SLEEP)


def execute_upgrade(module):
    check_options(module.params)
    p = module.params
    hc, _pools, plan, refusals = read_plan(module)
    if p["action"] == "wait":
        if p["step"] == "channel":
            raise Day2Error("step=channel has no wait action; its start already waits for the new channel's updates.")
        result = wait(module, plan, p["step"])
    elif p["step"] == "channel":
        result = start_channel(module, hc)
    else:
        if refusals:
            refuse(plan, refusals)
        result = (
            start_control_plane(module, hc, plan) if p["step"] == "control_plane" else start_nodepools(module, plan)
        )
    result["plan"] = plan
    if not module._diff:
        result.pop("diff", None)
    return result
