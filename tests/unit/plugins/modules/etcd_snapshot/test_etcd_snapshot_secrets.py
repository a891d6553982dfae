"""etcd_snapshot `secrets`: key secrets saved beside the snapshots, verified, never in the result."""

import hashlib
import json
import os
import stat
from types import SimpleNamespace

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from tests.unit.plugins.modules.etcd_snapshot.test_etcd_snapshot import _members, fake_pods, run  # noqa: F401  # pylint: disable=unused-import

KEY = {
    "metadata": {"name": "hc-key", "namespace": "clusters", "uid": "u-1", "resourceVersion": "7"},
    "type": "Opaque",
    "data": {"key": "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY="},
}


class Dynamic:
    client = None

    def __init__(self, objects):
        self.objects = objects

    def request(self, method, path):
        from kubernetes.dynamic.exceptions import NotFoundError

        if path not in self.objects:
            raise NotFoundError(SimpleNamespace(status=404, reason="Not Found", body="{}", headers={}))
        return SimpleNamespace(to_dict=lambda: self.objects[path])


@pytest.fixture
def secrets_api(monkeypatch, fake_pods):  # noqa: F811 - the fixture imported above
    api = Dynamic({"/api/v1/namespaces/clusters/secrets/hc-key": KEY})
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=api))
    return api


def test_secret_saved_first_beside_the_snapshots(run, secrets_api, tmp_path):  # noqa: F811
    dest = tmp_path / "b" / "hc-key.secret.json"
    secrets = [{"name": "hc-key", "namespace": "clusters", "dest": str(dest)}]
    result = run({"namespace": "ns", "members": _members(tmp_path), "secrets": secrets})
    assert not result.get("failed"), result
    text = dest.read_bytes()
    saved = json.loads(text)
    assert saved == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "hc-key", "namespace": "clusters"},
        "type": "Opaque",
        "data": KEY["data"],
    }
    assert text.startswith(b'{\n  "apiVersion": "v1",')  # sorted keys, 2-space indent, as the role wrote it before
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600 and stat.S_IMODE(os.stat(dest.parent).st_mode) == 0o700
    [record] = result["secrets"]
    assert record == {
        "name": "hc-key",
        "namespace": "clusters",
        "dest": str(dest),
        "s3": None,
        "sha256": hashlib.sha256(text).hexdigest(),
        "md5": hashlib.md5(text).hexdigest(),
        "bytes": len(text),
    }
    assert KEY["data"]["key"] not in json.dumps(result)  # the key material stays in the module
    assert len(result["artifacts"]) == 3


def test_missing_secret_stops_before_any_snapshot(run, secrets_api, fake_pods, tmp_path):  # noqa: F811
    secrets = [{"name": "gone", "namespace": "clusters", "dest": str(tmp_path / "b" / "gone.secret.json")}]
    result = run({"namespace": "ns", "members": _members(tmp_path), "secrets": secrets})
    assert result["failed"] and "Secret clusters/gone does not exist" in result["msg"]
    assert all(not any("save" in c for c in p.commands) for p in fake_pods.values())  # nothing was taken
    assert not (tmp_path / "b").exists() or os.listdir(tmp_path / "b") == []


def test_check_mode_says_where_secrets_would_go(run, secrets_api, tmp_path):  # noqa: F811
    dest = tmp_path / "b" / "hc-key.secret.json"
    secrets = [{"name": "hc-key", "namespace": "clusters", "dest": str(dest)}]
    result = run({"namespace": "ns", "members": _members(tmp_path), "secrets": secrets}, check=True)
    assert result["would_save_secrets"] == [{"name": "hc-key", "namespace": "clusters", "dest": str(dest), "s3": None}]
    assert not dest.exists()
