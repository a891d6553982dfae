# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_teardown: remove a hosted cluster from ONE management cluster, cloud untouched.

pause HC and NodePools -> scale every Deployment/StatefulSet of <ns>-<name> to 0, wait until no pod runs ->
strip finalizers and delete NodePools, Machines, MachineSets, MachineDeployments, Clusters, AWSMachines,
AWSMachineTemplates, AWSClusters, the HostedControlPlane -> namespace <ns>-<name> -> the HostedCluster ->
namespace <ns> when nothing else lives there. Every step reads what is there first, so a re-run continues.
"""

from __future__ import annotations

import json
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import INDEFINITE, pauses
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    MERGE_PATCH,
    hcp_namespace,
    patch_paused_until,
)
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.workloads import scale_one, workload_key
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    NotFoundError,
    ResourceNotFoundError,
    Urllib3HTTPError,
    api_error_text,
    auth_arg_spec,
    connection_error_text,
    with_retries,
)

CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
# Deletion order inside the control-plane namespace (seeds 000 §4.2.5, AWS objects after the CAPI ones).
HCP_KINDS = (
    (CAPI, "Machine"),
    (CAPI, "MachineSet"),
    (CAPI, "MachineDeployment"),
    (CAPI, "Cluster"),
    (INFRA, "AWSMachine"),
    (INFRA, "AWSMachineTemplate"),
    (INFRA, "AWSCluster"),
    (HYPERSHIFT_API, "HostedControlPlane"),
)
# What may live in the HostedCluster's namespace; anything of these kinds not belonging to the HC keeps it.
HC_NS_KINDS = (
    (HYPERSHIFT_API, "HostedCluster"),
    (HYPERSHIFT_API, "NodePool"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
)
# Created in every namespace by Kubernetes / OpenShift themselves.
DEFAULT_SERVICE_ACCOUNTS = ("default", "builder", "deployer")
DEFAULT_CONFIGMAPS = ("kube-root-ca.crt", "openshift-service-ca.crt")
SA_SECRET_TYPES = ("kubernetes.io/service-account-token", "kubernetes.io/dockercfg")
PROTECTED_NAMESPACES = ("default", "hypershift", "local-cluster", "multicluster-engine")
RECORD = "ocp.day2/teardown"
POLL_SLEEP = 1.0


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        wait_timeout={"type": "int", "default": 300},
        delete_hc_namespace={"type": "str", "choices": ["if_empty", "never"], "default": "if_empty"},
    )
    return spec


def check_options(params):
    """Day2Error before any request for a name, namespace or timeout the API would refuse or we cannot use."""
    inputs.k8s_name(params["name"], "name", label=True)
    inputs.k8s_name(params["namespace"], "namespace", label=True, example="clusters")
    if len(hcp_namespace(params["namespace"], params["name"])) > 63:
        raise Day2Error(
            "The control-plane namespace %s would be longer than 63 characters; no HostedCluster can have it. "
            "Check name and namespace." % hcp_namespace(params["namespace"], params["name"])
        )
    inputs.at_least(params["wait_timeout"], "wait_timeout", 0, "seconds")


def _dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def ref(obj):
    meta = obj["metadata"]
    return {"kind": obj.get("kind"), "namespace": meta.get("namespace"), "name": meta["name"]}


def ref_text(item):
    where = "%s/%s" % (item["namespace"], item["name"]) if item.get("namespace") else item["name"]
    return "%s %s" % (item["kind"], where)


def referenced_names(value, found=None):
    """Every name of a {name: ...} object reference (LocalObjectReference, SecretKeySelector...) in a spec."""
    found = set() if found is None else found
    if isinstance(value, dict):
        if isinstance(value.get("name"), str) and len(value) <= 2:
            found.add(value["name"])
        for item in value.values():
            referenced_names(item, found)
    elif isinstance(value, list):
        for item in value:
            referenced_names(item, found)
    return found


class Teardown:
    def __init__(self, module):
        self.module = module
        params = module.params
        self.name, self.ns = params["name"], params["namespace"]
        self.hcp_ns = hcp_namespace(self.ns, self.name)
        self.timeout = params["wait_timeout"]
        self.check = module.check_mode
        self.deleted, self.kept, self.scaled, self.paused, self.plan = [], [], [], [], []
        self._res = {}
        self.recorded = False

    # -- API access: transient errors retried, other errors named with what we were doing ------------------
    def res(self, api_version, kind):
        key = (api_version, kind)
        if key not in self._res:
            try:
                self._res[key] = with_retries(self.module.client.resources.get, api_version=api_version, kind=kind)
            except ResourceNotFoundError:
                self._res[key] = None  # not served here: nothing of that kind to remove
        return self._res[key]

    def call(self, what, func, *args, **kwargs):
        """func(*args, **kwargs) with transient errors retried; None when not found; other errors named."""
        return self.guard(what, with_retries, func, *args, **kwargs)

    def guard(self, what, func, *args, **kwargs):
        """func(*args, **kwargs) (retrying by itself, as the shared helpers do); None when not found, else named."""
        try:
            return func(*args, **kwargs)
        except NotFoundError:
            return None
        except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
            if isinstance(exc, DynamicApiError):
                text = "%s failed: %s" % (what, api_error_text(exc))
            else:
                url, cause = connection_error_text(exc)
                text = "Cannot reach the Kubernetes API server%s (%s): %s" % (" at " + url if url else "", what, cause)
            raise Day2Error(
                "%s. Nothing on the cloud was touched; re-run the task to continue where it stopped." % text,
                deleted=self.deleted,
                scaled=self.scaled,
            ) from exc

    def list(self, api_version, kind, namespace):
        resource = self.res(api_version, kind)
        if resource is None:
            return []
        found = self.call("Listing %s in %s" % (kind, namespace), resource.get, namespace=namespace)
        items = _dict(found).get("items") or [] if found is not None else []
        for item in items:
            item.setdefault("kind", kind)
        return sorted(items, key=lambda o: o["metadata"]["name"])

    def get(self, api_version, kind, name, namespace=None):
        resource = self.res(api_version, kind)
        kwargs = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
        found = self.call("Reading %s %s" % (kind, name), resource.get, **kwargs) if resource else None
        return None if found is None else dict(_dict(found), kind=kind)

    def patch(self, api_version, obj, body, what):
        meta = obj["metadata"]
        resource = self.res(api_version, obj["kind"])
        kwargs = {"name": meta["name"], "body": body, "content_type": MERGE_PATCH}
        if meta.get("namespace"):
            kwargs["namespace"] = meta["namespace"]
        return self.call("%s of %s" % (what, ref_text(ref(obj))), resource.patch, **kwargs)

    # -- steps ------------------------------------------------------------------------------------------------
    def nodepools(self):
        pools = self.list(HYPERSHIFT_API, "NodePool", self.ns)
        return [p for p in pools if (p.get("spec") or {}).get("clusterName") == self.name]

    def pause(self, hc, pools):
        """Pause the HC and its NodePools first, so HyperShift does not scale the control plane back."""
        for obj in ([hc] if hc else []) + pools:
            if obj["metadata"].get("deletionTimestamp") or pauses((obj.get("spec") or {}).get("pausedUntil")):
                continue
            self.paused.append(ref(obj))
            self.plan.append("pause %s (spec.pausedUntil: true)" % ref_text(ref(obj)))
            if not self.check:
                meta = obj["metadata"]
                self.guard("Pausing %s" % ref_text(ref(obj)), patch_paused_until, self.module, obj["kind"],
                           meta["name"], meta["namespace"], INDEFINITE)  # fmt: skip

    def scale_down(self):
        workloads = self.list("apps/v1", "Deployment", self.hcp_ns) + self.list("apps/v1", "StatefulSet", self.hcp_ns)
        for obj in workloads:
            replicas = (obj.get("spec") or {}).get("replicas")
            if replicas == 0:
                continue
            item = dict(ref(obj), replicas=1 if replicas is None else replicas)
            self.scaled.append(item)
            self.plan.append("scale %s from %s to 0" % (ref_text(item), item["replicas"]))
        if self.check:
            return
        for item in self.scaled:  # every patch first, then one wait
            key = workload_key(item["kind"], item["name"])
            self.guard("Scaling %s to 0" % ref_text(item), scale_one, self.module, self.hcp_ns, key, 0)
        self.wait("no pod running in %s" % self.hcp_ns, self.running_pods, refuse=True)

    def running_pods(self):
        """Pods of the control-plane namespace that still run (Job pods are not controllers and are ignored)."""
        running = []
        for pod in self.list("v1", "Pod", self.hcp_ns):
            owners = [o.get("kind") for o in pod["metadata"].get("ownerReferences") or []]
            if "Job" in owners or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (pod.get("status") or {}).get("conditions") or []
            )
            running.append("%s (%s%s)" % (pod["metadata"]["name"], (pod.get("status") or {}).get("phase") or "Pending",
                                          ", Ready" if ready else ""))  # fmt: skip
        return running

    def wait(self, goal, pending, refuse=False):
        """Poll pending() -> list of what is not there yet until it is empty; Day2Timeout naming the rest."""
        deadline = time.monotonic() + self.timeout
        while True:
            left = pending()
            if not left:
                return
            if time.monotonic() >= deadline:
                tail = (
                    "Nothing was deleted: with these pods running, the CAPI provider could terminate the instances "
                    "when the AWSMachines go. Find out why they do not stop (`oc get pods -n %s`), then re-run."
                    % self.hcp_ns
                    if refuse
                    else "A re-run continues from here; `oc get` that object to see its finalizers and status."
                )
                raise Day2Timeout(
                    "Timed out after %ds waiting for %s; still there: %s. %s"
                    % (self.timeout, goal, "; ".join(left), tail),
                    deleted=self.deleted,
                    scaled=self.scaled,
                )
            time.sleep(min(POLL_SLEEP, max(0.0, deadline - time.monotonic())))

    def remove(self, api_version, objs):
        """Strip finalizers, delete, wait until every object is gone (finalizers stripped again while waiting)."""
        for obj in objs:
            item = ref(obj)
            self.deleted.append(item)
            self.plan.append("delete %s%s" % (ref_text(item), " (strip finalizers)" if self.finalizers(obj) else ""))
        if self.check or not objs:
            return
        for obj in objs:
            self.strip(api_version, obj)
            meta = obj["metadata"]
            resource = self.res(api_version, obj["kind"])
            self.call(
                "Deleting %s" % ref_text(ref(obj)), resource.delete, name=meta["name"], namespace=meta["namespace"]
            )

        def pending():
            left = []
            for obj in objs:
                meta = obj["metadata"]
                now = self.get(api_version, obj["kind"], meta["name"], meta.get("namespace"))
                if now is not None and now["metadata"].get("uid", meta.get("uid")) == meta.get("uid"):
                    self.strip(api_version, now)
                    left.append(ref_text(ref(now)))
            return left

        self.wait("%s to be deleted" % objs[0]["kind"], pending)

    @staticmethod
    def finalizers(obj):
        return obj["metadata"].get("finalizers") or []

    def strip(self, api_version, obj):
        if self.finalizers(obj):
            self.patch(api_version, obj, {"metadata": {"finalizers": None}}, "Removing the finalizers")

    def remove_namespace(self, ns_obj):
        """Delete a namespace and wait until it is gone, stripping finalizers of known kinds left inside."""
        name = ns_obj["metadata"]["name"]
        self.deleted.append(ref(ns_obj))
        self.plan.append("delete Namespace %s" % name)
        if self.check:
            return
        if not ns_obj["metadata"].get("deletionTimestamp"):
            self.call("Deleting Namespace %s" % name, self.res("v1", "Namespace").delete, name=name)

        def pending():
            now = self.get("v1", "Namespace", name)
            if now is None:
                return []
            self.remove_namespaced_leftovers(name)
            conds = [
                c.get("message") for c in (now.get("status") or {}).get("conditions") or [] if c.get("status") == "True"
            ]
            return ["Namespace %s (%s)" % (name, "; ".join(m for m in conds if m) or "terminating")]

        self.wait("namespace %s to be deleted" % name, pending)

    def remove_namespaced_leftovers(self, namespace):
        """Objects of the known kinds still in a terminating namespace: their finalizers are stripped (the HyperShift
        operator keeps hypershift.openshift.io/component-finalizer on the CAPI Deployments until its own deletion
        flow of the HostedCluster, which comes later)."""
        for api_version, kind in HCP_KINDS + (("apps/v1", "Deployment"), ("apps/v1", "StatefulSet")):
            for obj in self.list(api_version, kind, namespace):
                if obj["metadata"].get("deletionTimestamp"):
                    self.strip(api_version, obj)

    # -- the HostedCluster's namespace ---------------------------------------------------------------------
    def owned_names(self, hc, pools, ns_obj):
        """Secrets and ConfigMaps of the HC namespace that belong to this HC (referenced, named after it, owned)."""
        if hc is None:
            record = ((ns_obj or {}).get("metadata", {}).get("annotations") or {}).get(RECORD)
            try:
                data = json.loads(record) if record else {}
            except ValueError:
                data = {}
            return set(data.get("owned") or []) if data.get("hostedcluster") == self.name else set()
        names = referenced_names(hc.get("spec") or {})
        names |= referenced_names({k: v for k, v in (hc.get("status") or {}).items() if k != "conditions"})
        for pool in pools:
            names |= referenced_names(pool.get("spec") or {})
        return names

    def strangers(self, owned, hc_uid, gone):
        """What lives in the HC namespace and does not belong to this HC (nor is about to be deleted)."""
        found = []
        for api_version, kind in HC_NS_KINDS:
            for obj in self.list(api_version, kind, self.ns):
                meta, text = obj["metadata"], ref_text(ref(obj))
                if text in gone or meta.get("deletionTimestamp"):
                    continue
                if any(o.get("uid") == hc_uid for o in meta.get("ownerReferences") or []) and hc_uid:
                    continue
                name = meta["name"]
                if kind in ("Secret", "ConfigMap") and (
                    name in owned or name == self.name or name.startswith(self.name + "-")
                ):
                    continue
                if kind == "ServiceAccount" and name in DEFAULT_SERVICE_ACCOUNTS:
                    continue
                if kind == "ConfigMap" and name in DEFAULT_CONFIGMAPS:
                    continue
                if kind == "Secret" and obj.get("type") in SA_SECRET_TYPES:
                    continue
                found.append(text)
        return found


def execute(module):
    check_options(module.params)
    td = Teardown(module)
    module.resource(HYPERSHIFT_API, "HostedCluster")  # fails clearly when this is no HyperShift management cluster
    hc = td.get(HYPERSHIFT_API, "HostedCluster", td.name, td.ns)
    pools = td.nodepools()
    hc_ns = td.get("v1", "Namespace", td.ns)
    hcp_ns = td.get("v1", "Namespace", td.hcp_ns)
    owned = td.owned_names(hc, pools, hc_ns)
    hc_uid = (hc or {}).get("metadata", {}).get("uid")

    td.pause(hc, pools)
    if hcp_ns is not None:
        td.scale_down()
    td.remove(HYPERSHIFT_API, pools)
    if hcp_ns is not None:
        for api_version, kind in HCP_KINDS:
            td.remove(api_version, td.list(api_version, kind, td.hcp_ns))
        td.remove_namespace(hcp_ns)
    if hc is not None:
        if module.params["delete_hc_namespace"] == "if_empty" and hc_ns is not None and not td.check:
            record = json.dumps({"hostedcluster": td.name, "owned": sorted(owned)}, sort_keys=True)
            td.patch("v1", hc_ns, {"metadata": {"annotations": {RECORD: record}}}, "Recording the HC's objects")
            td.recorded = True
        td.remove(HYPERSHIFT_API, [hc])
    keep_hc_namespace(td, hc, hc_ns, owned, hc_uid)

    plan_before = {"objects": [ref_text(i) for i in td.deleted]}
    plan_before["replicas"] = {ref_text(i): i["replicas"] for i in td.scaled}
    after = {"objects": [], "replicas": {ref_text(i): 0 for i in td.scaled}}
    result = {
        "changed": bool(td.plan),
        "hostedcluster_found": hc is not None,
        "hcp_namespace": td.hcp_ns,
        "deleted": td.deleted,
        "kept": td.kept,
        "scaled": td.scaled,
        "paused": td.paused,
        "plan": td.plan,
    }
    if hc is None and not td.plan:
        result["msg"] = "Nothing of HostedCluster %s/%s is left on this management cluster." % (td.ns, td.name)
    if module._diff:
        result["diff"] = {"before": plan_before, "after": after}
    return result


def keep_hc_namespace(td, hc, hc_ns, owned, hc_uid):
    """Delete the HC namespace when nothing else lives there, else say in `kept` why it stays."""
    if hc_ns is None:
        return
    record = (hc_ns["metadata"].get("annotations") or {}).get(RECORD) or td.recorded
    if hc is None and not record:
        return  # nothing says this namespace was the HC's: leave it alone, silently
    reason = None
    if td.module.params["delete_hc_namespace"] == "never":
        reason = "delete_hc_namespace=never"
    elif td.ns in PROTECTED_NAMESPACES or td.ns.startswith(("kube-", "openshift-")):
        reason = "a system namespace is never deleted"
    else:
        gone = {ref_text(i) for i in td.deleted}
        strangers = td.strangers(owned, hc_uid, gone)
        if strangers:
            reason = "other objects live there: %s" % ", ".join(strangers[:10])
    if reason is None:
        td.remove_namespace(hc_ns)
        return
    td.kept.append({"kind": "Namespace", "name": td.ns, "reason": reason})
    if record and not td.check:
        td.patch("v1", hc_ns, {"metadata": {"annotations": {RECORD: None}}}, "Removing the teardown record")
