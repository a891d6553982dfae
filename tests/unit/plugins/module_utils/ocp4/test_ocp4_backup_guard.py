"""The same z-stream guard of OpenShift 4 etcd backups (003 §5.4.2.2): file pairing, the cluster's version, the
comparison with the manifest."""

import json
import os

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import backup

SNAP = "snapshot_2024-03-03_032848.db"
STATIC = "static_kuberesources_2024-03-03_032848.tar.gz"


def _cv(*history, desired=None):
    return {"status": {"desired": {"version": desired}, "history": [{"state": s, "version": v} for s, v in history]}}


def test_backup_files_pairs_one_run():
    assert backup.backup_files([STATIC, SNAP, "manifest.json"]) == ("2024-03-03_032848", SNAP, STATIC)


@pytest.mark.parametrize(
    "names, words",
    [
        ([SNAP], "static resources none"),
        ([STATIC], "found snapshots none"),
        ([SNAP, STATIC, "snapshot_2024-03-04_000000.db"], "exactly one"),
        ([SNAP, "static_kuberesources_2024-03-03_032849.tar.gz"], "different backups"),
        (["snapshot_2024-03-03.db", STATIC], "found snapshots none"),
    ],
)
def test_backup_files_refuses(names, words):
    with pytest.raises(Day2Error, match=words):
        backup.backup_files(names)


def test_cluster_version_newest_completed():
    assert backup.cluster_version(_cv(("Completed", "4.14.8"), ("Completed", "4.14.7"))) == "4.14.8"
    assert backup.cluster_version(_cv(desired="4.15.0-rc.1")) == "4.15.0-rc.1"


def test_cluster_version_refuses_update_in_progress():
    with pytest.raises(Day2Error, match="being updated to 4.14.9.*last completed 4.14.8"):
        backup.cluster_version(_cv(("Partial", "4.14.9"), ("Completed", "4.14.8")))


@pytest.mark.parametrize("value", [None, "", "4.14", "v4.14.8", "4.14.8 "])
def test_cluster_version_refuses_garbage(value):
    with pytest.raises(Day2Error, match="not a release version"):
        backup.cluster_version(_cv(desired=value))


def _manifest(version="4.14.8", ts="2024-03-03_032848", sha="a" * 64):
    return backup.build_manifest(ts, {SNAP: {"sha256": sha, "size": 1}, STATIC: {"sha256": sha, "size": 1}}, version)


def test_zstream_same_release_passes():
    assert backup.zstream_problems(_manifest(), "2024-03-03_032848", {SNAP: "a" * 64, STATIC: "a" * 64}, "4.14.8") == []


@pytest.mark.parametrize(
    "manifest, running, sums, words",
    [
        (_manifest("4.14.7"), "4.14.8", None, "taken on 4.14.7 but the cluster runs 4.14.8"),
        (_manifest("4.13.8"), "4.14.8", None, "same z-stream"),
        (_manifest("4.14.8"), "4.14.8-rc.1", None, "runs 4.14.8-rc.1"),
        ({k: v for k, v in _manifest().items() if k != "cluster_version"}, "4.14.8", None, "unrecorded version"),
        (_manifest(ts="2024-03-02_000000"), "4.14.8", None, "names the backup of 2024-03-02_000000"),
        (_manifest(), "4.14.8", {SNAP: "b" * 64, STATIC: "a" * 64}, SNAP + " has sha256 bbbb"),
    ],
)
def test_zstream_refusals(manifest, running, sums, words):
    sums = sums or {SNAP: "a" * 64, STATIC: "a" * 64}
    problems = backup.zstream_problems(manifest, "2024-03-03_032848", sums, running)
    assert any(words in p for p in problems), problems


def test_read_dir_and_manifest_roundtrip(tmp_path):
    for name in (SNAP, STATIC):
        (tmp_path / name).write_bytes(b"data")
    ts, files, manifest = backup.read_dir(str(tmp_path))
    assert manifest is None and ts == "2024-03-03_032848" and files[SNAP]["size"] == 4
    backup.write_manifest(str(tmp_path), backup.build_manifest(ts, files, "4.14.8", "master-0"))
    assert oct(os.stat(tmp_path / "manifest.json").st_mode & 0o777) == "0o600"
    _ts, _files, again = backup.read_dir(str(tmp_path))
    assert again["cluster_version"] == "4.14.8" and again["files"] == json.loads(json.dumps(files))


def test_read_dir_broken_manifest(tmp_path):
    for name in (SNAP, STATIC):
        (tmp_path / name).write_bytes(b"data")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(Day2Error, match="not a readable manifest"):
        backup.read_dir(str(tmp_path))
