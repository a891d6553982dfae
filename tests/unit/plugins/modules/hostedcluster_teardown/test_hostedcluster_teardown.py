"""hostedcluster_teardown: order, finalizers, re-entry, the HC namespace rule, check mode, every bad input.

main() runs against an in-memory dynamic client (the only thing replaced): finalizers are real (a deleted object
with finalizers stays with deletionTimestamp), a deleted namespace takes its contents, pods follow the replicas
of the workloads unless a workload is "stuck", and errors can be injected per verb and kind.
"""

import copy
import json

import pytest
import urllib3
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

HS = "hypershift.openshift.io/v1beta1"
CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
SERVED = {
    "HostedCluster": HS, "NodePool": HS, "HostedControlPlane": HS, "Machine": CAPI, "MachineSet": CAPI,
    "MachineDeployment": CAPI, "Cluster": CAPI, "AWSMachine": INFRA, "AWSMachineTemplate": INFRA,
    "AWSCluster": INFRA, "Namespace": "v1", "Pod": "v1", "Secret": "v1", "ConfigMap": "v1",
    "ServiceAccount": "v1", "Service": "v1", "PersistentVolumeClaim": "v1", "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
}  # fmt: skip
FIN = {
    "HostedCluster": "hypershift.openshift.io/finalizer", "NodePool": "hypershift.openshift.io/finalizer",
    "HostedControlPlane": "hypershift.openshift.io/finalizer", "Cluster": "cluster.cluster.x-k8s.io",
    "Machine": "machine.cluster.x-k8s.io", "MachineSet": "cluster.x-k8s.io/machineset",
    "MachineDeployment": "cluster.x-k8s.io/machinedeployment",
    "AWSMachine": "awsmachine.infrastructure.cluster.x-k8s.io",
    "AWSCluster": "awscluster.infrastructure.cluster.x-k8s.io",
}  # fmt: skip
HCP = "clusters-example"


def api_error(status, message="injected"):
    exc = ApiException(status=status, reason="Error")
    exc.body = json.dumps({"kind": "Status", "message": message})
    return api_exception(exc)


class Obj:
    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return copy.deepcopy(self.data)


class Scale:
    def __init__(self, res):
        self.res = res

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        self.res.client.hit("scale", self.res.kind, name)
        obj = self.res.client.objects.get((self.res.kind, namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404))
        obj["spec"]["replicas"] = body["spec"]["replicas"]
        self.res.client.settle()
        return Obj(obj)


class Res:
    def __init__(self, client, kind):
        self.client, self.kind = client, kind
        self.subresources = {"scale": Scale(self)}

    def get(self, name=None, namespace=None):
        self.client.hit("get", self.kind, name)
        if name is None:
            items = [o for (k, ns, _n), o in sorted(self.client.objects.items()) if k == self.kind and ns == namespace]
            return Obj({"items": items})
        obj = self.client.objects.get((self.kind, namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404))
        return Obj(obj)

    def patch(self, name=None, namespace=None, body=None, content_type=None):
        self.client.hit("patch", self.kind, name, body)
        obj = self.client.objects[(self.kind, namespace, name)]
        for key, value in body.get("metadata", {}).items():
            if key == "annotations":
                annotations = obj["metadata"].setdefault("annotations", {})
                for akey, avalue in value.items():
                    annotations.pop(akey) if avalue is None else annotations.__setitem__(akey, avalue)
            elif value is None:
                obj["metadata"].pop(key, None)
        obj.setdefault("spec", {}).update(body.get("spec", {}))
        self.client.settle()
        return Obj(obj)

    def delete(self, name=None, namespace=None):
        self.client.hit("delete", self.kind, name)
        self.client.delete(self.kind, namespace, name)
        return Obj({})


class Resources:
    def __init__(self, client):
        self.client = client

    def get(self, api_version=None, kind=None):
        if kind not in self.client.served or SERVED[kind] != api_version:
            raise ResourceNotFoundError("no %s %s" % (api_version, kind))
        return Res(self.client, kind)


class Client:
    def __init__(self):
        self.objects, self.calls, self.injected = {}, [], []
        self.served = set(SERVED)
        self.stuck = set()  # names of workloads whose pods never stop
        self.resources = Resources(self)

    def add(self, kind, namespace, name, spec=None, fin=True, **extra):
        meta = {"name": name, "uid": "uid-%s-%s" % (kind, name)}
        if namespace:
            meta["namespace"] = namespace
        if fin and kind in FIN:
            meta["finalizers"] = [FIN[kind]]
        obj = dict({"apiVersion": SERVED[kind], "kind": kind, "metadata": meta, "spec": spec or {}}, **extra)
        self.objects[(kind, namespace, name)] = obj
        return obj

    def add_cluster(self, name="example", ns="clusters", pools=2, machines=1):
        hcp = "%s-%s" % (ns, name)
        for space in (ns, hcp):
            if ("Namespace", None, space) not in self.objects:
                self.add("Namespace", None, space)
        self.add("Secret", ns, "pull-secret")
        self.add("Secret", ns, "%s-ssh-key" % name)
        self.add("Secret", ns, "aes-key")
        self.add("ConfigMap", ns, "kube-root-ca.crt")
        self.add("ServiceAccount", ns, "default")
        spec = {"pullSecret": {"name": "pull-secret"}, "sshKey": {"name": "%s-ssh-key" % name},
                "secretEncryption": {"type": "aescbc", "aescbc": {"activeKey": {"name": "aes-key"}}}}  # fmt: skip
        self.add("HostedCluster", ns, name, spec)
        self.add("HostedControlPlane", hcp, name)
        for kind in ("Cluster", "AWSCluster"):
            self.add(kind, hcp, name)
        for i in range(pools):
            pool = "%s-np%d" % (name, i)
            self.add("NodePool", ns, pool, {"clusterName": name, "replicas": machines})
            for kind in ("MachineDeployment", "MachineSet", "AWSMachineTemplate"):
                self.add(kind, hcp, pool)
            for m in range(machines):
                self.add("Machine", hcp, "%s-m%d" % (pool, m))
                self.add("AWSMachine", hcp, "%s-m%d" % (pool, m))
        for workload, replicas in (("kube-apiserver", 2), ("capi-provider", 1), ("control-plane-operator", 1)):
            self.add("Deployment", hcp, workload, {"replicas": replicas})
        # the HyperShift operator keeps this one on the CAPI Deployments until it deletes the HostedCluster itself
        self.objects[("Deployment", hcp, "capi-provider")]["metadata"]["finalizers"] = [
            "hypershift.openshift.io/component-finalizer"
        ]
        self.add("StatefulSet", hcp, "etcd", {"replicas": 3})
        self.settle()

    def inject(self, verb, kind, exc, times=1):
        self.injected.append([verb, kind, exc, times])

    def hit(self, verb, kind, name, body=None):
        self.calls.append((verb, kind, name) if body is None else (verb, kind, name, copy.deepcopy(body)))
        for entry in self.injected:
            if entry[0] == verb and entry[1] == kind:
                if entry[3] is not None:
                    entry[3] -= 1
                    if entry[3] <= 0:
                        self.injected.remove(entry)
                raise entry[2]

    def delete(self, kind, namespace, name):
        obj = self.objects.get((kind, namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404))
        obj["metadata"].setdefault("deletionTimestamp", "2026-01-01T00:00:00Z")
        if kind == "Namespace":
            for key in [k for k in self.objects if k[1] == name]:
                self.delete(*key)
        self.settle()

    def settle(self):
        """Pods follow workloads; objects and namespaces marked for deletion go once nothing holds them."""
        for (kind, ns, name), obj in list(self.objects.items()):
            if kind in ("Deployment", "StatefulSet"):
                want = obj["spec"]["replicas"] if name not in self.stuck else max(1, obj["spec"]["replicas"])
                for i in range(max(want, 5)):
                    key = ("Pod", ns, "%s-%d" % (name, i))
                    if i < want and key not in self.objects:
                        self.add("Pod", ns, key[2], status={"phase": "Running",
                                 "conditions": [{"type": "Ready", "status": "True"}]})  # fmt: skip
                    elif i >= want:
                        self.objects.pop(key, None)
        changed = True
        while changed:
            changed = False
            for key, obj in list(self.objects.items()):
                meta = obj["metadata"]
                if not meta.get("deletionTimestamp") or meta.get("finalizers"):
                    continue
                if key[0] == "Namespace" and any(k[1] == key[2] for k in self.objects):
                    continue
                self.objects.pop(key)
                changed = True

    def names(self, kind, namespace=None):
        return sorted(n for (k, ns, n) in self.objects if k == kind and ns == namespace)

    def mutations(self):
        return [c for c in self.calls if c[0] != "get"]


@pytest.fixture
def client():
    fake = Client()
    fake.add_cluster()
    return fake


@pytest.fixture
def run(client, capsys, monkeypatch):
    from ansible_collections.ocp.day2.plugins.module_utils import k8s
    from ansible_collections.ocp.day2.plugins.module_utils.hypershift import teardown
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_teardown

    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: client)
    monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(teardown, "POLL_SLEEP", 0.001)
    monkeypatch.setattr(k8s, "RETRY_DELAY", 0)

    def call(args=None, check=False, diff=False):
        full = dict({"name": "example", "wait_timeout": 1}, **(args or {}))
        full.update(_ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(full), pytest.raises(SystemExit) as exc:
            hostedcluster_teardown.main()
        result = json.loads(capsys.readouterr().out)
        assert ("failed" in result) == (exc.value.code != 0)
        return result.get("failed", False), result

    return call


def kinds_in_order(result):
    return list(dict.fromkeys(d["kind"] for d in result["deleted"]))


def test_teardown_scales_first_then_deletes_in_order_and_leaves_nothing(run, client):
    failed, result = run(diff=True)
    assert not failed, result
    assert result["changed"] and result["hostedcluster_found"]
    assert kinds_in_order(result) == [
        "NodePool", "Machine", "MachineSet", "MachineDeployment", "Cluster", "AWSMachine", "AWSMachineTemplate",
        "AWSCluster", "HostedControlPlane", "Namespace", "HostedCluster",
    ]  # fmt: skip
    assert [d["name"] for d in result["deleted"] if d["kind"] == "Namespace"] == [HCP, "clusters"]
    assert client.objects == {}
    assert {(s["name"], s["replicas"]) for s in result["scaled"]} == {
        ("kube-apiserver", 2), ("capi-provider", 1), ("control-plane-operator", 1), ("etcd", 3)}  # fmt: skip
    muts = client.mutations()
    first_delete = next(i for i, c in enumerate(muts) if c[0] == "delete")
    assert {c[1] for c in muts[:first_delete] if c[0] == "scale"} == {"Deployment", "StatefulSet"}
    assert [c[1] for c in muts[:2]] == ["HostedCluster", "NodePool"]  # paused before anything else
    assert muts[0][3] == {"spec": {"pausedUntil": "true"}}
    # every AWSMachine lost its finalizer before its delete, and only after every pod had stopped
    aws = [c for c in muts if c[1] == "AWSMachine"]
    assert [c[0] for c in aws] == ["patch", "delete", "patch", "delete"]
    assert (
        result["diff"]["after"]["objects"] == []
        and "HostedCluster clusters/example" in result["diff"]["before"]["objects"]
    )


def test_rerun_is_unchanged_and_check_mode_changes_nothing(run, client):
    before = copy.deepcopy(client.objects)
    failed, plan = run(check=True, diff=True)
    assert not failed and plan["changed"] and client.objects == before and client.mutations() == []
    assert plan["plan"][0] == "pause HostedCluster clusters/example (spec.pausedUntil: true)"
    assert (
        "delete Namespace clusters" in plan["plan"]
        and "scale StatefulSet clusters-example/etcd from 3 to 0" in plan["plan"]
    )
    failed, done = run()
    assert not failed and done["deleted"] == plan["deleted"]
    failed, again = run()
    assert not failed and not again["changed"] and not again["hostedcluster_found"]
    assert again["deleted"] == [] and "Nothing of HostedCluster clusters/example" in again["msg"]


def test_interrupted_run_is_finished_by_a_rerun(run, client):
    client.inject("delete", "HostedControlPlane", api_error(403, "forbidden"))
    failed, result = run()
    assert (
        failed and "Deleting HostedControlPlane clusters-example/example failed: forbidden (HTTP 403)" in result["msg"]
    )
    assert "re-run" in result["msg"] and result["deleted"][-1]["kind"] == "HostedControlPlane"
    assert client.names("Machine", HCP) == [] and client.names("HostedCluster", "clusters") == ["example"]
    failed, result = run()
    assert not failed and kinds_in_order(result) == ["HostedControlPlane", "Namespace", "HostedCluster"]
    assert client.objects == {}


def test_interrupted_after_the_hostedcluster_went_still_removes_its_namespace(run, client):
    client.inject("delete", "Namespace", api_error(403), times=None)
    client.add("Secret", "clusters", "example-admin-kubeconfig")
    failed, result = run()
    assert failed and client.names("HostedCluster", "clusters") == ["example"]  # the HCP namespace failed first
    client.injected.clear()
    client.inject("get", "Secret", api_error(403), times=1)  # reading the namespace's contents fails
    failed, result = run()
    assert failed and client.names("HostedCluster", "clusters") == [] and client.names("Namespace") == ["clusters"]
    assert "example" in client.objects[("Namespace", None, "clusters")]["metadata"]["annotations"]["ocp.day2/teardown"]
    failed, result = run()
    assert not failed and not result["hostedcluster_found"] and [d["name"] for d in result["deleted"]] == ["clusters"]
    assert client.objects == {}


def test_hc_namespace_kept_when_something_else_lives_there(run, client):
    client.add_cluster(name="other", pools=1)
    client.add("Secret", "clusters", "unrelated")
    failed, result = run()
    assert not failed and client.names("HostedCluster", "clusters") == ["other"]
    kept = result["kept"][0]
    assert kept["name"] == "clusters" and "HostedCluster clusters/other" in kept["reason"]
    assert "Secret clusters/unrelated" in kept["reason"] and "pull-secret" not in kept["reason"]
    assert "ocp.day2/teardown" not in client.objects[("Namespace", None, "clusters")]["metadata"].get("annotations", {})
    assert client.names("NodePool", "clusters") == ["other-np0"] and client.names("Machine", "clusters-other")
    failed, never = run({"name": "other", "delete_hc_namespace": "never"})
    assert not failed and never["kept"] == [
        {"kind": "Namespace", "name": "clusters", "reason": "delete_hc_namespace=never"}
    ]
    assert client.names("Namespace") == ["clusters"]


def test_transient_errors_are_retried(run, client):
    client.inject("delete", "Machine", api_error(503), times=2)
    client.inject("patch", "AWSMachine", urllib3.exceptions.ProtocolError("reset"), times=1)
    client.inject("get", "HostedCluster", api_error(429), times=1)
    failed, result = run()
    assert not failed, result
    assert client.objects == {}


def test_pods_that_keep_running_refuse_before_anything_is_deleted(run, client):
    client.stuck.add("capi-provider")
    client.settle()
    failed, result = run({"wait_timeout": 0})
    assert failed and "Nothing was deleted" in result["msg"] and "capi-provider-0 (Running, Ready)" in result["msg"]
    assert not [c for c in client.mutations() if c[0] == "delete"]
    assert client.names("AWSMachine", HCP) == ["example-np0-m0", "example-np1-m0"]


def test_objects_without_finalizers_a_missing_hcp_namespace_and_unserved_kinds(run, client):
    client.served -= {"AWSMachine", "AWSMachineTemplate", "AWSCluster"}
    for key in [k for k in client.objects if k[0].startswith("AWS")]:
        client.objects.pop(key)
    for obj in client.objects.values():
        obj["metadata"].pop("finalizers", None)
    failed, result = run()
    assert not failed and client.objects == {} and "AWSMachine" not in kinds_in_order(result)
    assert not [c for c in client.mutations() if c[0] == "patch" and "finalizers" in c[3].get("metadata", {})]


def test_leftovers_without_hostedcluster_are_removed(run, client):
    client.objects.pop(("HostedCluster", "clusters", "example"))
    failed, result = run()
    assert not failed and result["changed"] and not result["hostedcluster_found"]
    assert "HostedCluster" not in kinds_in_order(result) and client.names("Namespace") == ["clusters"]
    assert client.names("NodePool", "clusters") == [] and client.names("Secret", "clusters")


BAD = [
    ({"name": ""}, "name is empty"),
    ({"name": "Example"}, "name='Example' is not a valid Kubernetes name (DNS label)"),
    ({"name": "a/b"}, "is not a valid Kubernetes name"),
    ({"name": " example"}, "leading or trailing blanks"),
    ({"namespace": ""}, "namespace is empty"),
    ({"namespace": "x" * 60}, "longer than 63 characters"),
    ({"wait_timeout": -1}, "wait_timeout=-1 is out of range: give 0 or more seconds"),
    ({"wait_timeout": "soon"}, "wait_timeout"),
    ({"name": ["example"]}, "name"),
    ({"name": {"a": 1}}, "name"),
    ({"delete_hc_namespace": "always"}, "delete_hc_namespace must be one of: if_empty, never"),
    ({"delete_hc_namespace": True}, "delete_hc_namespace must be one of"),
    ({"unknown": 1}, "Unsupported parameters"),
]


@pytest.mark.parametrize("args,message", BAD, ids=[str(a) for a, _m in BAD])
def test_bad_inputs_fail_clearly_and_change_nothing(run, client, args, message):
    before = copy.deepcopy(client.objects)
    failed, result = run(args)
    assert failed and message in result["msg"], result["msg"]
    assert client.objects == before and client.calls == []
    assert "Traceback" not in json.dumps(result)


def test_unreachable_api_and_no_hypershift_fail_clearly(run, client):
    client.inject("get", "HostedCluster", urllib3.exceptions.MaxRetryError(None, "/", "Connection refused"), times=None)
    failed, result = run()
    assert (
        failed and "Cannot reach the Kubernetes API server" in result["msg"] and "Connection refused" in result["msg"]
    )
    assert "Reading HostedCluster example" in result["msg"]
    assert client.mutations() == []
    client.injected.clear()
    client.served -= {"HostedCluster", "NodePool", "HostedControlPlane"}
    failed, result = run()
    assert failed and "does not serve hypershift.openshift.io/v1beta1 HostedCluster" in result["msg"]
    assert client.mutations() == []


def test_unknown_hostedcluster_is_ok_and_unchanged(run, client):
    failed, result = run({"name": "nope"})
    assert not failed and not result["changed"] and not result["hostedcluster_found"]
    assert client.mutations() == [] and "Nothing of HostedCluster clusters/nope" in result["msg"]
