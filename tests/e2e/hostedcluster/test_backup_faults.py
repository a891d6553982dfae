"""A fault at each mutating step of the backup: the cluster is left as found, nothing is reported good.

Transient API errors are retried by the modules (4 attempts), so a fault that outlasts them is injected
`times=4`: the step fails, and the rescue's own requests then succeed and put the cluster back. A failure inside
the quiesce step (record, pause, scale down: one hostedcluster_quiesce call) takes one of two rescue branches, nothing
changed yet or put back as recorded: the record write and the API server scale-down (the last write, after the pause
of the HostedCluster and its NodePools) are run; a NodePool pause failing in between takes the same branch as the
scale-down and is unit-tested in the module (test_api_error_after_the_record_says_how_to_put_back).

The API, exec and S3 faults run one after the other on ONE HA cluster (module fixture `faulted`): each leaves it
as found, which the next one checks again before it starts. The test that kills an etcd member has a cluster of
its own (and its re-run is the unhealthy-etcd refusal).
"""

import threading
import time

import pytest

from tests.harness.etcd import seed_keys
from tests.harness.net import wait_for

from .helpers import KEY_PREFIX, backup_host, cluster_state, find_manifests, run, write_inventory

# (id, fault to inject on the simulator, step named in the failure message, whether the cluster was changed)
API_FAULTS = [
    ("record-annotation-500", {"method": "PATCH", "path": r"/hostedclusters/example$", "status": 500, "times": 4},
     "Record the prior state", False),
    ("scale-down-500",
     {"method": "PATCH", "path": r"/deployments/openshift-apiserver/scale$", "status": 500, "times": 4},
     "Record the prior state", True),
    ("snapshot-exec-500", {"method": "GET", "path": r"/pods/etcd-1/exec$", "status": 500, "times": None},
     "Snapshot every etcd member", True),
    # outlasts the module's retries at the first read (whether the key secret exists), before any change
    ("key-secret-read-500", {"method": "GET", "path": r"/secrets/[^/]*etcd-encryption-key$", "status": 500, "times": 4},
     "whether its encryption key secrets exist", False),
]  # fmt: skip

# cheap failures: one snapshot attempt, short waits
CHEAP = {"hostedcluster_etcd_backup_snapshot_attempts": 1, "hostedcluster_etcd_backup_snapshot_timeout": 60}


def _inventory(tmp_path, mgmt, hc, moto=None, bucket=None, **extra):
    host = backup_host(hc, mgmt, hostedcluster_etcd_backup_dir=str(tmp_path / "backups"), **dict(CHEAP, **extra))
    if bucket:
        host.update(
            hostedcluster_etcd_backup_s3_bucket=bucket, hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url
        )
    return write_inventory(tmp_path, {hc.name: host})


def _assert_left_as_found(mgmt, hc, before, res, tmp_path, step, changed=True):
    assert res.rc != 0, res
    assert "FAILED at step" in res.output, res
    assert step in res.output, res
    if changed:
        assert "were put back as found" in res.output, res
    else:
        assert "Nothing on the cluster had been changed" in res.output, res
    assert cluster_state(mgmt, hc) == before
    assert find_manifests(tmp_path / "backups") == []


FAULTS_BUCKET = "hc-backup-faults"


@pytest.fixture(scope="module")
def faulted(shared_mgmt, moto_server):
    """(mgmt, hc, moto server, bucket): the module's HA cluster (3000 keys, AES-CBC) and an empty bucket."""
    hc = shared_mgmt.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    hc.etcd.put_many(seed_keys(3000, prefix=KEY_PREFIX), per_txn=100)
    moto_server.client("s3").create_bucket(Bucket=FAULTS_BUCKET)
    return shared_mgmt, hc, moto_server, FAULTS_BUCKET


@pytest.fixture
def clean(faulted):
    """The module's cluster as an earlier test must have left it: no fault, no record, not paused, etcd healthy."""
    mgmt, hc, _moto, _bucket = faulted
    mgmt.faults.clear()
    left = cluster_state(mgmt, hc)
    assert not left["ocp_annotations"] and left["hc_paused"] is None, "an earlier test left it dirty: %s" % left
    wait_for(hc.etcd.healthy, timeout=60, what="the shared cluster's etcd to be healthy")
    return faulted


@pytest.mark.parametrize(
    "fault,step,changed", [(f, s, c) for _i, f, s, c in API_FAULTS], ids=[i for i, _f, _s, _c in API_FAULTS]
)
def test_api_and_exec_faults_roll_back(clean, tmp_path, fault, step, changed):
    mgmt_cluster, hc, moto, bucket = clean
    before = cluster_state(mgmt_cluster, hc)
    inv = _inventory(tmp_path, mgmt_cluster, hc, moto, bucket)
    mgmt_cluster.faults.add(**fault)
    try:
        res = run("hostedcluster_etcd_backup", inv, env=moto.env)
    finally:
        mgmt_cluster.faults.clear()
    _assert_left_as_found(mgmt_cluster, hc, before, res, tmp_path, step, changed)
    assert moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_s3_down_is_refused_before_any_change(clean, tmp_path):
    """The bucket is checked before the API servers go down, so an unreachable S3 stops the run early."""
    mgmt_cluster, hc, moto, bucket = clean
    before = cluster_state(mgmt_cluster, hc)
    inv = _inventory(tmp_path, mgmt_cluster, hc, moto, bucket)
    mgmt_cluster.s3_down(True)
    try:
        res = run("hostedcluster_etcd_backup", inv, env=dict(moto.env, AWS_MAX_ATTEMPTS="2"))
    finally:
        mgmt_cluster.s3_down(False)
    _assert_left_as_found(
        mgmt_cluster, hc, before, res, tmp_path, "Check the bucket and the etcd pods before any downtime", changed=False
    )
    assert moto.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_member_killed_during_backup_rolls_back_then_rerun_is_refused(mgmt_cluster, ha_cluster, tmp_path):
    """etcd-2 dies once the API servers are down (mid-run), before its snapshot: the run puts everything back; a
    re-run then finds etcd unhealthy and refuses before any change."""
    hc, _data = ha_cluster
    before = cluster_state(mgmt_cluster, hc)
    # the snapshot of etcd-2 is the first exec in etcd-2 (health is asked from etcd-0); etcd-2 dies while it stalls
    stall = mgmt_cluster.faults.add(method="GET", path=r"/pods/etcd-2/exec$", stall=2, times=1)
    stop = threading.Event()

    def killer():
        while not stop.is_set():
            if stall.hits:
                mgmt_cluster.kill_etcd_member(hc, 2)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        res = run("hostedcluster_etcd_backup", _inventory(tmp_path, mgmt_cluster, hc))
    finally:
        stop.set()
        t.join(5)
        mgmt_cluster.faults.clear()
    assert stall.hits
    _assert_left_as_found(mgmt_cluster, hc, before, res, tmp_path, "Snapshot every etcd member")

    # a re-run with etcd-2 still dead is refused before any change: etcd is unhealthy
    before = cluster_state(mgmt_cluster, hc)
    res = run("hostedcluster_etcd_backup", _inventory(tmp_path, mgmt_cluster, hc))
    assert res.rc != 0, res
    assert "is not healthy: etcd-2" in res.output and "Nothing on the cluster had been changed" in res.output, res
    assert cluster_state(mgmt_cluster, hc) == before
    assert find_manifests(tmp_path / "backups") == []
