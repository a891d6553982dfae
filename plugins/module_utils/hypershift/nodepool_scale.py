# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_nodepool_scale: the data plane to zero and back (seed 001 §9.3).

Each NodePool's size (spec.replicas, or spec.autoScaling - the API refuses both at once) and nodeDrainTimeout are
recorded as JSON in the annotation ocp.day2/scale-record on the NodePool itself, in the same write that sets
replicas to 0, so a run interrupted at any point leaves what is needed to scale back. A record is never
overwritten; state=restored writes back what it says and removes it in one write.

nodeDrainTimeout is a Go duration (metav1.Duration); 0 means the drain may block for ever (a PodDisruptionBudget
can keep the last node), so a scale-down sets one above 0 first, as the seed's verification step asks.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import pauses
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.nodepool_wait import (
    cond_status,
    patch_pool,
    wait_pools,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    check_cluster_names,
    get_hostedcluster,
    hcp_namespace,
    select_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import ResourceNotFoundError, auth_arg_spec, with_retries

RECORD = "ocp.day2/scale-record"
FIELDS = ("replicas", "autoScaling", "nodeDrainTimeout")
_DURATION = re.compile(r"^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text):
    """Seconds of a Go duration ("90s", "1h30m", "0"), or None when Go's time.ParseDuration would refuse it."""
    if not isinstance(text, str) or not _DURATION.match(text):
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * sum(float(n) * _UNIT[u] for n, u in _PART.findall(text))


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        nodepools={"type": "list", "elements": "str", "default": ["all"]},
        state={"type": "str", "choices": ["zero", "restored"], "default": "zero"},
        drain_timeout={"type": "str", "default": "5m"},
        restore_drain_timeout={"type": "bool", "default": False},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 1800},
        poll_interval={"type": "float", "default": 5.0},
    )
    return spec


def check_options(params):
    check_cluster_names(params)
    inputs.at_least(params["wait_timeout"], "wait_timeout", 0, "seconds")
    if params["poll_interval"] <= 0:
        raise Day2Error("poll_interval=%r must be more than 0 seconds." % params["poll_interval"])
    seconds = go_duration(params["drain_timeout"])
    if seconds is None or seconds <= 0:
        raise Day2Error(
            "drain_timeout=%r must be a Go duration above 0, such as 5m, 90s or 1h30m (0 lets a drain block for "
            "ever)." % params["drain_timeout"]
        )


def read_record(pool):
    meta = pool["metadata"]
    text = (meta.get("annotations") or {}).get(RECORD)
    if text is None:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or not set(record) >= {"replicas", "autoScaling"}:
        raise Day2Error(
            "The annotation %s on NodePool %s/%s is not a scale record (%r). Set spec.replicas or spec.autoScaling "
            "by hand, then remove it (`oc annotate nodepool -n %s %s %s-`)."
            % (RECORD, meta["namespace"], meta["name"], text, meta["namespace"], meta["name"], RECORD)
        )
    return record


def size_of(values):
    return {k: values.get(k) for k in FIELDS}


def plan_zero(pool, drain_timeout):
    """(spec patch, annotations patch) to scale one NodePool to 0; empty dicts when it already is."""
    spec = pool.get("spec") or {}
    annotations = {}
    if read_record(pool) is None:
        annotations[RECORD] = json.dumps(size_of(spec), sort_keys=True)
    patch = {}
    drain = spec.get("nodeDrainTimeout")
    if (go_duration(drain) or 0) <= 0:
        patch["nodeDrainTimeout"] = drain_timeout
    if spec.get("replicas") != 0:
        patch["replicas"] = 0
    if spec.get("autoScaling") is not None:
        patch["autoScaling"] = None
    return patch, annotations


def plan_restore(pool, restore_drain):
    record = read_record(pool)
    if record is None:
        return None, None
    spec = pool.get("spec") or {}
    patch = {k: record.get(k) for k in ("replicas", "autoScaling") if spec.get(k) != record.get(k)}
    if restore_drain and spec.get("nodeDrainTimeout") != record.get("nodeDrainTimeout"):
        patch["nodeDrainTimeout"] = record.get("nodeDrainTimeout")
    return patch, {RECORD: None}


def wanted_nodes(values):
    if values.get("replicas") is not None:
        return values["replicas"]
    return ((values.get("autoScaling") or {}).get("min")) or 0


class Machines:
    """Cluster API Machines of a NodePool in the control-plane namespace (None when CAPI is not served)."""

    def __init__(self, module, hcp_ns):
        self.hcp_ns = hcp_ns
        try:
            self.res = with_retries(module.client.resources.get, api_version="cluster.x-k8s.io/v1beta1", kind="Machine")
        except ResourceNotFoundError:
            self.res = None

    def count(self, pool_name):
        if self.res is None:
            return 0
        found = with_retries(
            self.res.get, namespace=self.hcp_ns, label_selector="hypershift.openshift.io/nodePool=%s" % pool_name
        )
        found = found.to_dict() if hasattr(found, "to_dict") else dict(found)
        return len(found.get("items") or [])


def execute(module):
    params = module.params
    check_options(params)
    ns, name, state = params["namespace"], params["name"], params["state"]
    get_hostedcluster(module, name, ns)
    pools = select_nodepools(module, ns, name, params["nodepools"])
    plan, changes, skipped, before, after = [], [], [], {}, {}
    for pool in pools:
        pname = pool["metadata"]["name"]
        if state == "zero":
            patch, annotations = plan_zero(pool, params["drain_timeout"])
        else:
            patch, annotations = plan_restore(pool, params["restore_drain_timeout"])
            if patch is None:
                skipped.append(pname)
                continue
        if not patch and not annotations:
            continue
        paused = (pool.get("spec") or {}).get("pausedUntil")
        if patch and pauses(paused):
            raise Day2Error(
                "NodePool %s/%s is paused (spec.pausedUntil=%s): HyperShift would not act on the change. Resume it "
                "first (ocp.day2.hostedcluster_pause state=resumed), then run again; nothing was changed."
                % (ns, pname, paused)
            )
        spec = pool.get("spec") or {}
        before[pname] = dict(size_of(spec), record=(pool["metadata"].get("annotations") or {}).get(RECORD))
        after[pname] = dict(size_of(dict(spec, **patch)), record=annotations.get(RECORD, before[pname]["record"]))
        changes.append((pool, patch, annotations))
        words = ", ".join("%s=%s" % (k, json.dumps(v)) for k, v in sorted(patch.items())) or "nothing in spec"
        if state == "zero":
            note = "; record %s" % annotations[RECORD] if annotations else ""
        else:
            note = "; remove the record"
        plan.append("NodePool %s/%s: set %s%s" % (ns, pname, words, note))
    recorded = []  # NodePools whose record this call wrote: what a rescue may scale back
    if not module.check_mode:
        try:
            for pool, patch, annotations in changes:
                patch_pool(module, pool, spec=patch or None, annotations=annotations or None)
                if annotations.get(RECORD):
                    recorded.append(pool["metadata"]["name"])
            if params["wait"]:
                wait_for_size(module, params, [p for p in pools if p["metadata"]["name"] not in skipped], after)
        except Day2Error as exc:
            exc.result.setdefault("recorded", recorded)
            raise
    result = {"changed": bool(changes), "plan": plan, "nodepools": sorted(before), "not_recorded": skipped,
              "recorded": recorded}  # fmt: skip
    if state == "restored" and skipped:
        result["msg"] = "No scale record on NodePool(s) %s: left as they are." % ", ".join(skipped)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def wait_for_size(module, params, pools, after):
    machines = Machines(module, hcp_namespace(params["namespace"], params["name"]))
    zero = params["state"] == "zero"

    def pending(pool):
        pname = pool["metadata"]["name"]
        spec = pool.get("spec") or {}
        want = 0 if zero else wanted_nodes(after.get(pname) or spec)
        have = (pool.get("status") or {}).get("replicas") or 0
        if zero:
            left = machines.count(pname)
            return None if have == 0 and left == 0 else "%d node(s), %d Machine(s) left" % (have, left)
        ready, message = cond_status(pool, "Ready")
        if have >= want and ready != "False":
            return None
        return "%d of %d node(s)%s" % (have, want, "; Ready=False: %s" % message if ready == "False" else "")

    names = [p["metadata"]["name"] for p in pools]
    if names:
        goal = "NodePool(s) %s to reach %s" % (", ".join(names), "0 nodes" if zero else "their recorded size")
        wait_pools(module, params["namespace"], names, pending, params["wait_timeout"], params["poll_interval"], goal)
