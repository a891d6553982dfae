"""ocp4_etcd_backup end to end: cluster-backup.sh (the stand-in in tests/ocp4_scripts) on a control-plane host of
the simulated OpenShift 4 cluster, both files fetched with sha256, the release and timestamp in the manifest, modes
0600/0700; the guard (ocp4_backup_check) passes for the same release and refuses another one."""

import hashlib
import json
import os
import stat

from .conftest import VERSION

GUARD_PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ocp.day2.ocp4_backup_check:
        path: "{{ path }}"
        kubeconfig: "{{ kubeconfig }}"
      register: check
    - ansible.builtin.copy:
        content: "{{ check | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_backup_fetched_verified_and_recorded(scenario, backup):
    local, _result = backup
    names = sorted(os.listdir(local))
    stamp = os.path.basename(local)
    assert names == ["manifest.json", "snapshot_%s.db" % stamp, "static_kuberesources_%s.tar.gz" % stamp]
    assert stat.S_IMODE(os.stat(local).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(scenario.dest).st_mode) == 0o700
    for name in names:
        assert stat.S_IMODE(os.stat(os.path.join(local, name)).st_mode) == 0o600, name
    with open(os.path.join(local, "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["cluster_version"] == VERSION
    assert manifest["timestamp"] == stamp
    assert manifest["host"] == "master-0"
    for name in names[1:]:
        assert manifest["files"][name]["sha256"] == _sha(os.path.join(local, name))
    # the host copy is kept (the restore copies it to the recovery host), in a fresh directory of this run
    remote = os.path.join(scenario.hosts.root("master-0"), "home/core/assets/backup")
    (run_dir,) = os.listdir(remote)
    assert sorted(os.listdir(os.path.join(remote, run_dir))) == names[1:]


def test_guard_passes_same_release_and_refuses_another(scenario, backup):
    local, _ = backup
    out = os.path.join(scenario.base, "guard.json")
    extra = {"path": local, "kubeconfig": scenario.cluster.kubeconfig, "out": out}
    ok = scenario.play(GUARD_PLAY, "guard.yml", "localhost,", extra_vars=extra)
    assert ok.rc == 0, ok.stdout[-3000:]
    with open(out) as f:
        assert json.load(f)["cluster_version"] == VERSION
    scenario.cluster.put(scenario.cluster.cluster_version_object("4.14.9"))
    try:
        bad = scenario.play(GUARD_PLAY, "guard.yml", "localhost,", extra_vars=extra)
    finally:
        scenario.cluster.put(scenario.cluster.cluster_version_object(VERSION))
    assert bad.rc != 0
    assert "taken on 4.14.8 but the cluster runs 4.14.9" in bad.stdout, bad.stdout[-3000:]
    assert "same z-stream" in bad.stdout
