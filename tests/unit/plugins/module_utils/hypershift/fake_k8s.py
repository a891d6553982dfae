"""An in-memory stand-in for kubernetes.core's dynamic client, for the HyperShift modules' unit tests.

It serves HostedCluster, NodePool, HostedControlPlane (hypershift.openshift.io/v1beta1) and Deployment,
StatefulSet (apps/v1, with the scale subresource). A tiny operator sets the ReconciliationActive condition
the way HyperShift does (Go ParseBool, then RFC3339) and copies the HostedCluster's pausedUntil to the
HostedControlPlane; a tiny workload controller makes status follow spec.replicas. Errors can be injected.
"""

import copy
import datetime
import json

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

HYPERSHIFT = "hypershift.openshift.io/v1beta1"
APPS = "apps/v1"
SERVED = {"HostedCluster": HYPERSHIFT, "NodePool": HYPERSHIFT, "HostedControlPlane": HYPERSHIFT}
SERVED.update(Deployment=APPS, StatefulSet=APPS)
GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def api_error(status, message="injected"):
    exc = ApiException(status=status, reason="Error")
    exc.body = json.dumps({"kind": "Status", "message": message})
    return api_exception(exc)


class FakeInstance:
    def __init__(self, data):
        self._data = data

    def to_dict(self):
        return copy.deepcopy(self._data)


def merge_patch(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            merge_patch(target.setdefault(key, {}), value)
        else:
            target[key] = value


def reconciliation_condition(value, generation):
    """What HyperShift's operator reports for a spec.pausedUntil value (facts from upstream, our own code)."""
    if value is None or value in GO_FALSE:
        return {"type": "ReconciliationActive", "status": "True", "reason": "AsExpected", "message": "active"}
    if value in GO_TRUE:
        return {"type": "ReconciliationActive", "status": "False", "reason": "ReconciliationPaused", "message": "x"}
    try:
        moment = datetime.datetime.strptime(value.replace("Z", "+00:00"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        cond = {"type": "ReconciliationActive", "status": "True", "reason": "InvalidPausedUntilValue"}
        return dict(cond, message="Invalid value provided for PausedUntil field", observedGeneration=generation)
    paused = moment > datetime.datetime.now(datetime.timezone.utc)
    return {
        "type": "ReconciliationActive",
        "status": "False" if paused else "True",
        "reason": "ReconciliationPaused" if paused else "AsExpected",
        "message": "paused until %s" % value if paused else "active",
    }


class FakeScale:
    def __init__(self, parent):
        self.parent = parent

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        client = self.parent.client
        client.calls.append(("scale", self.parent.kind, namespace, name, copy.deepcopy(body)))
        client.raise_injected("scale", self.parent.kind, name)
        obj = self.parent.store().get((namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404, reason="Not Found"))
        obj["spec"]["replicas"] = body["spec"]["replicas"]
        obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        return FakeInstance({"kind": "Scale", "spec": {"replicas": obj["spec"]["replicas"]}})


class FakeResource:
    def __init__(self, client, kind):
        self.client = client
        self.kind = kind
        self.subresources = {"scale": FakeScale(self)} if SERVED[kind] == APPS else {}

    def store(self):
        return self.client.objects.setdefault(self.kind, {})

    def get(self, name=None, namespace=None):
        self.client.calls.append(("get", self.kind, namespace, name))
        self.client.raise_injected("get", self.kind, name)
        if name is None:
            items = [o for (ns, _n), o in sorted(self.store().items()) if ns == namespace]
            return FakeInstance({"kind": self.kind + "List", "items": items})
        obj = self.store().get((namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404, reason="Not Found"))
        self.client.observe(self.kind, obj)
        return FakeInstance(obj)

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        self.client.calls.append(("patch", self.kind, namespace, name, copy.deepcopy(body), content_type))
        self.client.raise_injected("patch", self.kind, name)
        obj = self.store()[(namespace, name)]
        before = copy.deepcopy(obj.get("spec"))
        merge_patch(obj, body)
        if obj.get("spec") != before:
            obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        if self.kind == "HostedCluster" and self.client.propagate:
            hcp = self.client.objects.get("HostedControlPlane", {}).get((namespace + "-" + name, name))
            if hcp is not None:
                merge_patch(hcp, {"spec": {"pausedUntil": obj["spec"].get("pausedUntil")}})
        return FakeInstance(obj)


class FakeResources:
    def __init__(self, client):
        self.client = client

    def get(self, api_version=None, kind=None, **_kw):
        if kind not in self.client.served or SERVED.get(kind) != api_version:
            raise ResourceNotFoundError("No matches found for %s %s" % (api_version, kind))
        return FakeResource(self.client, kind)


class FakeClient:
    """What kubernetes.core's get_api_client returns, reduced to .resources.get()."""

    def __init__(self):
        self.objects = {}
        self.calls = []
        self.injected = []  # [verb, kind, name, exception, times left or None]
        self.propagate = True
        self.operator = True  # set ReconciliationActive when an object is read
        self.stuck = set()  # (kind, name) of workloads whose status never follows spec
        self.served = set(SERVED)
        self.resources = FakeResources(self)

    # -- setup -----------------------------------------------------------------------------------
    def add(self, kind, namespace, name, spec=None, **meta):
        metadata = dict({"name": name, "namespace": namespace, "generation": 1}, **meta)
        obj = {"apiVersion": SERVED[kind], "kind": kind, "metadata": metadata, "spec": spec or {}}
        self.objects.setdefault(kind, {})[(namespace, name)] = obj
        return obj

    def add_cluster(self, name="example", namespace="clusters", paused=None, nodepools=2, np_paused=None, **workloads):
        spec = {} if paused is None else {"pausedUntil": paused}
        self.add("HostedCluster", namespace, name, spec)
        self.add("HostedControlPlane", namespace + "-" + name, name, dict(spec))
        for i in range(nodepools):
            np_spec = {"clusterName": name}
            if np_paused is not None:
                np_spec["pausedUntil"] = np_paused
            self.add("NodePool", namespace, "%s-np%d" % (name, i), np_spec)
        for key, replicas in workloads.items():  # kube_apiserver=2 -> Deployment kube-apiserver
            kind = "StatefulSet" if key == "etcd" else "Deployment"
            self.add_workload(kind, key.replace("_", "-"), replicas, namespace + "-" + name)

    def add_workload(self, kind, name, replicas, namespace="clusters-example"):
        obj = self.add(kind, namespace, name, {"replicas": replicas})
        obj["status"] = {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas}
        obj["status"]["availableReplicas"] = replicas
        return obj

    def inject(self, verb, kind, name, exc, times=1):
        self.injected.append([verb, kind, name, exc, times])

    def raise_injected(self, verb, kind, name):
        for entry in self.injected:
            if entry[0] == verb and entry[1] == kind and entry[2] in (None, name):
                if entry[4] is not None:
                    entry[4] -= 1
                    if entry[4] <= 0:
                        self.injected.remove(entry)
                raise entry[3]

    # -- the operator and the workload controllers -------------------------------------------------
    def observe(self, kind, obj):
        meta = obj["metadata"]
        if kind in ("HostedCluster", "NodePool", "HostedControlPlane") and self.operator:
            cond = reconciliation_condition(obj["spec"].get("pausedUntil"), meta.get("generation"))
            cond.setdefault("observedGeneration", meta.get("generation"))
            status = obj.setdefault("status", {})
            status["conditions"] = [c for c in status.get("conditions", []) if c["type"] != cond["type"]] + [cond]
        if kind in ("Deployment", "StatefulSet") and (kind, meta["name"]) not in self.stuck:
            want = obj["spec"].get("replicas", 1)
            obj["status"] = {"observedGeneration": meta.get("generation", 1), "replicas": want}
            obj["status"].update(readyReplicas=want, availableReplicas=want)

    # -- inspection ------------------------------------------------------------------------------------
    def value(self, kind, name, namespace="clusters"):
        return self.objects[kind][(namespace, name)]["spec"].get("pausedUntil")

    def replicas(self, kind, name, namespace="clusters-example"):
        return self.objects[kind][(namespace, name)]["spec"].get("replicas")

    def annotation(self, key="ocp.day2/quiesce-prior-state", name="example", namespace="clusters"):
        text = (self.objects["HostedCluster"][(namespace, name)]["metadata"].get("annotations") or {}).get(key)
        return None if text is None else json.loads(text)

    def patches(self):
        return [c for c in self.calls if c[0] in ("patch", "scale")]
