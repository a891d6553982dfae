"""ocp3_etcd_backup then ocp3_etcd_restore on a real 3-member etcd with TLS: restore onto one member, re-add
the others, every key compared on every member; a failure half-way puts the original members back.

etcd runs as static pods, as on 3.11 masters (002 §5.4.2.2): a kubelet stand-in runs each member while its
manifest is in its pods directory and stops it 4 s after the manifest left. The failing run uses the
role's stop_method command (systemd-style stop and start commands)."""

import base64
import json
import os
import re
import subprocess
import sys

import pytest

from tests.e2e.ocp3_backup.kubelet import StaticPodKubelet
from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import EtcdCluster, seed_keys
from tests.harness.net import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "etcd_member.py")
NAMES = ("etcd-0", "etcd-1", "etcd-2")


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


def _dump(cluster, member=None):
    args = ["get", "", "--prefix", "-w", "json"]
    endpoints = None
    if member is not None:
        args.append("--consistency=s")
        endpoints = [member.client_url]
    out = json.loads(cluster.etcdctl(*args, endpoints=endpoints).stdout)
    return {base64.b64decode(kv["key"]): base64.b64decode(kv.get("value", "")) for kv in out.get("kvs", [])}


def _members(cluster):
    return json.loads(cluster.etcdctl("member", "list", "-w", "json").stdout)["members"]


@pytest.fixture
def etcd3(tmp_path):
    cluster = EtcdCluster(str(tmp_path / "etcd"), names=NAMES)
    config = {}
    for m in cluster.members:
        config[m.name] = {
            "client_url": m.client_url,
            "peer_url": m.peer_url,
            "cert": m.cert.cert,
            "key": m.cert.key,
            "ca": cluster.ca.cert,
            "log": m.log_path,
            "pidfile": m.log_path + ".pid",
        }
    config_path = tmp_path / "members.json"
    config_path.write_text(json.dumps(config))
    cluster.config_path = str(config_path)
    for m in cluster.members:
        conf = tmp_path / m.name / "etcd.conf"
        conf.parent.mkdir(exist_ok=True)
        conf.write_text(
            "ETCD_NAME=%s\nETCD_DATA_DIR=%s\nETCD_INITIAL_ADVERTISE_PEER_URLS=%s\nETCD_INITIAL_CLUSTER=%s\n"
            "ETCD_INITIAL_CLUSTER_STATE=new\nETCD_INITIAL_CLUSTER_TOKEN=%s\n"
            % (m.name, m.data_dir, m.peer_url, cluster.initial_cluster, cluster.token)
        )
        pods = tmp_path / m.name / "pods"
        pods.mkdir()
        (pods / "etcd.yaml").write_text("kind: Pod\nmetadata: {name: master-etcd, namespace: kube-system}\n")
        env = dict(
            os.environ,
            ETCD_NAME=m.name,
            ETCD_DATA_DIR=m.data_dir,
            ETCD_INITIAL_CLUSTER=cluster.initial_cluster,
            ETCD_INITIAL_CLUSTER_STATE="new",
            ETCD_INITIAL_CLUSTER_TOKEN=cluster.token,
            ETCD_INITIAL_ADVERTISE_PEER_URLS=m.peer_url,
        )
        subprocess.run([sys.executable, SCRIPT, "start", cluster.config_path, m.name], env=env, check=True)
    kubelet = StaticPodKubelet(
        cluster.config_path,
        {
            m.name: {
                "manifest": str(tmp_path / m.name / "pods" / "etcd.yaml"),
                "conf": str(tmp_path / m.name / "etcd.conf"),
                "data_dir": m.data_dir,
                "pidfile": config[m.name]["pidfile"],
            }
            for m in cluster.members
        },
        stop_delay=4.0,  # a kubelet notices a removed manifest on its next sync, seconds later
    )
    cluster.kubelet = kubelet
    try:
        wait_for(lambda: cluster.etcdctl("endpoint", "health", check=False).returncode == 0, what="3 etcd members")
        kubelet.start()
        yield cluster
    finally:
        kubelet.stop()
        for m in cluster.members:
            subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m.name], check=False)


def _inventory(tmp_path, cluster, fail_once=None):
    hosts = {}
    for m in cluster.members:
        start = [sys.executable, SCRIPT, "start", cluster.config_path, m.name]
        if m.name == fail_once:
            flag = str(tmp_path / "fail-once")
            open(flag, "w").close()
            start = ["sh", "-c", 'if [ -e "$1" ]; then rm "$1"; exit 3; fi; shift; exec "$@"', "sh", flag] + start
        hosts[m.name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ocp3_etcd_restore_member_name": m.name,
            "ocp3_etcd_restore_peer_url": m.peer_url,
            "ocp3_etcd_restore_client_url": m.client_url,
            "ocp3_etcd_restore_data_dir": m.data_dir,
            "ocp3_etcd_restore_conf_file": str(tmp_path / m.name / "etcd.conf"),
            # static pods (the role's default stop_method): only where the manifests are differs from a master
            "ocp3_etcd_restore_pod_manifest": str(tmp_path / m.name / "pods" / "etcd.yaml"),
            "ocp3_etcd_restore_stopped_manifest_dir": str(tmp_path / m.name / "pods-stopped"),
        }
        if fail_once:  # systemd-style commands
            hosts[m.name].update(
                ocp3_etcd_restore_stop_method="command",
                ocp3_etcd_restore_start_command=start,
                ocp3_etcd_restore_stop_command=[sys.executable, SCRIPT, "stop", cluster.config_path, m.name],
            )
    group_vars = {
        "ocp3_etcd_restore_cacert": cluster.ca.cert,
        "ocp3_etcd_restore_cert": cluster.client.cert,
        "ocp3_etcd_restore_key": cluster.client.key,
        "ocp3_etcd_restore_data_owner": "root",
        "ocp3_etcd_restore_data_group": "root",
        "ocp3_etcd_restore_relabel_command": [],
        "ocp3_etcd_restore_remote_dir": str(tmp_path / "restore-remote"),
        "ocp3_etcd_restore_token": "restored-cluster",
        "ocp3_etcd_restore_wait_timeout": 30,
    }
    path = tmp_path / ("inventory-%s.json" % (fail_once or "ok"))
    path.write_text(json.dumps({"etcd": {"hosts": hosts, "vars": group_vars}}))
    return str(path)


@pytest.mark.slow
def test_etcd_restore_one_member_then_add_members(tmp_path, etcd3, installed_collection):
    cluster = etcd3
    m0 = cluster.members[0]
    cluster.put_many(seed_keys(2000), member=m0, per_txn=100)  # the same keys, 20 raft entries instead of 2000
    before = _dump(cluster)
    assert len(before) == 2000

    backup_play = write_playbook(
        tmp_path,
        "- hosts: etcd-0\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_backup\n",
        name="backup.yml",
    )
    (tmp_path / "root" / "etc" / "etcd").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "etcd" / "etcd.conf").write_text("ETCD_NAME=etcd-0\n")
    backup = run_playbook(
        backup_play,
        inventory="etcd-0,",
        extra_vars={
            "ocp3_etcd_backup_endpoints": cluster.endpoints,
            "ocp3_etcd_backup_local_endpoint": m0.client_url,
            "ocp3_etcd_backup_member": m0.name,
            "ocp3_etcd_backup_cacert": cluster.ca.cert,
            "ocp3_etcd_backup_cert": cluster.client.cert,
            "ocp3_etcd_backup_key": cluster.client.key,
            "ocp3_etcd_backup_root": str(tmp_path / "root"),
            "ocp3_etcd_backup_remote_dir": str(tmp_path / "backup-remote"),
            "ocp3_etcd_backup_controller_dir": str(tmp_path / "controller"),
            "ocp3_etcd_backup_name": "r1",
        },
    )
    assert backup.rc == 0, backup
    manifest = str(tmp_path / "controller" / "etcd-0" / "r1" / "manifest.json")

    # changes after the backup: the restore must undo them
    cluster.put_many({"/after-backup": "gone after restore"}, member=m0)
    cluster.etcdctl("del", "/kubernetes.io/test/000007")

    play = write_playbook(
        tmp_path,
        "- hosts: etcd\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_restore\n",
        name="restore.yml",
    )
    restore_vars = {"ocp3_etcd_restore_manifest": manifest}

    result = run_playbook(play, inventory=_inventory(tmp_path, cluster), extra_vars=restore_vars)
    assert result.rc == 0, result
    # each member was stopped by moving its manifest aside and started again by moving it back, and no data
    # directory was moved while its etcd still ran
    kubelet = cluster.kubelet
    assert kubelet.moved_while_running == [], kubelet.moved_while_running
    assert kubelet.stops == dict.fromkeys(NAMES, 1) and kubelet.starts == dict.fromkeys(NAMES, 1), kubelet.starts
    for m in cluster.members:
        assert (tmp_path / m.name / "pods" / "etcd.yaml").exists()
        assert list((tmp_path / m.name / "pods-stopped").iterdir()) == []

    members = _members(cluster)
    assert sorted(m["name"] for m in members) == list(NAMES), members
    assert all(m.get("clientURLs") for m in members), members
    assert cluster.etcdctl("endpoint", "health").returncode == 0
    for m in cluster.members:  # every key on every member, read from that member alone
        wait_for(lambda m=m: _dump(cluster, m) == before, timeout=30, what="%s to hold the snapshot's keys" % m.name)
        assert any(p.startswith("data.pre-restore-") for p in os.listdir(os.path.dirname(m.data_dir)))
    conf1 = (tmp_path / "etcd-1" / "etcd.conf").read_text()
    assert "ETCD_INITIAL_CLUSTER_STATE=existing" in conf1
    assert "ETCD_INITIAL_CLUSTER=etcd-0=%s,etcd-1=%s\n" % (m0.peer_url, cluster.members[1].peer_url) in conf1

    # re-run in check mode: the plan is shown, nothing changes, etcd is not touched
    cluster.put_many({"/restored-marker": "kept by the rollback"}, member=m0)
    check = run_playbook(play, inventory=_inventory(tmp_path, cluster), extra_vars=restore_vars, check=True)
    assert check.rc == 0 and _changed(check) == 0, check
    assert "Restore snapshot snapshot-r1.db" in check.stdout
    assert b"/restored-marker" in _dump(cluster), "check mode must not touch etcd"

    # a failure half-way (etcd-1, the first member added, does not start: the rest of the run is the same for
    # every member added): the members run again on the data and the etcd.conf they had
    kubelet.stop()  # systemd-style members from here on
    expected = _dump(cluster)
    conf1_path = tmp_path / "etcd-1" / "etcd.conf"
    conf1 = conf1_path.read_text().replace(
        "ETCD_INITIAL_CLUSTER_TOKEN=restored-cluster", "ETCD_INITIAL_CLUSTER_TOKEN=as-found"
    )
    assert "ETCD_INITIAL_CLUSTER_TOKEN=as-found" in conf1
    conf1_path.write_text(conf1)  # the run writes its own token here first: the put-back must bring this one back
    failing = run_playbook(play, inventory=_inventory(tmp_path, cluster, fail_once="etcd-1"), extra_vars=restore_vars)
    assert failing.rc != 0, failing
    assert "FAILED at step 'Start the member" in failing.output, failing
    assert "put back on their original data and are healthy again" in failing.output, failing
    assert cluster.etcdctl("endpoint", "health").returncode == 0
    assert sorted(m["name"] for m in _members(cluster)) == list(NAMES)
    for m in cluster.members:
        wait_for(lambda m=m: _dump(cluster, m) == expected, timeout=30, what="%s to hold its original keys" % m.name)
    assert conf1_path.read_text() == conf1
