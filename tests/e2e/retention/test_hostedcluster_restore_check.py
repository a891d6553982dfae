"""hostedcluster_etcd_backup with the test-restore and retention, one playbook run over two hosted clusters:

- "damaged": etcd-1's snapshot is damaged where it is written (a bit flipped after `snapshot save`, so `snapshot
  status`, the sha256 and the upload all pass): the backup fails naming etcd-1 and the cause, the cluster is put
  back, no manifest is written (the backup is not reported good) and this run's files and objects are kept;
- "good" (SingleReplica): its member test-restored on the controller and recorded in the manifest, in well under
  a second, then hostedcluster_etcd_backup_retention {keep_last: 2} removes the older backups, not the locked one.

The damage comes from an etcdctl stand-in placed on the etcd pods' volume (hostedcluster_etcd_backup_etcdctl_path):
it runs the real etcdctl, then flips a bit of the file `snapshot save` wrote, on etcd-1 only.
"""

import json
import os
import shutil
import sys

from tests.e2e.hostedcluster.helpers import backup_host, cluster_state, find_manifests, load_json, run, write_inventory

WRAPPER = """#!%(python)s
import os, subprocess, sys
rc = subprocess.call([%(etcdctl)r] + sys.argv[1:])
if rc == 0 and sys.argv[-3:-1] == ["snapshot", "save"] and os.environ.get("HOSTNAME") == "etcd-1":
    with open(sys.argv[-1], "r+b") as f:
        data = f.read()
        at = data.index(b"/kubernetes.io/retention/k0007") + 40
        f.seek(at)
        f.write(bytes([data[at] ^ 0x01]))
sys.exit(rc)
"""


def place_wrapper(mgmt, hc):
    """etcdctl stand-in at /var/lib/bin/etcdctl in every etcd pod of hc (the pods' volume is a host directory)."""
    for i in range(3):
        pvc = mgmt.get("v1", "PersistentVolumeClaim", "data-etcd-%d" % i, hc.hcp_namespace)
        bindir = os.path.join(pvc["metadata"]["annotations"]["sim.ocp.day2/host-path"], "bin")
        os.makedirs(bindir, exist_ok=True)
        path = os.path.join(bindir, "etcdctl")
        with open(path, "w") as f:
            f.write(WRAPPER % {"python": sys.executable, "etcdctl": shutil.which("etcdctl")})
        os.chmod(path, 0o755)
    return "/var/lib/bin/etcdctl"


def old_backups(root, ids, locked=()):
    for backup_id in ids:
        d = root / backup_id
        d.mkdir(parents=True)
        (d / "manifest.json").write_text(json.dumps({"started_at": None, "members": [{"restore_tested": True}]}))
        if backup_id in locked:
            (d / "ocp-day2-lock-migration.json").write_text(json.dumps({"reason": "migration m1"}))


def test_damaged_member_fails_backup_good_one_recorded_and_retained(mgmt_cluster, moto, tmp_path):
    damaged = mgmt_cluster.create_hosted_cluster(name="damaged", availability="HighlyAvailable", nodepools=1)
    good = mgmt_cluster.create_hosted_cluster(name="good", availability="SingleReplica", nodepools=1)
    damaged.etcd.put_many({"/kubernetes.io/retention/k%04d" % i: b"v" * 100 for i in range(50)})
    bucket = "hc-retention"
    moto.client("s3").create_bucket(Bucket=bucket)
    before = cluster_state(mgmt_cluster, damaged)
    backups = tmp_path / "backups"
    old_backups(backups / "clusters-good", ["20240101T000000Z", "20240102T000000Z", "20240103T000000Z"],
                locked=["20240101T000000Z"])  # fmt: skip
    hosts = {
        "damaged": backup_host(
            damaged, mgmt_cluster, hostedcluster_etcd_backup_dir=str(backups),
            hostedcluster_etcd_backup_s3_bucket=bucket,
            hostedcluster_etcd_backup_etcdctl_path=place_wrapper(mgmt_cluster, damaged),
            hostedcluster_etcd_backup_snapshot_attempts=1,
        ),
        "good": backup_host(
            good, mgmt_cluster, hostedcluster_etcd_backup_dir=str(backups),
            hostedcluster_etcd_backup_retention={"keep_last": 2},
        ),
    }  # fmt: skip
    group = {"ocp_day2_aws_endpoint_url": moto.endpoint_url}
    res = run("hostedcluster_etcd_backup", write_inventory(tmp_path, hosts, group_vars=group), env=moto.env, forks=2)
    assert res.rc != 0, res
    out = res.stdout + res.stderr

    # damaged: named, with the cause; not reported good; put back; artifacts kept for inspection
    assert "Test-restore of etcd member etcd-1 FAILED" in out and "expected sha256" in out, out
    assert "FAILED the test-restore" in out and "KEPT for inspection" in out
    assert cluster_state(mgmt_cluster, damaged) == before
    [run_dir] = (backups / "clusters-damaged").iterdir()
    assert sorted(p.name for p in run_dir.iterdir() if p.name.endswith(".db")) == [
        "etcd-0.snapshot.db", "etcd-1.snapshot.db", "etcd-2.snapshot.db"]  # fmt: skip
    assert not (run_dir / "manifest.json").exists()
    keys = [o["Key"] for o in moto.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert any(k.endswith("/etcd-1.snapshot.db") for k in keys) and not any(k.endswith("manifest.json") for k in keys)

    # good: every member test-restored on the controller, recorded, cheap; then retention keeps the last 2 + the lock
    [manifest_path] = [p for p in find_manifests(backups / "clusters-good") if "/2024" not in str(p)]
    manifest = load_json(manifest_path)
    for member in manifest["members"]:
        rec = member["restore_test"]
        assert member["restore_tested"] and rec["where"] == "node" and rec["revision"] == member["revision"]
        assert rec["restored_revision"] == member["revision"] and "data sha256" in rec["compared"]
        assert rec["duration"] < 1.0, rec  # the cost per member
    new_id = os.path.basename(os.path.dirname(manifest_path))
    assert sorted(os.listdir(backups / "clusters-good")) == sorted(["20240101T000000Z", "20240103T000000Z", new_id])
