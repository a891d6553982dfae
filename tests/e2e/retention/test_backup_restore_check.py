"""A snapshot damaged where it was written (its sha256 trailer cut off: truncated) passes `snapshot status` but not
the test-restore: ocp3_etcd_backup fails naming the member and the cause, records no backup, and keeps the damaged
snapshot on the host for inspection. In the same playbook run an undamaged host's snapshot is test-restored and
recorded, and ocp3_etcd_backup_retention removes its older backup. (A bit flip is the hosted-cluster test's case;
both damages are also tested with the real etcdctl in tests/unit/plugins/module_utils/etcd/test_restorecheck.py.)

The damage is done by a stand-in etcdctl at the process boundary (ocp3_etcd_backup_etcdctl_path): it runs the
real etcdctl, and after `snapshot save` damages the file it wrote, as etcd-io/etcd#18340 shipped snapshots
without their hash.
"""

import json
import shutil
import sys

import pytest

from tests.harness.ansible import run_playbook, write_playbook

PLAY = "- hosts: all\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_backup\n"

WRAPPER = """#!%(python)s
import subprocess, sys
rc = subprocess.call([%(etcdctl)r] + sys.argv[1:])
if rc == 0 and "save" in sys.argv and "snapshot" in sys.argv:
    path = sys.argv[-1]
    with open(path, "r+b") as f:
        data = f.read()
        if %(damage)r == "flip":
            at = data.index(b"/registry/backup-test/k7") + 30
            f.seek(at)
            f.write(bytes([data[at] ^ 0x01]))
        else:
            f.truncate(len(data) - 32)
sys.exit(rc)
"""


def wrapper(tmp_path, damage):
    path = tmp_path / ("etcdctl-" + damage) / "etcdctl"
    path.parent.mkdir()
    path.write_text(WRAPPER % {"python": sys.executable, "etcdctl": shutil.which("etcdctl"), "damage": damage})
    path.chmod(0o755)
    return str(path)


@pytest.mark.skipif(not shutil.which("etcdctl"), reason="needs etcdctl")
def test_damaged_snapshot_fails_the_backup_names_member_and_is_kept(tmp_path, etcd_tls):
    cluster = etcd_tls
    member = cluster.members[0]
    cluster.put_many({"/registry/backup-test/k%d" % i: b"v" * 64 for i in range(20)})
    (tmp_path / "root" / "etc" / "etcd").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "etcd" / "etcd.conf").write_text("ETCD_NAME=x\n")
    hosts = {}
    for damage in ("cut",):
        hosts["master-" + damage] = {
            "ansible_host": "127.0.0.1",
            "ocp3_etcd_backup_member": "etcd-" + damage,
            "ocp3_etcd_backup_etcdctl_path": wrapper(tmp_path, damage),
            "ocp3_etcd_backup_remote_dir": str(tmp_path / ("remote-" + damage)),
        }
    # a third host, undamaged: its snapshot is test-restored and recorded, then retention keeps the last backup
    hosts["master-good"] = {
        "ansible_host": "127.0.0.1",
        "ocp3_etcd_backup_member": "etcd-good",
        "ocp3_etcd_backup_remote_dir": str(tmp_path / "remote-good"),
        "ocp3_etcd_backup_retention": {"keep_last": 1},
    }
    older = tmp_path / "controller" / "master-good" / "b0"
    older.mkdir(parents=True)
    (older / "manifest.json").write_text(json.dumps({"snapshot": {"taken_at": "2024-01-01T00:00:00Z"}, "config": {}}))
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    common = {
        "ocp3_etcd_backup_endpoints": cluster.endpoints,
        "ocp3_etcd_backup_local_endpoint": member.client_url,
        "ocp3_etcd_backup_cacert": cluster.ca.cert,
        "ocp3_etcd_backup_cert": cluster.client.cert,
        "ocp3_etcd_backup_key": cluster.client.key,
        "ocp3_etcd_backup_root": str(tmp_path / "root"),
        "ocp3_etcd_backup_controller_dir": str(tmp_path / "controller"),
        "ocp3_etcd_backup_snapshot_all_members": True,
        "ocp3_etcd_backup_name": "b1",
    }
    result = run_playbook(write_playbook(tmp_path, PLAY), inventory=str(inventory), extra_vars=common)
    assert result.rc != 0, result
    out = result.stdout + result.stderr
    assert "PLAY RECAP" in out, out
    for damage, cause in (("cut", "snapshot missing hash"),):
        kept = tmp_path / ("remote-" + damage) / "snapshot-b1.db"
        assert "Test-restore of etcd member etcd-%s FAILED" % damage in out, out
        assert cause in out
        # not reported good: no manifest, nothing on the controller; the damaged snapshot stays for inspection
        assert not (tmp_path / "controller" / ("master-" + damage) / "b1" / "manifest.json").exists()
        assert kept.exists() and str(kept) in out
        assert list((tmp_path / ("remote-" + damage)).glob("ocp-day2-restore-test-*")) == []  # scratch removed
    assert "KEPT on master-cut for inspection" in out and "no backup was recorded" in out
    manifest = json.loads((tmp_path / "controller" / "master-good" / "b1" / "manifest.json").read_text())
    assert manifest["snapshot"]["restore_tested"] and manifest["snapshot"]["restore_test"]["data_keys"] >= 20
    assert manifest["snapshot"]["restore_test"]["revision"] == manifest["snapshot"]["revision"]
    assert sorted(p.name for p in (tmp_path / "controller" / "master-good").iterdir()) == ["b1"]  # b0 removed
