"""Where backups are found (module_utils/retention_store.py): manifests, verification, times, locks, removal."""

import datetime
import json
import os

import boto3
import pytest
from moto import mock_aws

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.retention_store import DirStore, S3Store


def manifest(started=None, restore_tested=(True,), sha=("aa",)):
    members = [{"member": "etcd-%d" % i, "sha256": s, "restore_tested": t}
               for i, (s, t) in enumerate(zip(sha, restore_tested))]  # fmt: skip
    data = {"format": "ocp.day2/hostedcluster-etcd-backup/v1", "members": members}
    if started:
        data["started_at"] = started
    return data


def make(root, name, data=None, files=()):
    d = root / name
    d.mkdir()
    if data is not None:
        (d / "manifest.json").write_text(json.dumps(data))
    for f, text in files:
        (d / f).write_text(text)
    return d


def test_dir_store_reads_every_kind_of_backup(tmp_path):
    make(tmp_path, "20260101T000000Z", manifest())
    make(tmp_path, "b2", manifest("2026-02-01T00:00:00Z", (True, False), ("bb", "cc")))
    make(tmp_path, "b3", manifest("2026-03-01T00:00:00Z"), [("ocp-day2-lock-restore.json", '{"reason": "restore r1"}')])
    make(tmp_path, "failed-run", None, [("etcd-0.snapshot.db", "x")])
    make(tmp_path, "other", {"unrelated": True})
    old = {"host": "m", "snapshot": {"taken_at": "2025-12-01T00:00:00Z", "sha256": "dd"}, "config": {}}  # ocp3
    make(tmp_path, "ocp3", old)
    (tmp_path / "loose-file").write_text("not a backup")
    got = {b["id"]: b for b in DirStore(str(tmp_path)).list(protect=["bb"])}
    assert set(got) == {"20260101T000000Z", "b2", "b3", "failed-run", "other", "ocp3"}
    assert got["20260101T000000Z"]["time"] == datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert got["20260101T000000Z"]["verified"] and got["20260101T000000Z"]["restore_tested"]
    assert not got["b2"]["verified"] and got["b2"]["locked"] == "protected (bb)"  # the sha256 of one snapshot
    assert got["b3"]["locked"] == "lock ocp-day2-lock-restore.json: restore r1"
    assert not got["failed-run"]["complete"] and not got["other"]["complete"]
    assert got["ocp3"]["complete"] and got["ocp3"]["verified"] and not got["ocp3"]["restore_tested"]
    assert got["ocp3"]["time"].month == 12


def test_dir_store_migration_record_locks_its_backup(tmp_path):
    make(tmp_path, "20260101T000000Z", manifest())
    make(tmp_path, "m1")
    (tmp_path / "migration.json").write_text(json.dumps({"migration_id": "m1", "completed": False}))
    got = {b["id"]: b for b in DirStore(str(tmp_path)).list([])}
    assert "migration m1 in progress" in got["m1"]["locked"] and got["20260101T000000Z"]["locked"] is None
    (tmp_path / "migration.json").write_text(json.dumps({"migration_id": "m1", "completed": True}))
    assert {b["id"]: b for b in DirStore(str(tmp_path)).list([])}["m1"]["locked"] is None
    (tmp_path / "migration.json").write_text("{broken")
    with pytest.raises(Day2Error, match="none is removed"):
        DirStore(str(tmp_path)).list([])


def test_dir_store_refuses_a_missing_directory(tmp_path):
    with pytest.raises(Day2Error, match="not a directory"):
        DirStore(str(tmp_path / "nope"))


def test_dir_remove(tmp_path):
    d = make(tmp_path, "b1", manifest())
    store = DirStore(str(tmp_path))
    [backup] = store.list([])
    store.remove(backup)
    assert not d.exists() and os.listdir(tmp_path) == []


@mock_aws
def test_s3_store_lists_groups_locks_and_removes():
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="bk-retention")
    base = "hc/clusters/example/"

    def put(k, body):
        s3.put_object(Bucket="bk-retention", Key=base + k, Body=body)

    put("20260101T000000Z/manifest.json", json.dumps(manifest()))
    put("20260101T000000Z/etcd-0.snapshot.db", b"x")
    put("20260102T000000Z/manifest.json", json.dumps(manifest()))
    put("20260102T000000Z/ocp-day2-lock-x", b"")
    put("m9/etcd-0", b"x")
    put("migration.json", json.dumps({"migration_id": "m9", "completed": False,
                                      "snapshot": {"key": base + "m9/etcd-0"}}))  # fmt: skip
    s3.put_object(Bucket="bk-retention", Key="hc/clusters/example-other/20260101T000000Z/manifest.json", Body=b"{}")
    store = S3Store(s3, "bk-retention", "hc/clusters/example")
    got = {b["id"]: b for b in store.list([])}
    assert set(got) == {"20260101T000000Z", "20260102T000000Z", "m9"}  # the neighbour prefix is not ours
    assert got["20260102T000000Z"]["locked"] == "lock ocp-day2-lock-x"
    assert "migration m9 in progress" in got["m9"]["locked"] and not got["m9"]["complete"]
    assert got["20260101T000000Z"]["location"] == "s3://bk-retention/" + base + "20260101T000000Z/"
    assert store.remove(got["20260101T000000Z"])["objects"] == 2
    left = [o["Key"] for o in s3.list_objects_v2(Bucket="bk-retention", Prefix=base)["Contents"]]
    assert not [k for k in left if "20260101T000000Z" in k] and base + "migration.json" in left
