"""ocp3_cluster_check's main() with the Kubernetes client mocked at its boundary (get_api_client)."""

from __future__ import annotations

import copy
import json
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

from ansible_collections.ocp.day2.plugins.modules import ocp3_cluster_check


class Instance:
    def __init__(self, data):
        self.data = data

    def to_dict(self):
        return copy.deepcopy(self.data)


class Resource:
    def __init__(self, objects, kind, error=None):
        self.objects, self.kind, self.error = objects, kind, error

    def get(self, name=None, namespace=None):
        if self.error:
            raise self.error
        if name is None:
            return Instance({"items": [o for (k, _ns, _n), o in self.objects.items() if k == self.kind]})
        try:
            return Instance(self.objects[(self.kind, namespace, name)])
        except KeyError:
            raise NotFoundError(ApiException(status=404, reason="Not Found")) from None


class Client:
    def __init__(self, objects, served, errors=None, healthz=(200, b"ok")):
        self.objects, self.served, self.errors = objects, served, errors or {}
        self.resources = self
        self.client = self
        self.healthz = healthz

    def get(self, api_version, kind):  # resources.get
        if kind not in self.served:
            raise ResourceNotFoundError("no %s" % kind)
        return Resource(self.objects, kind, self.errors.get(kind))

    def request(self, method, path, serialize=True):
        status, body = self.healthz
        if status != 200:
            raise api_exception(ApiException(status=status, reason="Internal Server Error"))
        return mock.Mock(status=status, data=body)


NODE = {"metadata": {"name": "n1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
SC = {"metadata": {"name": "std", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}
ROUTER = {"spec": {"replicas": 2}, "status": {"replicas": 2, "availableReplicas": 2}}


def _main(args, client, capsys):
    with (
        patch_module_args(args),
        mock.patch("ansible_collections.ocp.day2.plugins.module_utils.k8s.get_api_client", return_value=client),
        pytest.raises(SystemExit) as exc,
    ):
        ocp3_cluster_check.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def _objects():
    return {
        ("Node", None, "n1"): NODE,
        ("StorageClass", None, "std"): SC,
        ("DeploymentConfig", "default", "router"): ROUTER,
    }


def test_checks_through_the_client(capsys):
    client = Client(_objects(), served={"Node", "StorageClass", "DeploymentConfig", "Deployment", "ConfigMap"})
    code, out = _main({"disabled": ["etcd", "controller_leader"]}, client, capsys)
    assert code == 0
    assert {c["name"]: c["status"] for c in out["checks"]} == {
        "default_storageclass": "ok",
        "nodes_ready": "ok",
        "router_replicas": "ok",
        "docker_registry_replicas": "skipped",
        "api_healthz": "ok",
    }


def test_router_found_as_a_deployment_when_the_api_has_no_deploymentconfigs(capsys):
    objects = {("Deployment", "default", "router"): ROUTER}
    client = Client(objects, served={"Deployment"})
    code, out = _main({"checks": ["router"]}, client, capsys)
    assert code == 0 and out["checks"][0]["status"] == "ok"


def test_an_api_error_fails_that_check_only(capsys):
    forbidden = api_exception(ApiException(status=403, reason="Forbidden"))
    client = Client(
        _objects(), served={"Node", "StorageClass", "DeploymentConfig"}, errors={"Node": forbidden}, healthz=(500, b"")
    )
    code, out = _main({"checks": ["nodes_ready", "default_storageclass", "api_healthz"]}, client, capsys)
    assert code == 0 and out["status"] == "fail"
    by_name = {c["name"]: c for c in out["checks"]}
    assert by_name["nodes_ready"]["status"] == "fail" and "403" in by_name["nodes_ready"]["observed"]
    assert by_name["default_storageclass"]["status"] == "ok"
    assert by_name["api_healthz"]["status"] == "fail" and "500" in by_name["api_healthz"]["observed"]


def test_argument_spec_matches_the_documented_options():
    import yaml

    documented = yaml.safe_load(ocp3_cluster_check.DOCUMENTATION)["options"]
    own = {k for k in ocp3_cluster_check.ARGUMENT_SPEC if k in documented}
    assert own == set(documented)
