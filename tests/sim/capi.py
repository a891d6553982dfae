"""Cluster API objects a NodePool owns in the control-plane namespace (what `oc get machines` shows)."""

import copy
import hashlib
import uuid

from . import resources
from .guest import instance_id
from .nodepool_config import desired_replicas

_R = {
    kind: resources.lookup(None, kind)
    for kind in ("MachineDeployment", "MachineSet", "Machine", "AWSMachineTemplate", "AWSMachine", "Namespace")
}
CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"


def _suffix(*parts):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:5]


def reconcile_nodepool(store, np, version):
    """MachineDeployment, MachineSet, AWSMachineTemplate and one Machine/AWSMachine per replica."""
    meta, spec = np["metadata"], np["spec"]
    hcp_ns = "%s-%s" % (meta["namespace"], spec.get("clusterName", ""))
    nsobj = store.get(_R["Namespace"], None, hcp_ns)
    if nsobj is None or nsobj["metadata"].get("deletionTimestamp"):
        return
    name, replicas = meta["name"], desired_replicas(spec)
    labels = {"cluster.x-k8s.io/cluster-name": spec.get("clusterName", ""), "hypershift.openshift.io/nodePool": name}
    aws = (spec.get("platform") or {}).get("aws") or {}
    template = {
        "apiVersion": INFRA,
        "kind": "AWSMachineTemplate",
        "metadata": {"name": name, "namespace": hcp_ns, "labels": labels},
        "spec": {"template": {"spec": {"instanceType": aws.get("instanceType", "m5.large")}}},
    }
    ms_name = "%s-%s" % (name, _suffix(name, version))
    common = {"clusterName": spec.get("clusterName", ""), "version": version,
              "infrastructureRef": {"apiVersion": INFRA, "kind": "AWSMachineTemplate", "name": name}}  # fmt: skip
    ready = {
        "replicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
        "updatedReplicas": replicas,
    }
    objs = [
        template,
        {
            "apiVersion": CAPI,
            "kind": "MachineDeployment",
            "metadata": {"name": name, "namespace": hcp_ns, "labels": labels},
            "spec": {"clusterName": common["clusterName"], "replicas": replicas,
                     "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": common}},
            "status": dict(ready, phase="Running"),
        },
        {
            "apiVersion": CAPI,
            "kind": "MachineSet",
            "metadata": {"name": ms_name, "namespace": hcp_ns, "labels": labels},
            "spec": {"clusterName": common["clusterName"], "replicas": replicas,
                     "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": common}},
            "status": dict(ready, fullyLabeledReplicas=replicas),
        },
    ]  # fmt: skip
    wanted = set()
    for i in range(replicas):
        mname = "%s-%s" % (ms_name, _suffix(ms_name, str(i)))
        wanted.add(mname)
        # the instance CAPA launched for it (kept when the AWSMachine is re-applied, e.g. by a migration)
        # names the node: a new instance is a new node
        old_am = store.get(_R["AWSMachine"], hcp_ns, mname)
        iid = ((old_am or {}).get("spec") or {}).get("instanceID") or instance_id(uuid.uuid4().hex)
        node = "ip-10-0-%d-%d.ec2.internal" % (int(iid[-4:], 16) % 250, int(iid[-8:-4], 16) % 250)
        objs.append({"apiVersion": CAPI, "kind": "Machine", "metadata": {"name": mname, "namespace": hcp_ns,
                     "labels": dict(labels, **{"cluster.x-k8s.io/set-name": ms_name})},
                     "spec": dict(common, infrastructureRef={"apiVersion": INFRA, "kind": "AWSMachine", "name": mname}),
                     "status": {"phase": "Running", "nodeRef": {"kind": "Node", "name": node}}})  # fmt: skip
        objs.append({"apiVersion": INFRA, "kind": "AWSMachine", "metadata": {"name": mname, "namespace": hcp_ns,
                     "labels": labels}, "spec": {"instanceType": aws.get("instanceType", "m5.large"),
                     "instanceID": iid, "providerID": "aws:///us-east-1a/" + iid},
                     "status": {"ready": True, "instanceState": "running", "instanceID": iid}})  # fmt: skip
    for obj in objs:
        res = resources.lookup(obj["apiVersion"], obj["kind"])
        old = store.get(res, hcp_ns, obj["metadata"]["name"])
        if old is None:
            store.create(res, obj, hcp_ns)
        elif old["metadata"].get("deletionTimestamp"):
            continue
        elif {k: old.get(k) for k in ("spec", "status")} != {k: obj.get(k) for k in ("spec", "status")}:
            old.update(spec=obj["spec"], status=obj.get("status"))
            store.update(res, old, hcp_ns, obj["metadata"]["name"], check_rv=False)
    for kind in ("Machine", "AWSMachine", "MachineSet"):
        for obj in store.list(_R[kind], hcp_ns)[0]:
            if (obj["metadata"].get("labels") or {}).get("hypershift.openshift.io/nodePool") != name:
                continue
            keep = obj["metadata"]["name"] in wanted if kind != "MachineSet" else obj["metadata"]["name"] == ms_name
            if not keep and not obj["metadata"].get("deletionTimestamp"):
                store.delete(_R[kind], hcp_ns, obj["metadata"]["name"])


# -- finalizers and deletion, as the controllers that own them ------------------------------------
FINALIZERS = {
    # kind: (finalizer, Deployment in the control-plane namespace whose controller adds and removes it)
    "Cluster": ("cluster.cluster.x-k8s.io", "cluster-api"),
    "MachineDeployment": ("cluster.x-k8s.io/machinedeployment", "cluster-api"),
    "MachineSet": ("cluster.x-k8s.io/machineset", "cluster-api"),
    "Machine": ("machine.cluster.x-k8s.io", "cluster-api"),
    "AWSCluster": ("awscluster.infrastructure.cluster.x-k8s.io", "capi-provider"),
    "AWSMachine": ("awsmachine.infrastructure.cluster.x-k8s.io", "capi-provider"),
    "HostedControlPlane": ("hypershift.openshift.io/finalizer", "control-plane-operator"),
}
_L = {k: resources.lookup(None, k) for k in list(FINALIZERS) + ["Deployment", "HostedCluster"]}


def running(store, ns, deployment):
    """A controller acts while its Deployment exists, is not being deleted and asks for replicas."""
    dep = store.get(_L["Deployment"], ns, deployment)
    return bool(dep and not dep["metadata"].get("deletionTimestamp") and dep["spec"].get("replicas", 1) > 0)


def _drop_finalizer(store, res, obj, finalizer):
    meta = obj["metadata"]
    meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != finalizer]
    store.update(res, obj, meta["namespace"], meta["name"], check_rv=False)


def _delete_all(store, kind, ns, match):
    """Delete the matching objects; True when none is left (deleted or Terminating ones count)."""
    left = False
    for obj in store.peek(_L[kind], ns):  # read-only
        if match(obj):
            left = True
            if not obj["metadata"].get("deletionTimestamp"):
                store.delete(_L[kind], ns, obj["metadata"]["name"])
    return not left


def reconcile_lifecycle(mgmt):
    """Cluster API, CAPA and control-plane-operator finalizers in every control-plane namespace.

    A controller that runs adds its finalizer to live objects and, for a deleted object, does its cleanup
    (children first) and then removes it. One that is scaled to 0 does nothing: deleted objects stay
    Terminating until someone removes their finalizers. CAPA deleting an AWSMachine terminates its instance.
    """
    store = mgmt.store
    namespaces = {o["metadata"]["namespace"] for k in FINALIZERS for o in store.peek(_L[k])}
    for ns in sorted(namespaces):
        on = {d: running(store, ns, d) for d in ("cluster-api", "capi-provider", "control-plane-operator")}
        for kind, (finalizer, owner) in FINALIZERS.items():
            if not on[owner]:
                continue
            for live in store.peek(_L[kind], ns):  # read-only: copied before a change
                meta = live["metadata"]
                if not meta.get("deletionTimestamp"):
                    if finalizer not in (meta.get("finalizers") or []):
                        obj = copy.deepcopy(live)
                        obj["metadata"]["finalizers"] = (meta.get("finalizers") or []) + [finalizer]
                        store.update(_L[kind], obj, ns, meta["name"], check_rv=False)
                    continue
                if finalizer in (meta.get("finalizers") or []) and _cleaned_up(mgmt, kind, live, ns):
                    _drop_finalizer(store, _L[kind], copy.deepcopy(live), finalizer)


def _cleaned_up(mgmt, kind, obj, ns):
    store, name = mgmt.store, obj["metadata"]["name"]
    if kind == "MachineDeployment":
        want = ((obj["spec"].get("selector") or {}).get("matchLabels")) or {"-": "-"}
        return _delete_all(store, "MachineSet", ns, lambda o: _has_labels(o, want))
    if kind == "MachineSet":
        return _delete_all(store, "Machine", ns, lambda o: _has_labels(o, {"cluster.x-k8s.io/set-name": name}))
    if kind == "Machine":
        ref = (obj["spec"].get("infrastructureRef") or {}).get("name")
        return _delete_all(store, "AWSMachine", ns, lambda o: o["metadata"]["name"] == ref)
    if kind == "Cluster":
        done = True
        for child in ("MachineDeployment", "MachineSet", "Machine"):
            done = _delete_all(store, child, ns, lambda o: True) and done
        ref = (obj["spec"].get("infrastructureRef") or {}).get("name")
        return _delete_all(store, "AWSCluster", ns, lambda o: o["metadata"]["name"] == ref) and done
    if kind == "AWSMachine":
        iid = (obj.get("spec") or {}).get("instanceID")
        if iid:
            mgmt.terminate_instance(iid)
    return True


def _has_labels(obj, want):
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in want.items())
