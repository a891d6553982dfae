"""Cluster API objects a NodePool owns in the control-plane namespace (what `oc get machines` shows)."""

import hashlib

from . import resources

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
    name, replicas = meta["name"], spec.get("replicas", 0)
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
        node = "ip-10-0-%d-%d.ec2.internal" % (int(_suffix(mname), 16) % 250, i + 10)
        objs.append({"apiVersion": CAPI, "kind": "Machine", "metadata": {"name": mname, "namespace": hcp_ns,
                     "labels": dict(labels, **{"cluster.x-k8s.io/set-name": ms_name})},
                     "spec": dict(common, infrastructureRef={"apiVersion": INFRA, "kind": "AWSMachine", "name": mname}),
                     "status": {"phase": "Running", "nodeRef": {"kind": "Node", "name": node}}})  # fmt: skip
        objs.append({"apiVersion": INFRA, "kind": "AWSMachine", "metadata": {"name": mname, "namespace": hcp_ns,
                     "labels": labels}, "spec": {"instanceType": aws.get("instanceType", "m5.large")},
                     "status": {"ready": True, "instanceState": "running"}})  # fmt: skip
    for obj in objs:
        res = resources.lookup(obj["apiVersion"], obj["kind"])
        old = store.get(res, hcp_ns, obj["metadata"]["name"])
        if old is None:
            store.create(res, obj, hcp_ns)
        elif {k: old.get(k) for k in ("spec", "status")} != {k: obj.get(k) for k in ("spec", "status")}:
            old.update(spec=obj["spec"], status=obj.get("status"))
            store.update(res, old, hcp_ns, obj["metadata"]["name"], check_rv=False)
    for kind in ("Machine", "AWSMachine", "MachineSet"):
        for obj in store.list(_R[kind], hcp_ns)[0]:
            if (obj["metadata"].get("labels") or {}).get("hypershift.openshift.io/nodePool") != name:
                continue
            keep = obj["metadata"]["name"] in wanted if kind != "MachineSet" else obj["metadata"]["name"] == ms_name
            if not keep:
                store.delete(_R[kind], hcp_ns, obj["metadata"]["name"])
