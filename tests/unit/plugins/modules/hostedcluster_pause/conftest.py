"""Run hostedcluster_pause's main() against an in-memory Kubernetes client (the only thing mocked)."""

import copy
import json

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError, api_exception

API = "hypershift.openshift.io/v1beta1"


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


class FakeResource:
    def __init__(self, client, kind):
        self.client = client
        self.kind = kind

    def _store(self):
        return self.client.objects.setdefault(self.kind, {})

    def get(self, name=None, namespace=None):
        self.client.calls.append(("get", self.kind, namespace, name))
        if name is None:
            items = [o for (ns, _n), o in sorted(self._store().items()) if ns == namespace]
            return FakeInstance({"kind": self.kind + "List", "items": items})
        try:
            return FakeInstance(self._store()[(namespace, name)])
        except KeyError:
            raise NotFoundError(ApiException(status=404, reason="Not Found")) from None

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        self.client.calls.append(("patch", self.kind, namespace, name, copy.deepcopy(body), content_type))
        error = self.client.patch_errors.get((self.kind, name))
        if error is not None:
            raise error
        obj = self._store()[(namespace, name)]
        merge_patch(obj, body)
        if self.kind == "HostedCluster" and self.client.propagate:
            hcp = self.client.objects.get("HostedControlPlane", {}).get((namespace + "-" + name, name))
            if hcp is not None:
                merge_patch(hcp, {"spec": {"pausedUntil": obj["spec"].get("pausedUntil")}})
        return FakeInstance(obj)


class FakeResources:
    def __init__(self, client):
        self.client = client

    def get(self, api_version=None, kind=None, **_kw):
        if api_version != API or kind not in self.client.served:
            raise ResourceNotFoundError("No matches found for %s %s" % (api_version, kind))
        return FakeResource(self.client, kind)


class FakeClient:
    """What kubernetes.core's get_api_client returns, reduced to .resources.get()."""

    def __init__(self):
        self.objects = {}
        self.calls = []
        self.patch_errors = {}
        self.propagate = True
        self.served = {"HostedCluster", "NodePool", "HostedControlPlane"}
        self.resources = FakeResources(self)

    def add(self, kind, namespace, name, spec=None):
        obj = {"apiVersion": API, "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": spec or {}}
        self.objects.setdefault(kind, {})[(namespace, name)] = obj
        return obj

    def add_cluster(self, name="example", namespace="clusters", paused=None, nodepools=2, np_paused=None):
        spec = {} if paused is None else {"pausedUntil": paused}
        self.add("HostedCluster", namespace, name, spec)
        self.add("HostedControlPlane", namespace + "-" + name, name, dict(spec))
        for i in range(nodepools):
            np_spec = {"clusterName": name}
            if np_paused is not None:
                np_spec["pausedUntil"] = np_paused
            self.add("NodePool", namespace, "%s-np%d" % (name, i), np_spec)

    def value(self, kind, name, namespace="clusters"):
        return self.objects[kind][(namespace, name)]["spec"].get("pausedUntil")

    def patches(self):
        return [c for c in self.calls if c[0] == "patch"]


@pytest.fixture
def fake_client():
    return FakeClient()


@pytest.fixture
def run_module(fake_client, capsys, monkeypatch):
    """run_module(args, check=False, diff=False) -> (failed, result dict)."""
    from ansible_collections.ocp.day2.plugins.module_utils import k8s
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_pause

    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: fake_client)
    # Once any controller code is imported in this process (ansible.errors, say), module warnings would go
    # to the controller's display instead of the result; run the module as on a target.
    monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(hostedcluster_pause, "WAIT_SLEEP", 0.01)

    def run(args, check=False, diff=False):
        full = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(full), pytest.raises(SystemExit) as exc:
            hostedcluster_pause.main()
        result = json.loads(capsys.readouterr().out)
        assert ("failed" in result) == (exc.value.code != 0)
        return result.get("failed", False), result

    return run


def api_error(status, message):
    exc = ApiException(status=status, reason="Error")
    exc.body = json.dumps({"kind": "Status", "message": message})
    return api_exception(exc)
