"""A fault at each mutating step of the backup: the cluster is left as found, nothing is reported good."""

import threading
import time

import pytest

from .helpers import backup_host, cluster_state, find_manifests, run, write_inventory

# (id, fault to inject on the simulator, step named in the failure message)
API_FAULTS = [
    ("record-annotation-500", {"method": "PATCH", "path": r"/hostedclusters/example$", "status": 500, "times": 1},
     "Record the prior state"),
    ("pause-nodepool-500", {"method": "PATCH", "path": r"/nodepools/", "status": 500, "times": 1},
     "Pause the HostedCluster"),
    ("scale-down-500",
     {"method": "PATCH", "path": r"/deployments/openshift-apiserver/scale$", "status": 500, "times": 1},
     "Scale the API servers to 0"),
    ("snapshot-exec-500", {"method": "GET", "path": r"/pods/etcd-1/exec$", "status": 500, "times": None},
     "Snapshot each etcd member"),
    ("key-secret-read-500", {"method": "GET", "path": r"/secrets/[^/]*etcd-encryption-key$", "status": 500, "times": 1},
     "Read the encryption key secrets"),
]  # fmt: skip


def _inventory(tmp_path, mgmt, hc, moto=None, bucket=None, **extra):
    host = backup_host(hc, mgmt, hostedcluster_etcd_backup_dir=str(tmp_path / "backups"), **extra)
    if bucket:
        host.update(
            hostedcluster_etcd_backup_s3_bucket=bucket, hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url
        )
    return write_inventory(tmp_path, {hc.name: host})


def _assert_left_as_found(mgmt, hc, before, res, tmp_path, step):
    assert res.rc != 0, res
    assert "FAILED at step" in res.output, res
    assert step in res.output, res
    assert cluster_state(mgmt, hc) == before
    assert find_manifests(tmp_path / "backups") == []


@pytest.mark.parametrize("fault,step", [(f, s) for _i, f, s in API_FAULTS], ids=[i for i, _f, _s in API_FAULTS])
def test_api_and_exec_faults_roll_back(mgmt_cluster, moto, bucket, ha_cluster, tmp_path, fault, step):
    hc, _data = ha_cluster
    before = cluster_state(mgmt_cluster, hc)
    inv = _inventory(tmp_path, mgmt_cluster, hc, moto, bucket)
    mgmt_cluster.faults.add(**fault)
    try:
        res = run("hostedcluster_etcd_backup", inv, env=moto.env)
    finally:
        mgmt_cluster.faults.clear()
    _assert_left_as_found(mgmt_cluster, hc, before, res, tmp_path, step)
    objects = moto.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    assert not [o for o in objects if o["Key"].endswith("manifest.json")]


def test_s3_down_rolls_back(mgmt_cluster, moto, bucket, ha_cluster, tmp_path):
    hc, _data = ha_cluster
    before = cluster_state(mgmt_cluster, hc)
    inv = _inventory(tmp_path, mgmt_cluster, hc, moto, bucket)
    mgmt_cluster.s3_down(True)
    try:
        res = run("hostedcluster_etcd_backup", inv, env=moto.env)
    finally:
        mgmt_cluster.s3_down(False)
    _assert_left_as_found(mgmt_cluster, hc, before, res, tmp_path, "Snapshot each etcd member")
    objects = moto.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
    assert not [o for o in objects if o["Key"].endswith("manifest.json")]


def test_unhealthy_etcd_is_refused_without_change(mgmt_cluster, ha_cluster, tmp_path):
    hc, _data = ha_cluster
    mgmt_cluster.kill_etcd_member(hc, 2)
    before = cluster_state(mgmt_cluster, hc)
    res = run("hostedcluster_etcd_backup", _inventory(tmp_path, mgmt_cluster, hc))
    assert res.rc != 0, res
    assert "is not healthy" in res.output and "Nothing on the cluster had been changed" in res.output, res
    assert cluster_state(mgmt_cluster, hc) == before


def test_member_killed_during_backup_rolls_back(mgmt_cluster, ha_cluster, tmp_path):
    """etcd-2 dies once the API servers are down (mid-run): the run fails and puts everything back."""
    hc, _data = ha_cluster
    before = cluster_state(mgmt_cluster, hc)
    # hold etcd-1's snapshot a few seconds so etcd-2 surely dies before its own snapshot
    mgmt_cluster.faults.add(method="GET", path=r"/pods/etcd-1/exec$", stall=3, times=1)
    stop = threading.Event()

    def killer():
        while not stop.is_set():
            if cluster_state(mgmt_cluster, hc)["replicas"]["kube-apiserver"] == 0:
                mgmt_cluster.kill_etcd_member(hc, 2)
                return
            time.sleep(0.1)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        res = run("hostedcluster_etcd_backup", _inventory(tmp_path, mgmt_cluster, hc))
    finally:
        stop.set()
        t.join(5)
        mgmt_cluster.faults.clear()
    _assert_left_as_found(mgmt_cluster, hc, before, res, tmp_path, "Snapshot each etcd member")
