"""An interrupted backup run, then a re-run: ends in the same state as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

from tests.harness.ansible import collections_path
from tests.harness.net import wait_for

from .helpers import backup_host, cluster_state, find_manifests, load_json, run, write_inventory


def _start_playbook(inventory, env, log_path):
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    full_env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    full_env.update(env or {})
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return subprocess.Popen(
        [binary, "-i", inventory, "ocp.day2.hostedcluster_etcd_backup"],
        env=full_env,
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_interrupted_run_then_rerun(mgmt_cluster, ha_cluster, tmp_path):
    hc, _data = ha_cluster
    before = cluster_state(mgmt_cluster, hc)
    backups = tmp_path / "backups"
    inv = write_inventory(
        tmp_path, {hc.name: backup_host(hc, mgmt_cluster, hostedcluster_etcd_backup_dir=str(backups))}
    )

    # the snapshot of etcd-1 hangs, so the run is surely mid-way (paused, API servers at 0) when it is killed
    # (killed while that request hangs, so no other request of the killed run is still in flight)
    stall = mgmt_cluster.faults.add(method="GET", path=r"/pods/etcd-1/exec$", stall=60, times=1)
    log = tmp_path / "interrupted-run.log"
    proc = _start_playbook(inv, None, str(log))
    try:
        wait_for(lambda: stall.hits >= 1, timeout=300, interval=0.2, what="the backup run to reach etcd-1's snapshot")
        time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        mgmt_cluster.faults.clear()
        print(log.read_text()[-6000:])

    left = cluster_state(mgmt_cluster, hc)
    assert set(left["replicas"].values()) == {0}
    assert left["hc_paused"] is not None
    assert "ocp.day2/backup-prior-state" in left["ocp_annotations"]

    res = run("hostedcluster_etcd_backup", inv)
    assert res.rc == 0, res
    assert "did not finish" in res.stdout
    # same end state as an uninterrupted run: as found, and one good backup
    assert cluster_state(mgmt_cluster, hc) == before
    good = [load_json(p) for p in find_manifests(backups)]
    assert len(good) == 1 and len(good[0]["members"]) == 3
