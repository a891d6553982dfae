"""Project export/import helpers, and both modules against canned API responses (only the client is faked)."""

import copy
import json
import os
from types import SimpleNamespace

import pytest
import yaml
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.k8s import (
    clean,
    for_namespace,
    select_resources,
    skip_reason,
)
from ansible_collections.ocp.day2.plugins.modules import ocp3_project_export, ocp3_project_import

VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


def res(name, kind, group="", version="v1", namespaced=True, verbs=VERBS, preferred=True):
    api_version = "%s/%s" % (group, version) if group else version
    return SimpleNamespace(name=name, kind=kind, group=group, api_version=api_version, group_version=api_version,
                           namespaced=namespaced, verbs=verbs, preferred=preferred)  # fmt: skip


def test_select_resources_like_oc_api_resources():
    found = select_resources([
        res("secrets", "Secret"),
        res("pods/log", "Pod"),
        res("namespaces", "Namespace", namespaced=False),
        res("deployments", "Deployment", group="apps"),
        res("deployments", "Deployment", group="extensions", version="v1beta1"),
        res("podmetrics", "PodMetrics", group="metrics.k8s.io", verbs=["get", "list"]),
        res("events", "Event"),
        res("routes", "Route", group="route.openshift.io"),
        res("routes", "Route", group="route.openshift.io", version="v0", preferred=False),
    ])  # fmt: skip
    assert [k for k, _r in found] == ["deployments.apps", "routes.route.openshift.io", "secrets"]
    assert found[1][1].api_version == "route.openshift.io/v1"
    only = select_resources([res("secrets", "Secret"), res("configmaps", "ConfigMap")], include=["secrets"])
    assert [k for k, _r in only] == ["secrets"]


def test_skip_and_clean():
    token = {"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t"}}
    assert "token" in skip_reason(token)
    owned = {"kind": "Pod", "metadata": {"name": "p", "ownerReferences": [{"kind": "ReplicaSet", "name": "rs"}]}}
    assert "ReplicaSet rs" in skip_reason(owned) and skip_reason(owned, include_owned=True) is None
    svc = {
        "kind": "Service",
        "metadata": {
            "name": "s",
            "uid": "u",
            "resourceVersion": "1",
            "namespace": "a",
            "annotations": {"openshift.io/generated-by": "x"},
        },
        "status": {},
        "spec": {"clusterIP": "172.30.0.1", "clusterIPs": ["172.30.0.1"], "ports": [{"port": 1, "nodePort": 30001}]},
    }
    cleaned = clean(svc)
    assert cleaned == {"kind": "Service", "metadata": {"name": "s", "annotations": {"openshift.io/generated-by": "x"}},
                       "spec": {"ports": [{"port": 1}]}}  # fmt: skip
    headless = clean({"kind": "Service", "metadata": {"name": "h"}, "spec": {"clusterIP": "None"}})
    assert headless["spec"]["clusterIP"] == "None"
    sa = clean(
        {
            "kind": "ServiceAccount",
            "metadata": {"name": "d"},
            "secrets": [{"name": "d-token-1"}, {"name": "mine"}],
            "imagePullSecrets": [{"name": "d-dockercfg-1"}],
        },
        skipped_secrets={"d-token-1", "d-dockercfg-1"},
    )
    assert sa["secrets"] == [{"name": "mine"}] and "imagePullSecrets" not in sa
    pvc = clean({"kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": {"volumeName": "pv-1"}})
    assert pvc["spec"] == {}
    rb = for_namespace({"kind": "RoleBinding", "metadata": {"name": "r"}, "subjects": [
        {"kind": "ServiceAccount", "name": "default", "namespace": "old"},
        {"kind": "ServiceAccount", "name": "x", "namespace": "other"}]}, "old", "new")  # fmt: skip
    assert rb["metadata"]["namespace"] == "new"
    assert [s["namespace"] for s in rb["subjects"]] == ["new", "other"]


class FakeInstance:
    def __init__(self, data):
        self._data = data

    def to_dict(self):
        return copy.deepcopy(self._data)


class FakeClient:
    """The K8SClient surface the modules use: resources.search(), resource(), get(), create()."""

    def __init__(self, served):
        self.served = served
        self.objects = {}  # (kind, ns, name) -> obj
        self.created = []
        self.list_errors = {}
        self.resources = SimpleNamespace(search=lambda **kw: list(served))

    def resource(self, kind, api_version):
        for r in self.served:
            if r.kind == kind and r.api_version == api_version:
                return r
        raise ResourceNotFoundError("no %s %s" % (api_version, kind))

    def get(self, resource, name=None, namespace=None):
        if name is None:
            if resource.name in self.list_errors:
                raise self.list_errors[resource.name]
            items = [o for (k, ns, _n), o in sorted(self.objects.items()) if k == resource.kind and ns == namespace]
            return FakeInstance(
                {"items": [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in items]}
            )
        ns = None if resource.kind == "Namespace" else namespace
        try:
            return FakeInstance(self.objects[(resource.kind, ns, name)])
        except KeyError:
            raise NotFoundError(ApiException(status=404, reason="Not Found")) from None

    def create(self, resource, body, namespace=None):
        if resource.kind == "Widget":
            exc = ApiException(status=422, reason="Invalid")
            exc.body = json.dumps({"message": "widgets are refused"})
            raise api_exception(exc)
        self.created.append("%s/%s" % (resource.kind, body["metadata"]["name"]))
        self.objects[(resource.kind, namespace if resource.namespaced else None, body["metadata"]["name"])] = body
        return FakeInstance(body)

    def add(self, obj):
        ns = obj["metadata"].get("namespace")
        self.objects[(obj["kind"], ns, obj["metadata"]["name"])] = obj


SERVED = [
    res("namespaces", "Namespace", namespaced=False),
    res("secrets", "Secret"),
    res("configmaps", "ConfigMap"),
    res("rolebindings", "RoleBinding", group="rbac.authorization.k8s.io"),
    res("widgets", "Widget", group="example.com"),
    res("imagestreamimports", "ImageStreamImport", group="image.openshift.io"),
]


@pytest.fixture
def client(monkeypatch):
    from ansible_collections.ocp.day2.plugins.module_utils import k8s

    fake = FakeClient(SERVED)
    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: fake)
    monkeypatch.setattr(_internal, "is_controller", False)
    fake.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "app"}})
    fake.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "data": {"k": "c2VjcmV0"},
            "metadata": {"name": "db", "namespace": "app", "uid": "1", "resourceVersion": "5"},
        }
    )
    fake.add(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "default-token-x", "namespace": "app"},
        }
    )
    fake.add(
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}, "metadata": {"name": "cm", "namespace": "app"}}
    )
    fake.add(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "edit", "namespace": "app"},
            "roleRef": {"kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "app"}],
        }
    )
    fake.list_errors["imagestreamimports"] = api_exception(ApiException(status=405, reason="MethodNotAllowed"))
    return fake


def run(module, args, capsys, check=False):
    with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_export_then_import_with_canned_responses(client, tmp_path, capsys):
    dest = str(tmp_path / "export")
    out = run(ocp3_project_export, {"namespace": "app", "dest": dest}, capsys)
    assert out["changed"] and out["count"] == 3, out
    assert [f["file"] for f in out["files"]] == [
        "configmaps.yaml",
        "rolebindings.rbac.authorization.k8s.io.yaml",
        "secrets.yaml",
    ]
    assert out["errors"][0]["resource"] == "imagestreamimports.image.openshift.io"
    assert out["skipped"][0]["name"] == "default-token-x"
    assert "c2VjcmV0" not in json.dumps(out), "secret data never in the module result"
    assert oct(os.stat(dest).st_mode & 0o777) == "0o700"
    secrets = yaml.safe_load((tmp_path / "export" / "secrets.yaml").read_text())["items"]
    assert secrets == [
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"k": "c2VjcmV0"}, "metadata": {"name": "db"}}
    ]
    assert run(ocp3_project_export, {"namespace": "app", "dest": dest}, capsys)["changed"] is False

    checked = run(ocp3_project_import, {"src": dest, "namespace": "copy", "rename": True}, capsys, check=True)
    assert checked["changed"] and checked["namespace_created"] and client.created == []
    done = run(ocp3_project_import, {"src": dest, "namespace": "copy", "rename": True}, capsys)
    assert client.created == ["Namespace/copy", "Secret/db", "ConfigMap/cm", "RoleBinding/edit"], "import order"
    assert done["namespace_created"] and len(done["created"]) == 3
    rb = client.objects[("RoleBinding", "copy", "edit")]
    assert rb["subjects"][0]["namespace"] == "copy"
    again = run(ocp3_project_import, {"src": dest, "namespace": "copy", "rename": True}, capsys)
    assert again["changed"] is False and len(again["existing"]) == 3


def test_import_failure_lists_failed_and_created(client, tmp_path, capsys):
    dest = str(tmp_path / "export")
    run(ocp3_project_export, {"namespace": "app", "dest": dest, "include_resources": ["configmaps"]}, capsys)
    export = tmp_path / "export"
    index = json.loads((export / "export.json").read_text())
    index["files"].append({"file": "widgets.example.com.yaml", "resource": "widgets.example.com", "kind": "Widget"})
    (export / "export.json").write_text(json.dumps(index))
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (export / "widgets.example.com.yaml").write_text(yaml.safe_dump({"items": [widget]}))
    out = run(ocp3_project_import, {"src": dest, "namespace": "copy2", "rename": True}, capsys)
    assert out["failed"] is True
    assert "Widget/w: widgets are refused (HTTP 422)" in out["msg"]
    assert out["created"] == ["ConfigMap/cm"] and out["namespace_created"] is True


def test_export_of_missing_project_fails_clearly(client, tmp_path, capsys):
    out = run(ocp3_project_export, {"namespace": "nope", "dest": str(tmp_path / "x")}, capsys)
    assert out["failed"] and "does not exist" in out["msg"]


def test_import_keeps_the_project_name_unless_renaming_is_asked(client, tmp_path, capsys):
    dest = str(tmp_path / "export")
    run(ocp3_project_export, {"namespace": "app", "dest": dest, "include_resources": ["configmaps"]}, capsys)
    export = tmp_path / "export"
    index = json.loads((export / "export.json").read_text())
    index["files"].append({"file": "widgets.example.com.yaml", "resource": "widgets.example.com", "kind": "Widget"})
    (export / "export.json").write_text(json.dumps(index))
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {
            "containers": [{"image": "docker-registry.default.svc:5000/app/web:latest"}, {"image": "quay.io/x/y:1"}],
            "triggers": [{"from": {"kind": "ImageStreamTag", "namespace": "app", "name": "web:latest"}}],
        },
    }
    (export / "widgets.example.com.yaml").write_text(yaml.safe_dump({"items": [widget]}))

    # another name without rename=true: refused before anything is created, naming the image references
    refused = run(ocp3_project_import, {"src": dest, "namespace": "copy3"}, capsys)
    assert refused["failed"] and "renames the project" in refused["msg"] and "rename=true" in refused["msg"]
    assert client.created == []

    # renamed on purpose: done, and every reference to the old project's images is reported
    renamed = run(ocp3_project_import, {"src": dest, "namespace": "copy3", "rename": True}, capsys, check=True)
    assert renamed["image_references"] == [
        "Widget/w spec.containers[0].image: docker-registry.default.svc:5000/app/web:latest",
        "Widget/w spec.triggers[0].from: ImageStreamTag app/web:latest",
    ], renamed
    assert any("image reference(s) still name app" in str(w) for w in renamed.get("warnings", [])), renamed
