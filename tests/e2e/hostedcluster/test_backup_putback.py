"""The pause holds while the API servers are down, and a verified backup survives a failing put-back.

The three tests share one HA cluster (module fixture `putback_cluster`): each ends with the cluster put back as
found, which the next one checks before it starts.
"""

import datetime
import hashlib
import json
import os
import threading
import time

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import seed_keys
from tests.harness.net import wait_for

from .helpers import (
    HYPERSHIFT,
    KEY_PREFIX,
    backup_host,
    cluster_state,
    find_manifests,
    load_json,
    run,
    write_inventory,
)

RECORD = "ocp.day2/backup-prior-state"


@pytest.fixture(scope="module")
def putback_cluster(shared_mgmt):
    """The module's HA cluster (3 etcd members, AES-CBC, 3000 keys) on the module's management cluster."""
    hc = shared_mgmt.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    hc.etcd.put_many(seed_keys(3000, prefix=KEY_PREFIX), per_txn=100)
    return shared_mgmt, hc


@pytest.fixture
def cluster(putback_cluster):
    """The shared cluster as an earlier test must have left it: no fault, no record, not paused, etcd healthy."""
    mgmt, hc = putback_cluster
    mgmt.faults.clear()
    left = cluster_state(mgmt, hc)
    assert not left["ocp_annotations"] and left["hc_paused"] is None, "an earlier test left it dirty: %s" % left
    wait_for(hc.etcd.healthy, timeout=60, what="the shared cluster's etcd to be healthy")
    return putback_cluster


class Watcher:
    """Samples the cluster from a thread: (monotonic time, UTC now, HC pausedUntil, kube-apiserver replicas)."""

    def __init__(self, mgmt, hc, on_down=None):
        self.mgmt, self.hc, self.on_down = mgmt, hc, on_down
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        fired = False
        while not self._stop.is_set():
            hc_obj = self.mgmt.get(HYPERSHIFT, "HostedCluster", self.hc.name, self.hc.namespace)
            dep = self.mgmt.get("apps/v1", "Deployment", "kube-apiserver", self.hc.hcp_namespace)
            replicas = dep["spec"].get("replicas")
            now = datetime.datetime.now(datetime.timezone.utc)
            self.samples.append((time.monotonic(), now, hc_obj["spec"].get("pausedUntil"), replicas))
            if replicas == 0 and self.on_down and not fired:
                fired = True
                self.on_down()
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def down_samples(self):
        return [s for s in self.samples if s[3] == 0]


def _expired(paused_until, at):
    if paused_until in (None, ""):
        return True
    if paused_until == "true":
        return False
    until = datetime.datetime.strptime(paused_until[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return until <= at


def test_pause_is_extended_before_snapshots_that_could_outlast_it(cluster, tmp_path):
    """A 8 s pause, snapshots allowed 30 s and one that takes 10 s: the pause never expires while the API is down."""
    mgmt_cluster, hc = cluster
    before = cluster_state(mgmt_cluster, hc)
    host = backup_host(
        hc,
        mgmt_cluster,
        hostedcluster_etcd_backup_dir=str(tmp_path / "backups"),
        hostedcluster_etcd_backup_pause_duration="8s",
        hostedcluster_etcd_backup_snapshot_timeout=30,
        hostedcluster_etcd_backup_snapshot_attempts=1,
    )
    mgmt_cluster.faults.add(method="GET", path=r"/pods/etcd-1/exec$", stall=10, times=1)
    try:
        with Watcher(mgmt_cluster, hc) as watch:
            res = run("hostedcluster_etcd_backup", write_inventory(tmp_path, {hc.name: host}))
    finally:
        mgmt_cluster.faults.clear()
    assert res.rc == 0, res
    down = watch.down_samples()
    # with an expired pause the operator would scale the API servers back up in the middle of the snapshots
    assert down and down[-1][0] - down[0][0] >= 9, "the API servers came back up during the slow snapshot"
    expired = [(at.isoformat(), until) for _m, at, until, _r in down if _expired(until, at)]
    assert expired == [], "the pause expired while the API servers were down: %s" % expired[:3]
    # pushed out to cover the worst case (30 s snapshot + 60 s wait + 60 s margin), not just the 8 s asked for
    latest = max(until for _m, _at, until, _r in down)
    pushed = datetime.datetime.strptime(latest[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    assert pushed - down[0][1] > datetime.timedelta(seconds=100)
    assert "Extend the pause" in res.stdout
    assert cluster_state(mgmt_cluster, hc) == before
    assert len(find_manifests(tmp_path / "backups")) == 1


def test_transient_error_while_scaling_back_keeps_the_backup(cluster, moto, bucket, tmp_path):
    """One 500 on the scale-up of kube-apiserver is retried: the verified backup stands, the cluster is back."""
    mgmt_cluster, hc = cluster
    before = cluster_state(mgmt_cluster, hc)
    host = backup_host(
        hc,
        mgmt_cluster,
        hostedcluster_etcd_backup_dir=str(tmp_path / "backups"),
        hostedcluster_etcd_backup_s3_bucket=bucket,
        hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url,
    )
    faults = []

    def fail_next_scale():  # the next change to kube-apiserver is the scale-up
        faults.append(mgmt_cluster.faults.add(method="PATCH", path=r"/deployments/kube-apiserver(/scale)?$", times=1))

    try:
        with Watcher(mgmt_cluster, hc, on_down=fail_next_scale):
            res = run("hostedcluster_etcd_backup", write_inventory(tmp_path, {hc.name: host}), env=moto.env)
    finally:
        mgmt_cluster.faults.clear()
    assert faults and faults[0].hits == 1
    assert res.rc == 0, res
    assert cluster_state(mgmt_cluster, hc) == before
    [manifest] = find_manifests(tmp_path / "backups")
    assert len(load_json(manifest)["members"]) == 3
    keys = [o["Key"] for o in moto.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert len([k for k in keys if k.endswith(".snapshot.db")]) == 3 and any(k.endswith("manifest.json") for k in keys)


def test_failed_put_back_keeps_the_verified_backup_and_says_what_to_do(cluster, tmp_path):
    """kube-apiserver cannot be scaled back at all: the backup is kept, reported, and the run fails loudly."""
    mgmt_cluster, hc = cluster
    before = cluster_state(mgmt_cluster, hc)
    host = backup_host(hc, mgmt_cluster, hostedcluster_etcd_backup_dir=str(tmp_path / "backups"))

    def block_scale_up():
        mgmt_cluster.faults.add(method="PATCH", path=r"/deployments/kube-apiserver(/scale)?$", times=None)

    try:
        with Watcher(mgmt_cluster, hc, on_down=block_scale_up):
            res = run("hostedcluster_etcd_backup", write_inventory(tmp_path, {hc.name: host}))
    finally:
        mgmt_cluster.faults.clear()
    assert res.rc != 0, res
    assert "is GOOD and KEPT" in res.output and "THE CLUSTER IS NOT PUT BACK" in res.output, res
    assert "state=restored" in res.output, res
    # the backup is there, complete, and matches its manifest
    [path] = find_manifests(tmp_path / "backups")
    manifest = load_json(path)
    assert str(os.path.dirname(path)) in res.output
    for member in manifest["members"]:
        with open(os.path.join(os.path.dirname(path), member["file"]), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == member["sha256"]
    # the record stays, so the cluster can be put back as the message says
    left = cluster_state(mgmt_cluster, hc)
    assert RECORD in left["ocp_annotations"] and left["replicas"]["kube-apiserver"] == 0

    play = write_playbook(
        tmp_path,
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - ocp.day2.hostedcluster_quiesce: %s\n"
        % json.dumps(
            {"name": hc.name, "namespace": hc.namespace, "state": "restored", "record": RECORD,
             "kubeconfig": mgmt_cluster.kubeconfig, "wait_timeout": 60}
        ),
    )  # fmt: skip
    fix = run_playbook(play)
    assert fix.rc == 0, fix.output
    assert cluster_state(mgmt_cluster, hc) == before
