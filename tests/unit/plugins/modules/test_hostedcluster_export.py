"""hostedcluster_export: what is exported (by the API's reference fields and the seeds' selection), how it is written,
idempotence, check mode, and a table of bad inputs. Only the Kubernetes client is faked (FakeApi, also used by
test_hostedcluster_import)."""

import base64
import copy
import hashlib
import json
import os
import re
import stat
import uuid
from types import SimpleNamespace

import pytest
import yaml
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.refs import (
    HOSTEDCLUSTER_REFS,
    HOSTEDCLUSTER_STATUS_REFS,
    NODEPOOL_REFS,
    references,
    walk,
)

HS = "hypershift.openshift.io/v1beta1"
CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
SERVED = {
    ("v1", "Namespace"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    (HS, "HostedCluster"),
    (HS, "NodePool"),
    (HS, "HostedControlPlane"),
    (CAPI, "Cluster"),
    (CAPI, "MachineDeployment"),
    (CAPI, "MachineSet"),
    (CAPI, "Machine"),
    (INFRA, "AWSCluster"),
    (INFRA, "AWSMachineTemplate"),
    (INFRA, "AWSMachine"),
}
HCP = "clusters-example"
PLAIN = "pl41n-s3cret-value"


def api_error(status, message="injected"):
    exc = ApiException(status=status, reason="Error")
    exc.body = json.dumps({"kind": "Status", "message": message})
    return api_exception(exc)


def merge_patch(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class Instance:
    def __init__(self, data):
        self._data = data

    def to_dict(self):
        return copy.deepcopy(self._data)


class Resource:
    def __init__(self, api, api_version, kind):
        self.api, self.api_version, self.kind = api, api_version, kind

    def store(self):
        return self.api.objects.setdefault((self.api_version, self.kind), {})

    def _call(self, verb, name, namespace, body=None):
        self.api.calls.append((verb, self.kind, namespace, name))
        self.api.raise_injected(verb, self.kind, name)

    def get(self, name=None, namespace=None):
        self._call("get" if name else "list", name, namespace)
        if name is None:
            # As the API server answers: the items of a List carry no apiVersion and kind.
            items = [
                {k: v for k, v in o.items() if k not in ("apiVersion", "kind")}
                for (ns, _n), o in sorted(self.store().items())
                if namespace is None or ns == namespace
            ]
            return Instance({"kind": self.kind + "List", "items": items})
        obj = self.store().get((namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404, reason="Not Found"))
        return Instance(obj)

    def create(self, body=None, namespace=None):
        name = body["metadata"]["name"]
        self._call("create", name, namespace)
        if (namespace, name) in self.store():
            raise api_error(409, "already exists")
        if "resourceVersion" in body["metadata"]:
            raise api_error(500, "resourceVersion should not be set on objects to be created")
        obj = copy.deepcopy(body)
        obj["metadata"].update(uid=str(uuid.uuid4()), resourceVersion="1", creationTimestamp="2026-01-01T00:00:00Z")
        self.store()[(namespace, name)] = obj
        return Instance(obj)

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        self._call("patch", name, namespace)
        obj = self.store()[(namespace, name)]
        merge_patch(obj, body)
        if obj["metadata"].get("deletionTimestamp") and not obj["metadata"].get("finalizers"):
            del self.store()[(namespace, name)]
        return Instance(obj)

    def delete(self, name=None, namespace=None):
        self._call("delete", name, namespace)
        obj = self.store().get((namespace, name))
        if obj is None:
            raise NotFoundError(ApiException(status=404, reason="Not Found"))
        if obj["metadata"].get("finalizers"):
            obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        else:
            del self.store()[(namespace, name)]
        return Instance(obj)


class FakeApi:
    """The part of kubernetes.core's dynamic client the two modules use."""

    def __init__(self, host="https://api.mgmt-src.example.com:6443"):
        self.objects = {}
        self.calls = []
        self.injected = []
        self.served = set(SERVED)
        self.configuration = SimpleNamespace(host=host)
        self.resources = SimpleNamespace(get=self._resource)

    def _resource(self, api_version=None, kind=None, **_kw):
        if (api_version, kind) not in self.served:
            raise ResourceNotFoundError("No matches found for %s %s" % (api_version, kind))
        return Resource(self, api_version, kind)

    def add(self, api_version, kind, namespace, name, **fields):
        meta = {
            "name": name,
            "uid": str(uuid.uuid4()),
            "resourceVersion": "7",
            "generation": 2,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "x"}],
        }
        if namespace:
            meta["namespace"] = namespace
        meta.update(fields.pop("metadata", {}))
        obj = dict({"apiVersion": api_version, "kind": kind, "metadata": meta}, **fields)
        self.objects.setdefault((api_version, kind), {})[(namespace, name)] = obj
        return obj

    def get(self, api_version, kind, namespace, name):
        return self.objects.get((api_version, kind), {}).get((namespace, name))

    def inject(self, verb, kind, name, exc, times=1):
        self.injected.append([verb, kind, name, exc, times])

    def raise_injected(self, verb, kind, name):
        for entry in self.injected:
            if entry[0] == verb and entry[1] == kind and entry[2] in (None, name):
                entry[4] -= 1
                if entry[4] <= 0:
                    self.injected.remove(entry)
                raise entry[3]

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "patch", "delete")]


def b64(text):
    return base64.b64encode(text.encode()).decode()


def add_hosted_cluster(api, name="example", namespace="clusters"):
    """A HostedCluster as HyperShift leaves it, with its secrets, NodePools, control plane and CAPI objects."""
    hcp = "%s-%s" % (namespace, name)
    for ns in (namespace, hcp):
        api.add("v1", "Namespace", None, ns)
    api.add(
        HS,
        "HostedCluster",
        namespace,
        name,
        metadata={
            "annotations": {"ocp.day2/quiesce-prior-state": "{}", "keep": "me"},
            "finalizers": ["hypershift.openshift.io/finalizer"],
            "ownerReferences": [{"kind": "X", "name": "y", "uid": "z"}],
        },
        spec={
            "pausedUntil": "true",
            "controllerAvailabilityPolicy": "SingleReplica",
            "release": {"image": "quay.io/openshift-release-dev/ocp-release:4.17.3-x86_64"},
            "dns": {"baseDomain": "example.com"},
            "platform": {"type": "AWS", "aws": {"region": "us-east-1"}},
            "pullSecret": {"name": "%s-pull-secret" % name},
            "sshKey": {"name": "%s-ssh-key" % name},
            "secretEncryption": {
                "type": "aescbc",
                "aescbc": {
                    "activeKey": {"name": "%s-etcd-encryption-key" % name},
                    "backupKey": {"name": "old-aes-key"},
                },
            },
            "additionalTrustBundle": {"name": "corp-ca"},
            "configuration": {
                "oauth": {
                    "identityProviders": [
                        {"name": "gh", "github": {"clientSecret": {"name": "gh-client"}, "ca": {"name": "gh-ca"}}}
                    ]
                }
            },
            "etcd": {"managementType": "Managed", "managed": {"storage": {"type": "PersistentVolume"}}},
            "services": [
                {
                    "service": "APIServer",
                    "servicePublishingStrategy": {"type": "Route", "route": {"hostname": "api.%s.example.com" % name}},
                },
                {
                    "service": "OAuthServer",
                    "servicePublishingStrategy": {
                        "type": "Route",
                        "route": {"hostname": "oauth.%s.example.com" % name},
                    },
                },
                {"service": "Ignition", "servicePublishingStrategy": {"type": "Route"}},
            ],
        },
        status={
            "version": {"history": [{"version": "4.17.3", "state": "Completed"}]},
            "conditions": [],
            "customKubeconfig": {"name": "%s-custom-kubeconfig" % name},
        },
    )
    for i in range(2):
        np_spec = {"clusterName": name, "replicas": 1, "pausedUntil": "true"}
        if i == 0:
            np_spec["config"] = [{"name": "np-config"}]
            np_spec["tuningConfig"] = [{"name": "np-tuning"}]
        api.add(HS, "NodePool", namespace, "%s-np%d" % (name, i), spec=np_spec, status={"replicas": 1})
    api.add(HS, "NodePool", namespace, "other-np", spec={"clusterName": "other"})
    for sname in (
        "%s-pull-secret" % name,
        "%s-ssh-key" % name,
        "%s-etcd-encryption-key" % name,
        "old-aes-key",
        "gh-client",
        "%s-admin-kubeconfig" % name,
        "%s-kubeadmin-password" % name,
        "%s-custom-kubeconfig" % name,
        "unrelated",
        "%s2-pull-secret" % name,
    ):
        api.add("v1", "Secret", namespace, sname, type="Opaque", data={"key": b64(PLAIN)})
    for cname in ("corp-ca", "gh-ca", "np-config", "np-tuning", "unreferenced"):
        api.add("v1", "ConfigMap", namespace, cname, data={"k": "v"})
    api.add(HS, "HostedCluster", namespace, "%s2" % name, spec={})
    api.add(HS, "HostedControlPlane", hcp, name, spec={"pausedUntil": "true", "infraID": "x"}, status={"ready": True})
    for sname, stype in (
        ("etcd-client-tls", "Opaque"),
        ("kas-tls", "kubernetes.io/tls"),
        ("builder-token-x", "kubernetes.io/service-account-token"),
        ("builder-dockercfg-x", "kubernetes.io/dockercfg"),
        ("pull-secret", "kubernetes.io/dockerconfigjson"),
        ("oauth-openshift-session", "Opaque"),
        ("token-%s-abc" % name, "Opaque"),
    ):
        api.add("v1", "Secret", hcp, sname, type=stype, data={"key": b64(PLAIN)})
    api.add(CAPI, "Cluster", hcp, "%s-infra" % name, spec={"paused": False})
    api.add(INFRA, "AWSCluster", hcp, "%s-infra" % name, spec={"region": "us-east-1"})
    api.add(INFRA, "AWSMachineTemplate", hcp, "%s-np0-abc" % name, spec={"template": {}})
    api.add(CAPI, "MachineDeployment", hcp, "%s-np0" % name, spec={"replicas": 1})
    api.add(CAPI, "MachineSet", hcp, "%s-np0-x" % name, spec={"replicas": 1})
    for i in range(2):
        api.add(CAPI, "Machine", hcp, "%s-np0-m%d" % (name, i), spec={"clusterName": name}, status={"nodeRef": {}})
        api.add(INFRA, "AWSMachine", hcp, "%s-np0-a%d" % (name, i), spec={"instanceID": "i-%d" % i})


@pytest.fixture
def api():
    fake = FakeApi()
    add_hosted_cluster(fake)
    return fake


def module_runner(module, api, capsys, monkeypatch, defaults):
    from ansible_collections.ocp.day2.plugins.module_utils import k8s

    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: api)
    monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(k8s, "RETRY_DELAY", 0)

    def run(args, check=False, diff=False):
        full = dict(defaults, **args)
        full.update(_ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(full), pytest.raises(SystemExit) as exc:
            module.main()
        result = json.loads(capsys.readouterr().out)
        assert ("failed" in result) == (exc.value.code != 0)
        return result.get("failed", False), result

    return run


@pytest.fixture
def run_export(api, capsys, monkeypatch, tmp_path):
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_export

    return module_runner(
        hostedcluster_export, api, capsys, monkeypatch, {"name": "example", "dest": str(tmp_path / "b")}
    )


def names(result, group):
    return [o["name"] for o in result["objects"] if o["group"] == group]


def load(tmp_path, relative):
    return yaml.safe_load((tmp_path / "b" / relative).read_text())


def test_export_selects_as_the_api_and_the_seeds_say(run_export, api, tmp_path):
    failed, result = run_export({}, diff=True)
    assert not failed, result
    assert [o["group"] for o in result["objects"]] == sorted(
        (o["group"] for o in result["objects"]),
        key=[
            "hc-secrets",
            "hc-configmaps",
            "hcp-secrets",
            "hcp",
            "cluster",
            "machines",
            "hostedcluster",
            "nodepools",
        ].index,
    )
    # Not the secrets HyperShift writes itself (admin kubeconfig, kubeadmin password, those named in status).
    assert names(result, "hc-secrets") == [
        "example-etcd-encryption-key",
        "example-pull-secret",
        "example-ssh-key",
        "gh-client",
        "old-aes-key",
    ]
    assert names(result, "hc-configmaps") == ["corp-ca", "gh-ca", "np-config", "np-tuning"]
    assert names(result, "hcp-secrets") == ["etcd-client-tls", "kas-tls"]
    assert names(result, "hcp") == ["example"] and names(result, "hostedcluster") == ["example"]
    assert names(result, "cluster") == ["example-infra", "example-infra"]
    assert [o["kind"] for o in result["objects"] if o["group"] == "machines"] == [
        "AWSMachineTemplate",
        "AWSMachine",
        "AWSMachine",
        "MachineDeployment",
        "MachineSet",
        "Machine",
        "Machine",
    ]
    assert names(result, "nodepools") == ["example-np0", "example-np1"]
    manifest = json.loads((tmp_path / "b/export.json").read_text())
    assert manifest == result["manifest"] and manifest["format"] == 1
    assert manifest["hostedcluster"] == {
        "namespace": "clusters",
        "name": "example",
        "uid": api.get(HS, "HostedCluster", "clusters", "example")["metadata"]["uid"],
        "controllerAvailabilityPolicy": "SingleReplica",
        "release_image": "quay.io/openshift-release-dev/ocp-release:4.17.3-x86_64",
        "version": "4.17.3",
        "etcd_members": 1,
        "api_hostnames": ["api.example.example.com", "oauth.example.example.com"],
        "base_domain": "example.com",
    }
    assert manifest["source"] == {"server": "https://api.mgmt-src.example.com:6443"}
    hc = load(tmp_path, "namespaces/clusters/hc-example.yaml")
    assert "status" not in hc and "pausedUntil" not in hc["spec"]
    assert set(hc["metadata"]) == {"name", "namespace", "annotations", "finalizers"}
    assert hc["metadata"]["annotations"] == {"keep": "me"}
    assert "pausedUntil" not in load(tmp_path, "namespaces/clusters/np-example-np0.yaml")["spec"]
    assert "pausedUntil" not in load(tmp_path, "namespaces/%s/hcp-example.yaml" % HCP)["spec"]
    assert load(tmp_path, "namespaces/%s/machine-example-np0-m0.yaml" % HCP)["kind"] == "Machine"
    for entry in result["objects"]:
        path = tmp_path / "b" / entry["file"]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    for d in ("b", "b/namespaces", "b/namespaces/clusters", "b/namespaces/" + HCP):
        assert stat.S_IMODE(os.stat(tmp_path / d).st_mode) == 0o700, d
    assert result["changed"] and "namespaces/clusters/hc-example.yaml" in result["diff"]["after"]["files"]
    assert PLAIN not in json.dumps(result) and b64(PLAIN) not in json.dumps(result)
    assert api.writes() == []


def test_second_export_unchanged_then_changes_and_stale_files(run_export, api, tmp_path):
    _f, first = run_export({})
    failed, again = run_export({}, diff=True)
    assert not failed and not again["changed"] and again["diff"]["after"]["files"] == {}
    assert again["manifest"]["exported_at"] == first["manifest"]["exported_at"]
    del api.objects[(CAPI, "Machine")][(HCP, "example-np0-m1")]
    api.get("v1", "Secret", "clusters", "gh-client")["data"]["key"] = b64("rotated")
    os.chmod(tmp_path / "b/namespaces/clusters/hc-example.yaml", 0o644)
    failed, third = run_export({}, diff=True)
    assert not failed and third["changed"]
    before, after = third["diff"]["before"]["files"], third["diff"]["after"]["files"]
    stale = "namespaces/%s/machine-example-np0-m1.yaml" % HCP
    assert stale in before and stale not in after and not (tmp_path / "b" / stale).exists()
    assert "namespaces/clusters/secret-gh-client.yaml" in after and "export.json" in after
    assert "namespaces/clusters/hc-example.yaml" in after  # mode put back to 0600
    assert stat.S_IMODE(os.stat(tmp_path / "b/namespaces/clusters/hc-example.yaml").st_mode) == 0o600


def test_an_export_of_another_cluster_is_not_overwritten(run_export, api, tmp_path):
    run_export({})
    before = {p: p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    api.get(HS, "HostedCluster", "clusters", "example")["metadata"]["uid"] = "recreated"
    failed, result = run_export({}, check=True)
    assert failed and "holds the export of HostedCluster clusters/example (uid " in result["msg"]
    add_hosted_cluster(api, name="other")
    failed, result = run_export({"name": "other"})
    assert failed and "not of clusters/other" in result["msg"]
    assert {p: p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()} == before


def test_check_mode_plans_and_writes_nothing(run_export, api, tmp_path):
    failed, result = run_export({}, check=True, diff=True)
    assert not failed and result["changed"] and len(result["objects"]) == 24
    assert not (tmp_path / "b").exists()
    assert result["manifest"]["exported_at"] is None


def test_an_old_restore_url_is_not_exported(run_export, api, tmp_path):
    old = {"type": "PersistentVolume", "restoreSnapshotURL": ["https://old.example.com/snap?X-Amz-Signature=x"]}
    api.get(HS, "HostedCluster", "clusters", "example")["spec"]["etcd"]["managed"]["storage"] = dict(old)
    api.get(HS, "HostedControlPlane", HCP, "example")["spec"]["etcd"] = {"managed": {"storage": dict(old)}}
    failed, _result = run_export({})
    assert not failed
    for relative in ("namespaces/clusters/hc-example.yaml", "namespaces/%s/hcp-example.yaml" % HCP):
        assert load(tmp_path, relative)["spec"]["etcd"]["managed"]["storage"] == {"type": "PersistentVolume"}


def test_machines_false_and_non_aws_platform(run_export, api):
    _f, result = run_export({"machines": False})
    assert names(result, "machines") == []
    api.get(HS, "HostedCluster", "clusters", "example")["spec"]["platform"] = {"type": "None"}
    api.served -= {(INFRA, "AWSCluster"), (INFRA, "AWSMachine"), (INFRA, "AWSMachineTemplate")}
    failed, result = run_export({})
    assert not failed, result
    assert "AWSCluster" not in [o["kind"] for o in result["objects"]] and "Machine" in [
        o["kind"] for o in result["objects"]
    ]


def test_status_key_missing_is_a_warning_and_transient_errors_are_retried(run_export, api):
    hc = api.get(HS, "HostedCluster", "clusters", "example")
    hc["status"]["secretEncryption"] = {"activeKey": {"provider": "AESCBC", "aescbc": {"secret": {"name": "gone"}}}}
    api.inject("list", "Secret", None, api_error(503), times=2)
    failed, result = run_export({})
    assert not failed, result
    warning = "Secret gone (status.secretEncryption.activeKey.aescbc.secret of HostedCluster/example)"
    assert warning in json.dumps(result.get("warnings")), result.get("warnings")


def test_missing_references_are_all_named_and_nothing_is_written(run_export, api, tmp_path):
    del api.objects[("v1", "Secret")][("clusters", "gh-client")]
    del api.objects[("v1", "ConfigMap")][("clusters", "np-tuning")]
    failed, result = run_export({})
    assert failed and not (tmp_path / "b").exists()
    assert (
        "Secret gh-client (spec.configuration.oauth.identityProviders[0].github.clientSecret of HostedCluster/"
        "example)" in result["msg"]
    )
    assert "ConfigMap np-tuning (spec.tuningConfig[0] of NodePool/example-np0)" in result["msg"]


def test_missing_control_plane_and_unserved_capi(run_export, api, tmp_path):
    api.served.discard((CAPI, "Machine"))
    failed, result = run_export({})
    assert failed and "cluster.x-k8s.io Machine" in result["msg"] and "machines=false" in result["msg"]
    del api.objects[(HS, "HostedControlPlane")][(HCP, "example")]
    failed, result = run_export({})
    assert failed and "HostedControlPlane clusters-example/example does not exist" in result["msg"]
    assert not (tmp_path / "b").exists()


def _put(obj, parts, value):
    """Set a dotted path with "[]" steps in obj, appending a new list item at each "[]"."""
    key = parts[0][:-2] if parts[0].endswith("[]") else parts[0]
    if len(parts) == 1:
        obj[key] = value
    elif parts[0].endswith("[]"):
        obj.setdefault(key, []).append({})
        _put(obj[key][-1], parts[1:], value)
    else:
        _put(obj.setdefault(key, {}), parts[1:], value)


@pytest.mark.parametrize(
    "table, owner", [(HOSTEDCLUSTER_REFS + HOSTEDCLUSTER_STATUS_REFS, "HostedCluster/h"), (NODEPOOL_REFS, "NodePool/p")]
)
def test_every_reference_field_is_found(table, owner):
    obj = {"metadata": {"name": owner.split("/")[1]}}
    for i, (path, _kind) in enumerate(table):
        _put(obj, path.split("."), "obj-%d" % i)
    refs = references(obj, []) if owner.startswith("HostedCluster") else references({"metadata": {"name": "h"}}, [obj])
    assert sorted(r["name"] for r in refs) == sorted("obj-%d" % i for i in range(len(table)))
    for ref in refs:
        path, kind = table[int(ref["name"].split("-")[1])]
        assert ref["kind"] == kind and ref["owner"] == owner and not ref["field"].endswith(".name")
        assert re.sub(r"\[\d+\]", "[]", ref["field"]) + ".name" == path


def test_reference_walker():
    obj = {"spec": {"a": [{"b": {"name": "x"}}, {"b": {}}, {"b": {"name": "y"}}], "c": {"name": ""}}}
    assert walk(obj, "spec.a[].b.name") == [("spec.a[0].b.name", "x"), ("spec.a[2].b.name", "y")]
    assert walk(obj, "spec.c.name") == [] and walk(obj, "spec.missing[].name") == []
    hc = {
        "metadata": {"name": "h"},
        "spec": {
            "auditWebhook": {"name": "w"},
            "configuration": {
                "proxy": {"trustedCA": {"name": "p"}},
                "apiServer": {"servingCerts": {"namedCertificates": [{"servingCertificate": {"name": "n"}}]}},
            },
        },
    }
    found = {(r["kind"], r["name"], r["field"]) for r in references(hc, [])}
    assert found == {
        ("Secret", "w", "spec.auditWebhook"),
        ("ConfigMap", "p", "spec.configuration.proxy.trustedCA"),
        ("Secret", "n", "spec.configuration.apiServer.servingCerts.namedCertificates[0].servingCertificate"),
    }


@pytest.mark.parametrize(
    "args, words",
    [
        ({"name": ""}, "name must be a non-empty object name"),
        ({"name": "  "}, "name must be a non-empty object name"),
        ({"name": "a/b"}, "without '/'"),
        ({"namespace": ""}, "namespace must be a non-empty"),
        ({"name": "nope"}, "HostedCluster clusters/nope not found"),
        ({"namespace": "elsewhere"}, "HostedCluster elsewhere/example not found"),
        ({"dest": "FILE"}, "exists and is not a directory"),
        ({"dest": "FILE/sub"}, "is not a directory"),
        ({"dest": "READONLY"}, "is not writable"),
        ({"machines": "maybe"}, "machines"),
        ({"strip_annotations": [""]}, "strip_annotations must list annotation keys"),
        ({"strip_annotations": {"a": 1}}, "strip_annotations"),
        ({"name": None}, "name"),
        ({"colour": "blue"}, "Unsupported parameters"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_is_written(run_export, api, tmp_path, monkeypatch, args, words):
    (tmp_path / "file").write_text("x")
    if args.get("dest") in ("FILE", "FILE/sub"):
        args = dict(args, dest=str(tmp_path / args["dest"].replace("FILE", "file")))
    if args.get("dest") == "READONLY":
        args = dict(args, dest=str(tmp_path / "ro" / "b"))
        (tmp_path / "ro").mkdir()
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m, real=real: False if str(p).endswith("ro") else real(p, m))
    failed, result = run_export(args)
    assert failed and words in result["msg"], result
    assert not (tmp_path / "b").exists() and not (tmp_path / "ro" / "b").exists()
    assert (tmp_path / "file").read_text() == "x" and api.writes() == []
