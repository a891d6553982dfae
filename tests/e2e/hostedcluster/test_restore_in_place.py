"""hostedcluster_etcd_restore in place: from a backup manifest, faults, re-run.

In place from a fresh snapshot (no snapshot given: one is taken from a live member with the API servers down and
restored to every member) runs end to end in tests/e2e/hostedcluster_migrate/test_migrate.py, where the migration
repairs the destination's three one-member etcd clusters that way, with 20,000 keys checked on every member and
the work directory's modes checked. In place from a backup manifest runs to the end in the interrupted-run test
below: its re-run finishes the restore and must end exactly as an uninterrupted one (every member holds the data
of the backup and nothing written after it, the cluster as found, no helper left), so no separate run repeats it.
A failure before the data is replaced (etcd stopped, the helper running) takes one rollback branch whatever the
failing step: the bad-snapshot test fails there (checked in the helper pod) and checks the whole rollback,
so an API fault on the copy into the helper pod, the same branch, is not run again.

The tests share one HA cluster and one backup of it (fixtures shared_backup / backed_up in conftest.py): each
test changes the data after the backup, and every restore or rollback leaves the cluster clean for the next.
"""

import datetime
import os
import threading
import time

from .helpers import HYPERSHIFT, KEY_PREFIX, cluster_state, run, write_inventory


def restore_host(hc, mgmt, **extra):
    host = {
        "hostedcluster_etcd_restore_mode": "in_place",
        "hostedcluster_etcd_restore_name": hc.name,
        "hostedcluster_etcd_restore_namespace": hc.namespace,
        "hostedcluster_etcd_restore_kubeconfig": mgmt.kubeconfig,
        "hostedcluster_etcd_restore_confirm": True,
        "hostedcluster_etcd_restore_wait_timeout": 60,
        "hostedcluster_etcd_restore_retries": 1,
    }
    host.update(extra)
    return host


def pvc_uids(mgmt, hc):
    return {
        i: (mgmt.get("v1", "PersistentVolumeClaim", "data-etcd-%d" % i, hc.hcp_namespace) or {})
        .get("metadata", {})
        .get("uid")
        for i in range(3)
    }


def every_member_has(hc, data):
    for i in range(3):
        assert hc.etcd.get_all(KEY_PREFIX, member=hc.etcd.members[i]) == data, "member %d differs" % i


def test_refused_without_confirmation_and_check_mode_changes_nothing(backed_up, tmp_path):
    mgmt_cluster, hc, _data, changed, manifest = backed_up
    before, uids = cluster_state(mgmt_cluster, hc), pvc_uids(mgmt_cluster, hc)
    host = restore_host(hc, mgmt_cluster, hostedcluster_etcd_restore_manifest=manifest)
    host["hostedcluster_etcd_restore_confirm"] = False
    res = run("hostedcluster_etcd_restore", write_inventory(tmp_path, {hc.name: host}))
    assert res.rc != 0 and "hostedcluster_etcd_restore_confirm=true" in res.output, res

    res = run("hostedcluster_etcd_restore", write_inventory(tmp_path, {hc.name: host}), check=True, diff=True)
    assert res.rc == 0, res
    assert cluster_state(mgmt_cluster, hc) == before
    assert pvc_uids(mgmt_cluster, hc) == uids
    assert hc.etcd.get_all(KEY_PREFIX) == changed


def test_bad_snapshot_never_replaces_good_data(backed_up, tmp_path):
    mgmt_cluster, hc, _data, changed, manifest = backed_up
    before, uids = cluster_state(mgmt_cluster, hc), pvc_uids(mgmt_cluster, hc)
    # a damaged copy of the good snapshot (its sha256 is not recorded anywhere, so only etcd can tell)
    with open(os.path.join(os.path.dirname(manifest), "etcd-0.snapshot.db"), "rb") as f:
        blob = bytearray(f.read())
    for i in range(4096, min(len(blob), 4096 + 8192)):
        blob[i] ^= 0xFF
    bad = tmp_path / "bad.db"
    bad.write_bytes(bytes(blob))
    inv = write_inventory(
        tmp_path, {hc.name: restore_host(hc, mgmt_cluster, hostedcluster_etcd_restore_snapshot=str(bad))}
    )
    res = run("hostedcluster_etcd_restore", inv)
    assert res.rc != 0, res
    assert "FAILED at step" in res.output and "No data had been touched" in res.output, res
    assert cluster_state(mgmt_cluster, hc) == before
    assert pvc_uids(mgmt_cluster, hc) == uids
    assert mgmt_cluster.get("apps/v1", "Deployment", "etcd-data", hc.hcp_namespace) is None
    assert hc.etcd.healthy()
    every_member_has(hc, changed)


def reconciliation(mgmt, hc):
    hc_obj = mgmt.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace)
    conds = {c["type"]: c for c in (hc_obj.get("status") or {}).get("conditions") or []}
    return (conds.get("ReconciliationActive") or {}).get("status")


# seconds: the restore's time box in the next test, short so the test can outwait it, long enough to reach the
# point where etcd is stopped (the pause becomes indefinite there) on a loaded machine
PAUSE = 45


class PauseWatch(threading.Thread):
    """Notes the latest time-boxed pausedUntil the HostedCluster carried while a run was going."""

    def __init__(self, mgmt, hc):
        super().__init__(daemon=True)
        self.mgmt, self.hc, self.latest, self.done = mgmt, hc, None, threading.Event()
        self.seen = []

    def run(self):
        while not self.done.wait(0.3):
            obj = self.mgmt.get(HYPERSHIFT, "HostedCluster", self.hc.name, self.hc.namespace) or {}
            value = (obj.get("spec") or {}).get("pausedUntil")
            if not self.seen or self.seen[-1][1] != value:
                self.seen.append((datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S"), value))
            if value and value != "true":
                moment = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
                self.latest = max(self.latest or moment, moment)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_exc):
        self.done.set()
        self.join()


def test_interrupted_after_data_replaced_stays_paused_past_time_box_then_rerun_finishes(backed_up, tmp_path):
    """PVC deletion keeps failing after member 0 was restored: the run stops with the record kept and the pause
    indefinite (since etcd was stopped), so when the original time box has passed the cluster is still paused
    with etcd and the API servers at 0; a re-run finishes with the recorded snapshot and ends like an
    uninterrupted restore."""
    mgmt_cluster, hc, data, _changed, manifest = backed_up
    before = cluster_state(mgmt_cluster, hc)
    host = restore_host(hc, mgmt_cluster, hostedcluster_etcd_restore_manifest=manifest)
    host["hostedcluster_etcd_restore_pause_duration"] = "%ds" % PAUSE
    inv = write_inventory(tmp_path, {hc.name: host})
    mgmt_cluster.faults.add(method="DELETE", path=r"/persistentvolumeclaims/data-etcd-1$", status=500, times=None)
    try:
        with PauseWatch(mgmt_cluster, hc) as watch:
            res = run("hostedcluster_etcd_restore", inv)
    finally:
        mgmt_cluster.faults.clear()
    print("pause watch: latest time box %s, seen %s" % (watch.latest, watch.seen))
    assert res.rc != 0, res
    assert "re-run the same playbook" in res.output and "INDEFINITELY" in res.output, res

    # wait past the last time box the run wrote: nothing may resume
    assert watch.latest is not None
    now = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(max(0.0, (watch.latest - now).total_seconds() + 3))
    left = cluster_state(mgmt_cluster, hc)
    assert "ocp.day2/restore-prior-state" in left["ocp_annotations"]
    assert left["hc_paused"] == "true" and set(left["np_paused"].values()) == {"true"}, left
    assert reconciliation(mgmt_cluster, hc) == "False"
    assert set(left["replicas"].values()) == {0} and left["etcd_replicas"] == 0, left

    res = run("hostedcluster_etcd_restore", inv)
    assert res.rc == 0, res
    assert "was interrupted in phase data-replaced" in res.stdout
    assert cluster_state(mgmt_cluster, hc) == before
    # as after an uninterrupted restore: the backup's keys and values on every member, nothing written after it
    every_member_has(hc, data)
    assert hc.etcd.healthy()
    assert mgmt_cluster.get("apps/v1", "Deployment", "etcd-data", hc.hcp_namespace) is None
