"""Fixtures for the hosted-cluster etcd end-to-end tests (on the simulated management cluster)."""

import pytest

from tests.harness.etcd import seed_keys
from tests.harness.net import wait_for
from tests.sim.cluster import ManagementCluster

from .helpers import KEY_PREFIX, backup_host, cluster_state, find_manifests, run, write_inventory

BUCKET = "hc-backups"


@pytest.fixture
def ha_cluster(mgmt_cluster):
    """A HighlyAvailable hosted cluster (3 etcd members, AES-CBC encryption) holding 3000 keys."""
    hc = mgmt_cluster.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    data = seed_keys(3000, prefix=KEY_PREFIX)
    hc.etcd.put_many(data, per_txn=100)  # the same keys, 30 raft entries instead of 3000 (~5 s of etcd CPU less)
    return hc, {k.encode(): v for k, v in data.items()}


@pytest.fixture
def bucket(moto):
    moto.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture(scope="module")
def shared_mgmt(tmp_path_factory, moto_server):
    """One management cluster for a whole test module (tests that each restore bring it back to a known state)."""
    moto_server.reset()
    mgmt = ManagementCluster(str(tmp_path_factory.mktemp("mgmt-shared")), moto=moto_server, name="mgmt-shared")
    try:
        yield mgmt.start()
    finally:
        mgmt.stop()


@pytest.fixture(scope="module")
def shared_backup(shared_mgmt, tmp_path_factory):
    """The module's HA cluster (3000 keys, AES-CBC) and ONE backup of it to disk, taken once for the module."""
    hc = shared_mgmt.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    data = seed_keys(3000, prefix=KEY_PREFIX)
    hc.etcd.put_many(data, per_txn=100)  # the same keys, 30 raft entries instead of 3000
    work = tmp_path_factory.mktemp("shared-backup")
    inv = write_inventory(
        work,
        {hc.name: backup_host(hc, shared_mgmt, hostedcluster_etcd_backup_dir=str(work / "backups"))},
        name="backup-inventory.yml",
    )
    res = run("hostedcluster_etcd_backup", inv)
    assert res.rc == 0, res
    [manifest] = find_manifests(work / "backups")
    return hc, {k.encode(): v for k, v in data.items()}, manifest


@pytest.fixture
def backed_up(shared_mgmt, shared_backup):
    """The shared cluster, clean (healthy, no record, no fault), then changed after the backup (keys added and
    overwritten). Returns (mgmt, hc, data at the backup, data now, manifest)."""
    mgmt = shared_mgmt
    hc, data, manifest = shared_backup
    mgmt.faults.clear()
    left = cluster_state(mgmt, hc)
    assert not left["ocp_annotations"] and left["hc_paused"] is None, "an earlier test left it dirty: %s" % left
    wait_for(hc.etcd.healthy, timeout=60, what="the shared cluster's etcd to be healthy")
    later = seed_keys(200, prefix=KEY_PREFIX + "later/")
    later[(KEY_PREFIX + "000007")] = b"overwritten after the backup"
    hc.etcd.put_many(later, per_txn=100)
    changed = dict(data)
    changed.update({k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in later.items()})
    assert hc.etcd.get_all(KEY_PREFIX) == changed
    return mgmt, hc, data, changed, manifest
