"""etcd_snapshot `manifest`: written only after every artifact is verified, then every file read back against it."""

import hashlib
import json
import os
import stat

import pytest
from ansible.plugins.filter.core import to_nice_json

from ansible_collections.ocp.day2.plugins.module_utils.etcd import manifest as mf
from tests.unit.plugins.modules.etcd_snapshot.test_etcd_snapshot import _members, fake_pods, run  # noqa: F401  # pylint: disable=unused-import
from tests.unit.plugins.modules.etcd_snapshot.test_etcd_snapshot_secrets import KEY, secrets_api  # noqa: F401  # pylint: disable=unused-import

CONTENT = {
    "format": "ocp.day2/hostedcluster-etcd-backup/v1",
    "backup_id": "20260101T000000Z",
    "cluster": "hc",
    "encryption": {"type": "aescbc"},
    "destinations": {"dir": "d", "s3_bucket": "", "s3_prefix": "", "s3_endpoint_url": "", "s3_region": ""},
    "started_at": "2026-01-01T00:00:00Z",
}


def _args(tmp_path, **manifest):
    secrets = [{"name": "hc-key", "namespace": "clusters", "dest": str(tmp_path / "b" / "hc-key.secret.json")}]
    m = {"dest": str(tmp_path / "b" / "manifest.json"), "content": CONTENT, "key_roles": {"hc-key": "active"}}
    m.update(manifest)
    return {"namespace": "ns", "members": _members(tmp_path), "secrets": secrets, "manifest": m}


def test_manifest_written_0600_and_returned(run, secrets_api, tmp_path):  # noqa: F811
    result = run(_args(tmp_path))
    assert not result.get("failed"), result
    path = tmp_path / "b" / "manifest.json"
    text = path.read_bytes()
    doc = json.loads(text)
    assert doc == result["manifest"]
    # byte for byte what the role wrote with to_nice_json(indent=2) before the module took it over
    assert text.decode() == to_nice_json(doc, indent=2) + "\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert result["manifest_file"] == {
        "file": "manifest.json", "dest": str(path), "bytes": len(text), "sha256": hashlib.sha256(text).hexdigest(),
        "md5": hashlib.md5(text).hexdigest(),
    }  # fmt: skip
    assert [m["member"] for m in doc["members"]] == ["etcd-0", "etcd-1", "etcd-2"]
    first, art = doc["members"][0], result["artifacts"][0]
    assert first["file"] == "etcd-0.snapshot.db" and first["sha256"] == art["sha256"] and first["s3"] is None
    assert set(first) == {"member", "revision", "hash", "total_keys", "total_size", "bytes", "sha256", "file", "dest",
                          "s3", "taken_at", "tool", "restore_tested", "restore_test"}  # fmt: skip
    [key] = doc["encryption"]["keys"]
    assert key["role"] == "active" and key["secret"] == "hc-key" and key["file"] == "hc-key.secret.json"
    assert key["sha256"] == result["secrets"][0]["sha256"] and doc["encryption"]["type"] == "aescbc"
    assert doc["finished_at"] >= doc["started_at"] and doc["backup_id"] == CONTENT["backup_id"]
    assert KEY["data"]["key"] not in text.decode()  # references and checksums, never the key


def test_a_file_that_does_not_read_back_fails_and_leaves_no_manifest(run, secrets_api, tmp_path, monkeypatch):  # noqa: F811
    real = mf.file_sha256
    monkeypatch.setattr(mf, "file_sha256", lambda p: ("0" * 64, 0) if p.endswith(".secret.json") else real(p))
    result = run(_args(tmp_path))
    assert result["failed"] and "does not match its manifest" in result["msg"] and "hc-key.secret.json" in result["msg"]
    assert not (tmp_path / "b" / "manifest.json").exists()
    assert len(result["artifacts"]) == 3  # listed for the caller to discard
    assert result["manifest_failed"] is True  # a caller's retry loop stops here: taking the snapshots again won't help


def test_read_back_checks_mode_size_and_sha256(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    os.chmod(path, 0o644)
    sha = hashlib.sha256(b"abc").hexdigest()
    assert "not 0600" in mf._read_back(str(path), 3, sha, True)
    os.chmod(path, 0o600)
    assert "has 4 bytes" not in (mf._read_back(str(path), 4, sha, True) or "") and "the manifest says 4" in (
        mf._read_back(str(path), 4, sha, True)
    )
    assert "sha256" in mf._read_back(str(path), 3, "0" * 64, True)
    assert mf._read_back(str(path), 3, "0" * 64, False) is None  # a snapshot: hashed where it landed
    assert mf._read_back(str(path), 3, sha, True) is None
    assert "cannot be read back" in mf._read_back(str(tmp_path / "gone"), 3, sha, True)


def test_no_manifest_when_a_member_fails(run, secrets_api, fake_pods, tmp_path):  # noqa: F811
    fake_pods["etcd-1"].save_error = "Error: context deadline exceeded"
    result = run(_args(tmp_path))
    assert result["failed"] and not (tmp_path / "b" / "manifest.json").exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"members": None, "secrets": None}, "`manifest` needs `members`"),
        ({"manifest_content": dict(CONTENT, members=[])}, "manifest.content.members is filled in by the module"),
        ({"manifest_dest": "etcd-0.db"}, "is also where a snapshot or a Secret goes"),
    ],
)
def test_refused(run, secrets_api, tmp_path, change, message):  # noqa: F811
    args = _args(tmp_path)
    if "manifest_content" in change:
        args["manifest"]["content"] = change.pop("manifest_content")
    if "manifest_dest" in change:
        args["manifest"]["dest"] = str(tmp_path / "b" / change.pop("manifest_dest"))
    args.update(change)
    args = {k: v for k, v in args.items() if v is not None}
    if "members" not in args:
        args["dest"] = str(tmp_path / "one.db")
    result = run(args)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert not (tmp_path / "b").exists()


def test_check_mode_says_where_the_manifest_would_go(run, secrets_api, tmp_path):  # noqa: F811
    result = run(_args(tmp_path), check=True)
    assert result["would_write_manifest"] == str(tmp_path / "b" / "manifest.json")
    assert not (tmp_path / "b").exists()
