"""ocp3_pvc_backup then ocp3_pvc_restore against the simulated cluster: claim data copied out of a running pod,
every file verified, once file by file (k8s_cp) and once with `oc rsync` as the guide does (a stand-in oc
that runs the real rsync, see oc_rsync_standin.py); then put back into the damaged claim with `oc rsync` (002
§6.4.1) and into a new claim the deployment is switched to (§6.4.2) file by file, each checked file by file."""

import hashlib
import json
import os
import re
import stat
import sys

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import wait_for

PLAY = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_pvc_backup\n"
TWO_PLAYS = (PLAY.replace("  roles:", "  vars: %s\n  roles:") * 2).replace("- hosts", "\n- hosts")


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


def _app(mgmt, ns="shop"):
    mgmt.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "uploads", "namespace": ns},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        }
    )
    mgmt.put(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "demo", "namespace": ns},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "demo"}},
                "template": {
                    "metadata": {"labels": {"app": "demo"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "demo",
                                "image": "registry.example.com/demo:1",
                                "volumeMounts": [{"name": "data", "mountPath": "/opt/app-root/src/uploaded"}],
                            }
                        ],
                        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "uploads"}}],
                    },
                },
            },
        }
    )

    def running():
        pods = mgmt.list("v1", "Pod", ns)
        return any((p.get("status") or {}).get("phase") == "Running" for p in pods)

    wait_for(running, timeout=30, what="the demo pod to run")
    pvc = mgmt.get("v1", "PersistentVolumeClaim", "uploads", ns)
    host = pvc["metadata"]["annotations"]["sim.ocp.day2/host-path"]
    files = {
        "ocp_sop.txt": b"standard operating procedure\n",
        "images/logo.bin": bytes(range(256)) * 400,
        ".hidden": b"dot file\n",
        "with space.txt": b"spaces in names\n",
    }
    for rel, data in files.items():
        path = os.path.join(host, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return ns, files


STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oc_rsync_standin.py")


@pytest.mark.slow
def test_pvc_backup_copies_and_verifies(tmp_path, mgmt_cluster, installed_collection):
    mgmt = mgmt_cluster
    ns, files = _app(mgmt)
    play = write_playbook(tmp_path, PLAY)
    extra = {
        "ocp3_pvc_backup_namespace": ns,
        "ocp3_pvc_backup_controller_dir": str(tmp_path / "pvc"),
        "ocp3_pvc_backup_name": "v1",
        "ocp_day2_kubeconfig": mgmt.kubeconfig,  # the collection-wide variable the role falls back to
    }
    # one run, two plays: file by file (k8s_cp) as v1, then the guide's way as v3: oc rsync POD:PATH/ DIR/ (a
    # stand-in oc, the real rsync), then the same check file by file
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "oc").write_text('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, STANDIN))
    (bindir / "oc").chmod(0o755)
    log = tmp_path / "oc.log"
    rsync = {"ocp3_pvc_backup_name": "v3", "ocp3_pvc_backup_method": "rsync", "ocp3_pvc_backup_oc": str(bindir / "oc")}
    both = write_playbook(
        tmp_path, TWO_PLAYS % (json.dumps({"ocp3_pvc_backup_name": "v1"}), json.dumps(rsync)), "both.yml"
    )
    common = {k: v for k, v in extra.items() if k != "ocp3_pvc_backup_name"}
    result = run_playbook(both, extra_vars=common, env={"OC_STANDIN_LOG": str(log)})
    assert result.rc == 0, result

    base = tmp_path / "pvc" / ns / "v1"
    for d in (tmp_path / "pvc", tmp_path / "pvc" / ns, base, base / "uploads", base / "uploads" / "images"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for rel, data in files.items():
        copy = base / "uploads" / rel
        assert copy.read_bytes() == data, rel
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600, rel
    manifest = json.loads((base / "manifest.json").read_text())
    claim = manifest["claims"][0]
    assert claim["claim"] == "uploads" and claim["path"] == "/opt/app-root/src/uploaded"
    assert claim["files"] == len(files)
    assert claim["sha256"] == {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}

    check = run_playbook(play, extra_vars=extra, check=True)
    assert check.rc == 0 and _changed(check) == 0, check

    assert log.exists(), result
    calls = log.read_text().splitlines()
    assert len(calls) == 1 and calls[0].startswith("oc rsync --kubeconfig=%s -n %s -c " % (mgmt.kubeconfig, ns)), calls
    assert calls[0].endswith(":/opt/app-root/src/uploaded/ %s/" % (tmp_path / "pvc" / ns / "v3" / "uploads")), calls
    v3 = tmp_path / "pvc" / ns / "v3"
    for rel, data in files.items():
        assert (v3 / "uploads" / rel).read_bytes() == data, rel
        assert stat.S_IMODE((v3 / "uploads" / rel).stat().st_mode) == 0o600, rel
    assert json.loads((v3 / "manifest.json").read_text())["claims"][0]["sha256"] == claim["sha256"]

    missing = dict(extra, ocp3_pvc_backup_claims=["uploads", "not-mounted"], ocp3_pvc_backup_name="v2")
    result = run_playbook(play, extra_vars=missing)
    assert result.rc != 0, result
    assert "FAILED at step 'Check that every claim is mounted by a running pod'" in result.output
    assert "not-mounted is not mounted by a running pod" in result.output
    assert not (tmp_path / "pvc" / ns / "v2").exists()

    # ocp3_pvc_restore from the v1 backup (same cluster, same run: one simulator for both roles)
    # the application loses a file, another one is overwritten, a stray one appears
    root, _now = _claim_files(mgmt, ns, "uploads")
    os.unlink(os.path.join(root, "images/logo.bin"))
    with open(os.path.join(root, "ocp_sop.txt"), "wb") as f:
        f.write(b"overwritten\n")
    with open(os.path.join(root, "stray.tmp"), "wb") as f:
        f.write(b"not in the backup\n")

    play = write_playbook(tmp_path, RESTORE, name="restore.yml")
    restore = {
        "ocp3_pvc_restore_src": str(tmp_path / "pvc" / ns / "v1"),
        "ocp3_pvc_restore_delete_extra": True,
        "ocp3_pvc_restore_delay": 1,
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
    }
    # into the existing claim the guide's way (002 §6.4.1: oc rsync DIR/ POD:PATH/, the stand-in oc), checked after
    log.unlink()
    rsync = dict(restore, ocp3_pvc_restore_method="rsync", ocp3_pvc_restore_oc=str(bindir / "oc"))
    result = run_playbook(play, extra_vars=rsync, env={"OC_STANDIN_LOG": str(log)})
    assert result.rc == 0, result
    assert _claim_files(mgmt, ns, "uploads")[1] == files, "every file back, the stray one removed"
    assert "4 file(s) restored into claim uploads of shop" in result.stdout
    calls = log.read_text().splitlines()
    assert len(calls) == 1, calls
    assert calls[0].startswith("oc rsync --kubeconfig=%s -n %s -c demo %s/ " % (mgmt.kubeconfig, ns, base / "uploads"))
    assert calls[0].endswith(":/opt/app-root/src/uploaded/"), calls

    # into a new claim: created, mounted by the deployment in place of the old one, filled and checked
    new = dict(
        restore,
        ocp3_pvc_restore_target_claim="filestore",
        ocp3_pvc_restore_new_claim_size="1Gi",
        ocp3_pvc_restore_workload={"kind": "Deployment", "name": "demo"},
    )
    result = run_playbook(play, extra_vars=new)
    assert result.rc == 0, result
    volumes = mgmt.get("apps/v1", "Deployment", "demo", ns)["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "data", "persistentVolumeClaim": {"claimName": "filestore"}}], volumes
    assert _claim_files(mgmt, ns, "filestore")[1] == files
    assert "restored into claim filestore of shop" in result.stdout

    # a damaged backup is refused before the claim is touched
    with open(tmp_path / "pvc" / ns / "v1" / "uploads" / "ocp_sop.txt", "ab") as f:
        f.write(b"bit rot")
    damaged = run_playbook(play, extra_vars=restore)
    assert damaged.rc != 0 and "it is damaged" in damaged.output and "ocp_sop.txt" in damaged.output, damaged


RESTORE = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_pvc_restore\n"


def _claim_files(mgmt, ns, claim):
    pvc = mgmt.get("v1", "PersistentVolumeClaim", claim, ns)
    root = pvc["metadata"]["annotations"]["sim.ocp.day2/host-path"]
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return root, out
