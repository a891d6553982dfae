"""Test-restore: the bbolt walk against `snapshot status`, restores of good and damaged snapshots, the comparison."""

import shutil
import subprocess
from types import SimpleNamespace

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd import bolt
from ansible_collections.ocp.day2.plugins.module_utils.etcd import restorecheck as rc
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
from tests.unit.plugins.modules.etcd_snapshot.realsnap import cut_trailer, flip_value_byte, make_snapshot

pytestmark = pytest.mark.skipif(not shutil.which("etcd"), reason="needs etcd and etcdctl (Debian etcd-server)")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return make_snapshot(str(tmp_path_factory.mktemp("snap")), keys=30)


def copy(snapshot, tmp_path, name="copy.db"):
    path = tmp_path / name
    shutil.copy(snapshot[0], path)
    return str(path)


def test_bolt_figures_agree_with_snapshot_status(snapshot):
    path, status = snapshot
    fig = bolt.figures(path)
    assert fig["revision"] == status["revision"] and fig["total_keys"] == status["totalKey"]
    assert fig["buckets"]["key"] == 30 and fig["data_keys"] == 30 + fig["buckets"]["auth"]


@pytest.mark.parametrize("damage", ["not_bolt", "half"])
def test_bolt_refuses_what_is_no_database(snapshot, tmp_path, damage):
    path = copy(snapshot, tmp_path)
    if damage == "not_bolt":
        with open(path, "r+b") as f:
            f.write(b"\0" * 64)
    else:
        with open(path, "r+b") as f:
            f.truncate(8192)
    with pytest.raises(Day2Error):
        bolt.figures(path)


def test_good_snapshot_restores_with_equal_figures(snapshot, tmp_path):
    path, status = snapshot
    rec = rc.on_node("etcd-0", path, status, rc.local_tools(), str(tmp_path), Deadline(30), ["/b/etcd-0.db"])
    assert rec["restore_tested"] and rec["where"] == "node" and rec["tool"] in ("etcdctl", "etcdutl")
    assert rec["revision"] == rec["restored_revision"] == status["revision"]
    assert rec["data_keys"] == 31 and "data sha256" in rec["compared"]
    assert rec["hash"] == status["hash"]  # the original's; the restored one differs by design (membership)
    assert list(tmp_path.iterdir()) == []  # the scratch directory is gone


@pytest.mark.parametrize(
    ("damage", "words"),
    [(flip_value_byte, "expected sha256"), (cut_trailer, "missing hash")],
    ids=["bit_flip", "truncated"],
)
def test_damaged_snapshot_fails_naming_member_and_cause(snapshot, tmp_path, damage, words):
    path = copy(snapshot, tmp_path)
    damage(path)
    # `snapshot status` still reads it: only the restore finds the damage
    subprocess.run(["etcdctl", "snapshot", "status", path], check=True, capture_output=True,
                   env={"ETCDCTL_API": "3", "PATH": "/usr/bin:/bin"})  # fmt: skip
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(rc.RestoreTestFailed) as err:
        rc.on_node("etcd-1", path, snapshot[1], rc.local_tools(), str(scratch), Deadline(30), [path])
    msg = err.value.msg
    assert "etcd-1" in msg and words in msg and "NOT good" in msg and "kept for inspection (%s)" % path in msg
    assert err.value.result["kept"] == [path] and err.value.result["restore_test"]["restore_tested"] is False
    assert list(scratch.iterdir()) == []


def test_compare_names_each_difference():
    orig = {"revision": 9, "totalKey": 40, "hash": 1, "totalSize": 1}
    fig = {"revision": 9, "total_keys": 40, "data_keys": 30, "data_sha256": "a"}
    assert rc.compare("m", orig, {"revision": 9}, fig, dict(fig)) == []
    assert "revision 8 restored" in rc.compare("m", orig, {"revision": 8}, fig, fig)[0]
    assert "29 data keys" in rc.compare("m", orig, {"revision": 9}, fig, dict(fig, data_keys=29))[0]
    assert "differ" in rc.compare("m", orig, {"revision": 9}, fig, dict(fig, data_sha256="b"))[0]
    assert "`snapshot status` said" in rc.compare("m", orig, {"revision": 9}, dict(fig, total_keys=41), fig)[0]


def test_restore_command_per_tool():
    assert rc.restore_command("etcdutl", "etcdutl", "/s.db", "/d") == ["etcdutl", "snapshot", "restore", "/s.db",
                                                                       "--data-dir", "/d"]  # fmt: skip
    pod = rc.restore_command("etcdctl", "etcdctl", "/s.db", "/d", use_env=True)
    assert pod[0] == "env" and "ETCDCTL_API=3" in pod and pod[-4:] == ["restore", "/s.db", "--data-dir", "/d"]


def test_local_tools_none_when_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert rc.local_tools() is None


def _pod_source(results):
    calls = []

    def run(argv, deadline, step, on_stdout=None):
        calls.append(argv)
        for match, result in results:
            if match(argv):
                return result
        return SimpleNamespace(exit_code=0, stdout=b"", stderr="", message="")

    params = {"pod_tmp_dir": "/var/lib/data", "etcdutl_path": None, "etcdctl_path": None}
    pexec = SimpleNamespace(run=run, where="container etcd of pod ns/etcd-2")
    return SimpleNamespace(params=params, pexec=pexec, path="/var/lib/data/snap.db", member="etcd-2"), calls


def test_in_pod_falls_back_to_etcdctl_and_compares_revision():
    status = b'{"hash": 5, "revision": 12, "totalKey": 40, "totalSize": 4096}'
    src, calls = _pod_source([
        (lambda a: "etcdutl" in a, SimpleNamespace(exit_code=127, stdout=b"", stderr="not found", message="")),
        (lambda a: "status" in a, SimpleNamespace(exit_code=0, stdout=status, stderr="", message="")),
    ])  # fmt: skip
    orig = {"hash": 7, "revision": 12, "totalKey": 42, "totalSize": 4096}
    rec = rc.in_pod("etcd-2", src, orig, Deadline(10), [])
    assert rec["where"] == "pod" and rec["tool"] == "etcdctl" and rec["compared"][-1] == "revision"
    assert calls[-1][:2] == ["rm", "-rf"]  # the scratch directory is removed in the pod

    src, calls = _pod_source([
        (lambda a: "restore" in a, SimpleNamespace(exit_code=1, stdout=b"", stderr="Error: expected sha256 [1]",
                                                   message="")),
    ])  # fmt: skip
    with pytest.raises(rc.RestoreTestFailed, match="etcd-2 FAILED.*expected sha256"):
        rc.in_pod("etcd-2", src, orig, Deadline(10), ["s3://b/k"])
    assert calls[-1][:2] == ["rm", "-rf"]
