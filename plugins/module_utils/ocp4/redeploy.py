# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp4_force_redeploy: force a new revision of a static-pod operand and wait until every node runs it."""

from __future__ import annotations

import datetime
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.k8s import auth_arg_spec, with_retries

API = "operator.openshift.io/v1"
KINDS = ("Etcd", "KubeAPIServer", "KubeControllerManager", "KubeScheduler")
CONDITION = "NodeInstallerProgressing"
DONE = "AllNodesAtLatestRevision"


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        kind={"type": "str", "required": True, "choices": list(KINDS)},
        reason={"type": "str"},
        wait={"type": "bool", "default": True},
        timeout={"type": "int", "default": 1800},
        interval={"type": "float", "default": 10.0},
    )
    return spec


def progress(obj):
    """(latest revision, the NodeInstallerProgressing condition or {}) of an operator object."""
    status = obj.get("status") or {}
    cond = next((c for c in status.get("conditions") or [] if c.get("type") == CONDITION), {})
    return status.get("latestAvailableRevision") or 0, cond


def rolled_out(obj, before):
    """True once a revision newer than `before` exists and every node runs the latest revision."""
    revision, cond = progress(obj)
    nodes = (obj.get("status") or {}).get("nodeStatuses") or []
    return (
        revision > before
        and cond.get("reason") == DONE
        and cond.get("status") != "True"
        and all(n.get("currentRevision") == revision for n in nodes)
    )


def default_reason():
    # `date --rfc-3339=ns` as in the seed: the reason must differ from every earlier one.
    now = datetime.datetime.now(datetime.timezone.utc)
    return "recovery-%s.%09d+00:00" % (now.strftime("%Y-%m-%d %H:%M:%S"), now.microsecond * 1000)


def execute(module):
    p = module.params
    inputs.at_least(p["timeout"], "timeout", 1, " seconds")
    inputs.at_least(p["interval"], "interval", 0.1, " seconds")
    reason = inputs.text(p["reason"], "reason") if p["reason"] is not None else default_reason()
    res = module.resource(API, p["kind"])
    obj = with_retries(res.get, name="cluster").to_dict()
    before, cond = progress(obj)
    result = {"changed": True, "kind": p["kind"], "reason": reason, "revision_before": before}
    if module.check_mode:
        return dict(result, revision=before, condition=cond)
    with_retries(res.patch, name="cluster", body={"spec": {"forceRedeploymentReason": reason}},
                 content_type="application/merge-patch+json")  # fmt: skip
    if not p["wait"]:
        return dict(result, revision=before, condition=cond)
    deadline = time.monotonic() + p["timeout"]
    while True:
        obj = with_retries(res.get, name="cluster").to_dict()
        if rolled_out(obj, before):
            revision, cond = progress(obj)
            return dict(result, revision=revision, condition=cond)
        if time.monotonic() >= deadline:
            revision, cond = progress(obj)
            raise Day2Timeout(
                "%s/cluster did not reach %s within %ds after the forced redeployment (latest revision %d, was %d; %s: "
                "%s %s). Check the %s operator's pods and events, then run again (a new redeployment is forced)."
                % (p["kind"], DONE, p["timeout"], revision, before, CONDITION, cond.get("reason"), cond.get("message"),
                   p["kind"]),
                **dict(result, revision=revision, condition=cond),
            )  # fmt: skip
        time.sleep(p["interval"])
