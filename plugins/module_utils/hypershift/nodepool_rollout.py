# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_nodepool_config: write the ConfigMaps, reference them from the NodePools, wait for the
rollout (UpdatingConfig back to False); remove them; or put back what an earlier call returned as `previous`."""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import pauses
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import nodepool_config as npc
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.nodepool_wait import (
    cond_status,
    fresh,
    patch_pool,
    wait_pools,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    MERGE_PATCH,
    check_cluster_names,
    get_hostedcluster,
    list_nodepools,
    select_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, auth_arg_spec, with_retries

CURRENT_CONFIG = "hypershift.openshift.io/nodePoolCurrentConfig"
FIELDS = ("config", "tuningConfig")


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        nodepools={"type": "list", "elements": "str", "default": ["all"]},
        machine_configs={"type": "list", "elements": "dict", "default": []},
        tuned={"type": "list", "elements": "dict", "default": []},
        state={"type": "str", "choices": ["present", "absent", "restored"], "default": "present"},
        previous={"type": "dict"},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 1800},
        settle_timeout={"type": "int", "default": 60},
        poll_interval={"type": "float", "default": 5.0},
    )
    return spec


def check_options(params):
    check_cluster_names(params)
    inputs.at_least(params["wait_timeout"], "wait_timeout", 0, "seconds")
    inputs.at_least(params["settle_timeout"], "settle_timeout", 0, "seconds")
    if params["poll_interval"] <= 0:
        raise Day2Error("poll_interval=%r must be more than 0 seconds." % params["poll_interval"])
    if params["state"] == "restored":
        prev = params.get("previous")
        if (
            not isinstance(prev, dict)
            or not isinstance(prev.get("configmaps", {}), dict)
            or not isinstance(prev.get("nodepools", {}), dict)
        ):
            raise Day2Error("state=restored needs previous: the `previous` an earlier call of this module returned.")
        if params["machine_configs"] or params["tuned"]:
            raise Day2Error("machine_configs and tuned are not used with state=restored (previous says everything).")
        return []
    if params.get("previous") is not None:
        raise Day2Error("previous is only used with state=restored.")
    return npc.desired(params, full=params["state"] == "present")


class Rollout:
    def __init__(self, module):
        self.module, self.params = module, module.params
        self.ns, self.name = self.params["namespace"], self.params["name"]
        self.cm_res = module.resource("v1", "ConfigMap")
        self.plan, self.cm_changes, self.pool_changes = [], {}, {}
        self.previous = {"configmaps": {}, "nodepools": {}}

    def get_cm(self, name):
        try:
            found = with_retries(self.cm_res.get, name=name, namespace=self.ns)
        except NotFoundError:
            return None
        return found.to_dict() if hasattr(found, "to_dict") else dict(found)

    def ours(self, cm):
        return ((cm.get("metadata") or {}).get("labels") or {}).get(npc.OWNER_LABEL) == self.name

    def want_cm(self, name, data):
        """Plan the ConfigMap `name` to hold data (None: to be deleted, only when it is ours)."""
        cur = self.get_cm(name)
        if cur is not None and not self.ours(cur):
            if data is None:
                return
            raise Day2Error(
                "ConfigMap %s/%s exists and was not written by this module for HostedCluster %s (no label %s=%s); "
                "rename the object or delete that ConfigMap first." % (self.ns, name, self.name, npc.OWNER_LABEL,
                                                                       self.name)
            )  # fmt: skip
        before = None if cur is None else (cur.get("data") or {})
        if before == data:
            return
        self.previous["configmaps"][name] = before
        self.cm_changes[name] = data
        self.plan.append(
            "%s ConfigMap %s/%s" % ("delete" if data is None else "write" if cur else "create", self.ns, name)
        )

    def want_refs(self, pool, field, refs):
        cur = [r for r in (pool.get("spec") or {}).get(field) or [] if isinstance(r, dict)]
        if [r.get("name") for r in cur] == [r.get("name") for r in refs]:
            return
        name = pool["metadata"]["name"]
        npc.check_limit(name, field, refs)
        self.previous["nodepools"].setdefault(name, {f: (pool.get("spec") or {}).get(f) or [] for f in FIELDS})
        self.pool_changes.setdefault(name, (pool, {}))[1][field] = refs or None
        self.plan.append("set spec.%s of NodePool %s/%s to %s" % (field, self.ns, name, [r["name"] for r in refs]))

    # -- apply ---------------------------------------------------------------------------------------
    def write_cms(self, deletes):
        for name, data in self.cm_changes.items():
            if (data is None) != deletes:
                continue
            if data is None:
                try:
                    with_retries(self.cm_res.delete, name=name, namespace=self.ns)
                except NotFoundError:
                    pass
            elif self.get_cm(name) is None:
                meta = {"name": name, "namespace": self.ns, "labels": {npc.OWNER_LABEL: self.name}}
                body = {"apiVersion": "v1", "kind": "ConfigMap", "data": data, "metadata": meta}
                with_retries(self.cm_res.create, body=body, namespace=self.ns)
            else:
                body = {"metadata": {"labels": {npc.OWNER_LABEL: self.name}}, "data": dict(data)}
                cur = self.get_cm(name).get("data") or {}
                body["data"].update({k: None for k in cur if k not in data})
                with_retries(self.cm_res.patch, body=body, name=name, namespace=self.ns, content_type=MERGE_PATCH)

    def apply(self):
        self.write_cms(deletes=False)
        for pool, spec in self.pool_changes.values():
            patch_pool(self.module, pool, spec=spec)
        self.write_cms(deletes=True)

    # -- wait ----------------------------------------------------------------------------------------
    def affected(self, pools):
        changed = {n for n, d in self.cm_changes.items() if d is not None}
        names = set(self.pool_changes)
        for pool in pools:
            refs = {r.get("name") for f in FIELDS for r in (pool.get("spec") or {}).get(f) or [] if isinstance(r, dict)}
            if refs & changed:
                names.add(pool["metadata"]["name"])
        return sorted(names)

    def wait(self, names, before):
        p = self.params

        def invalid(pool):
            for ctype in ("ValidMachineConfig", "ValidTuningConfig"):
                status, message = cond_status(pool, ctype)
                if status == "False" and fresh(pool, ctype):
                    raise Day2Error(
                        "NodePool %s/%s reports %s=False: %s. Fix the object and run again, or remove it with "
                        "state=absent." % (self.ns, pool["metadata"]["name"], ctype, message),
                        previous=self.previous,
                    )

        def started(pool):
            invalid(pool)
            status, _msg = cond_status(pool, "UpdatingConfig")
            current = (pool["metadata"].get("annotations") or {}).get(CURRENT_CONFIG)
            if status == "True" or current != before.get(pool["metadata"]["name"]):
                return None
            return "UpdatingConfig not True yet"

        def finished(pool):
            invalid(pool)
            status, message = cond_status(pool, "UpdatingConfig")
            if status == "False" and fresh(pool, "UpdatingConfig"):
                return None
            return "UpdatingConfig=%s%s" % (status, " (%s)" % message if message else "")

        noticed = []
        deadline = time.monotonic() + p["settle_timeout"]
        for name in names:  # the controller may need a moment to notice; a change that renders the same is fine
            try:
                wait_pools(self.module, self.ns, [name], started, max(0.0, deadline - time.monotonic()),
                           p["poll_interval"], "the rollout to start")  # fmt: skip
                noticed.append(name)
            except Day2Error as exc:
                if "previous" in exc.result:
                    raise
        wait_pools(self.module, self.ns, names, finished, p["wait_timeout"], p["poll_interval"],
                   "UpdatingConfig=False on NodePool(s) %s" % ", ".join(names))  # fmt: skip
        return noticed


def execute(module):
    params = module.params
    objs = check_options(params)
    ro = Rollout(module)
    get_hostedcluster(module, ro.name, ro.ns)
    state = params["state"]
    if state == "restored":
        for name, data in params["previous"].get("configmaps", {}).items():
            inputs.k8s_name(name, "previous.configmaps")
            ro.want_cm(name, data)
        by_name = {p["metadata"]["name"]: p for p in list_nodepools(module, ro.ns, ro.name)}
        for name, fields in params["previous"].get("nodepools", {}).items():
            if name in by_name:
                for field in FIELDS:
                    ro.want_refs(by_name[name], field, list((fields or {}).get(field) or []))
    else:
        pools = select_nodepools(module, ro.ns, ro.name, params["nodepools"])
        if not pools:
            raise Day2Error("HostedCluster %s/%s has no NodePool to configure." % (ro.ns, ro.name))
        if state == "present":
            for kind, cm, obj in objs:
                ro.want_cm(cm, npc.render(ro.ns, ro.name, kind, cm, obj)["data"])
        for field in FIELDS:
            names = [cm for kind, cm, _o in objs if npc.KINDS[kind][2] == field]
            for pool in pools:
                ro.want_refs(
                    pool, field, npc.refs_after((pool.get("spec") or {}).get(field), names, state == "present")
                )
        if state == "absent":
            picked = {p["metadata"]["name"] for p in pools}
            others = [p for p in list_nodepools(module, ro.ns, ro.name) if p["metadata"]["name"] not in picked]
            still = {r.get("name") for p in others for f in FIELDS for r in (p.get("spec") or {}).get(f) or []}
            for _kind, cm, _obj in objs:
                if cm not in still:
                    ro.want_cm(cm, None)
    all_pools = list_nodepools(module, ro.ns, ro.name)
    affected = ro.affected(all_pools)
    paused = [p["metadata"]["name"] for p in all_pools
              if p["metadata"]["name"] in affected and pauses((p.get("spec") or {}).get("pausedUntil"))]  # fmt: skip
    if paused and params["wait"] and not module.check_mode:
        raise Day2Error(
            "NodePool(s) %s are paused (spec.pausedUntil): HyperShift would not roll the change out and the wait would "
            "time out. Resume them first (ocp.day2.hostedcluster_pause state=resumed); nothing was changed."
            % ", ".join(paused)
        )
    before = {p["metadata"]["name"]: (p["metadata"].get("annotations") or {}).get(CURRENT_CONFIG) for p in all_pools}
    noticed = []
    if not module.check_mode and ro.plan:
        try:
            ro.apply()
            if params["wait"] and affected:
                noticed = ro.wait(affected, before)
        except Day2Error as exc:  # what to put back goes with every failure after the first write
            exc.result.setdefault("previous", ro.previous)
            exc.result.setdefault("plan", ro.plan)
            raise
    result = {
        "changed": bool(ro.plan),
        "plan": ro.plan,
        "previous": ro.previous,
        "nodepools": affected,
        "rolled_out": noticed,
        "configmaps": sorted(ro.cm_changes),
    }
    if module._diff:
        result["diff"] = {
            "before": {"configmaps": ro.previous["configmaps"], "nodepools": ro.previous["nodepools"]},
            "after": {
                "configmaps": ro.cm_changes,
                "nodepools": {n: {f: s.get(f, ro.previous["nodepools"][n][f]) for f in FIELDS}
                              for n, (_p, s) in ro.pool_changes.items()},
            },
        }  # fmt: skip
    return result
