"""etcd_snapshot's test-restore through main(): every member restored, a damaged one fails the task naming it and
is kept for inspection, the pod fallback, and turning it off. Pods answer through fakes.FakePod; the snapshots are
real etcd snapshots, restored by the real etcdctl of this machine."""

import json
import os
import pathlib
import shutil
from types import SimpleNamespace

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ocp.day2.plugins.module_utils.etcd import pod as etcd_pod
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.modules import etcd_snapshot as mod
from tests.unit.plugins.modules.etcd_snapshot.fakes import FakePod, FakePodExec
from tests.unit.plugins.modules.etcd_snapshot.realsnap import flip_value_byte, make_snapshot

pytestmark = pytest.mark.skipif(not shutil.which("etcd"), reason="needs etcd and etcdctl (Debian etcd-server)")
RUNNING = {"spec": {"containers": [{"name": "etcd"}]}, "status": {"phase": "Running"}}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    path, status = make_snapshot(str(tmp_path_factory.mktemp("snap")), keys=10)
    return pathlib.Path(path).read_bytes(), status


@pytest.fixture
def pods(monkeypatch, snapshot, tmp_path):
    data, status = snapshot
    bad = tmp_path / "bad.db"
    bad.write_bytes(data)
    flip_value_byte(str(bad), b"value-003")
    made = {n: FakePod(snapshot=data) for n in ("etcd-0", "etcd-1", "etcd-2")}
    made["etcd-1"].snapshot = bad.read_bytes()
    for pod in made.values():
        pod.status = status

    def make(api_client, namespace, name, container):
        pexec = FakePodExec(made[name], namespace, name, container)
        pexec.core = SimpleNamespace(read_namespaced_pod=lambda n, ns, **kw: SimpleNamespace(data=json.dumps(RUNNING)))
        return pexec

    monkeypatch.setattr(etcd_pod, "PodExec", make)
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=SimpleNamespace(client=None)))
    return made


def run(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        mod.main()
    return json.loads(capsys.readouterr().out)


def members(tmp_path, names):
    return [{"pod": n, "dest": str(tmp_path / "b" / (n + ".db"))} for n in names]


def test_every_member_test_restored_and_recorded(capsys, pods, tmp_path, snapshot):
    result = run(capsys, {"namespace": "ns", "members": members(tmp_path, ("etcd-0", "etcd-2"))})
    assert not result.get("failed"), result
    for art in result["artifacts"]:
        rec = art["restore_test"]
        assert art["restore_tested"] and rec["where"] == "node" and rec["revision"] == snapshot[1]["revision"]
        assert rec["data_keys"] == 11 and rec["restored_revision"] == rec["revision"]
    assert all(p.files == {} for p in pods.values())


def test_damaged_member_fails_the_task_is_named_and_kept(capsys, pods, tmp_path):
    result = run(capsys, {"namespace": "ns", "members": members(tmp_path, ("etcd-0", "etcd-1", "etcd-2"))})
    assert result["failed"] and "Test-restore of etcd member etcd-1 FAILED" in result["msg"]
    assert "expected sha256" in result["msg"] and "kept for inspection" in result["msg"]
    assert result["restore_test_failed"] == ["etcd-1"]
    [failed] = result["failed_members"]
    kept = str(tmp_path / "b" / "etcd-1.db")
    assert failed["pod"] == "etcd-1" and failed["kept"] == [kept] and os.path.exists(kept)
    assert [a["member"] for a in result["artifacts"]] == ["etcd-0", "etcd-2"]
    assert all(p.files == {} for p in pods.values())  # temporary files and scratch directories gone in the pods


def test_pod_fallback_and_off(capsys, pods, tmp_path):
    args = {"namespace": "ns", "pod": "etcd-0", "dest": str(tmp_path / "a.db"), "test_restore_location": "pod"}
    result = run(capsys, args)
    assert result["artifact"]["restore_test"]["where"] == "pod" and pods["etcd-0"].files == {}
    assert any("restore" in c for c in pods["etcd-0"].commands)
    result = run(capsys, dict(args, pod="etcd-1", test_restore=False))
    assert not result.get("failed") and result["artifact"]["restore_tested"] is False  # off: the damage goes unseen
    pods["etcd-1"].restore_error = "Error: expected sha256 [1 2], got [3 4]"  # what etcdctl in the pod answers
    result = run(capsys, dict(args, pod="etcd-1", dest=str(tmp_path / "c.db")))
    assert result["failed"] and "etcd-1" in result["msg"] and "expected sha256" in result["msg"]
    assert result["kept"] == [str(tmp_path / "c.db")] and os.path.exists(result["kept"][0])


def test_check_mode_says_where(capsys, pods, tmp_path):
    args = {"namespace": "ns", "dest": str(tmp_path / "a.db"), "_ansible_check_mode": True}
    assert run(capsys, args)["would_test_restore"] == "node"
    assert run(capsys, dict(args, test_restore=False))["would_test_restore"] is None
    many = {"namespace": "ns", "members": members(tmp_path, ("etcd-0", "etcd-1")), "_ansible_check_mode": True}
    assert run(capsys, dict(many, test_restore_location="pod"))["would_test_restore"] == ["pod", "pod"]
    assert not (tmp_path / "a.db").exists()
