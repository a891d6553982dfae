"""ocp3_etcd_member on a running 3-member etcd with TLS (002 §5.4.4, §5.4.5): a fourth member added (its keys
read from it alone), the add re-run in check mode (nothing to do), then a failed member removed with the
others' etcd.conf brought in line; health is checked by the role before and after each change."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import EtcdCluster
from tests.harness.net import wait_for

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ocp3_backup", "etcd_member.py")
NAMES = ("etcd-0", "etcd-1", "etcd-2", "etcd-3")  # etcd-3 is the new host


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


def _members(cluster, endpoints):
    return json.loads(cluster.etcdctl("member", "list", "-w", "json", endpoints=endpoints).stdout)["members"]


@pytest.fixture
def etcd_hosts(tmp_path):
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
    cluster.config_path = str(tmp_path / "members.json")
    with open(cluster.config_path, "w") as f:
        json.dump(config, f)
    running = cluster.members[:3]
    initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in running)
    for m in cluster.members:
        conf = tmp_path / m.name / "etcd.conf"
        conf.parent.mkdir(exist_ok=True)
        conf.write_text("ETCD_NAME=%s\nETCD_INITIAL_CLUSTER=%s\nETCD_INITIAL_CLUSTER_STATE=new\n" % (m.name, initial))
    for m in running:
        env = dict(
            os.environ,
            ETCD_NAME=m.name,
            ETCD_DATA_DIR=m.data_dir,
            ETCD_INITIAL_CLUSTER=initial,
            ETCD_INITIAL_CLUSTER_STATE="new",
            ETCD_INITIAL_CLUSTER_TOKEN=cluster.token,
            ETCD_INITIAL_ADVERTISE_PEER_URLS=m.peer_url,
        )
        subprocess.run([sys.executable, SCRIPT, "start", cluster.config_path, m.name], env=env, check=True)
    endpoints = [m.client_url for m in running]
    try:
        wait_for(
            lambda: cluster.etcdctl("endpoint", "health", endpoints=endpoints, check=False).returncode == 0,
            what="3 etcd members",
        )
        yield cluster
    finally:
        for m in cluster.members:
            subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m.name], check=False)


def _inventory(tmp_path, cluster, hosts):
    out = {}
    for m in cluster.members:
        if m.name not in hosts:
            continue
        out[m.name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ocp3_etcd_member_name": m.name,
            "ocp3_etcd_member_peer_url": m.peer_url,
            "ocp3_etcd_member_client_url": m.client_url,
            "ocp3_etcd_member_data_dir": m.data_dir,
            "ocp3_etcd_member_conf_file": str(tmp_path / m.name / "etcd.conf"),
            "ocp3_etcd_member_start_command": [sys.executable, SCRIPT, "start", cluster.config_path, m.name],
            "ocp3_etcd_member_stop_command": [sys.executable, SCRIPT, "stop", cluster.config_path, m.name],
        }
    group_vars = {
        "ocp3_etcd_member_cacert": cluster.ca.cert,
        "ocp3_etcd_member_cert": cluster.client.cert,
        "ocp3_etcd_member_key": cluster.client.key,
        "ocp3_etcd_member_data_owner": "root",
        "ocp3_etcd_member_data_group": "root",
        "ocp3_etcd_member_wait_timeout": 30,
    }
    path = tmp_path / ("inventory-%d.json" % len(hosts))
    path.write_text(json.dumps({"etcd": {"hosts": out, "vars": group_vars}}))
    return str(path)


@pytest.mark.slow
def test_add_then_remove_members_of_a_running_cluster(tmp_path, etcd_hosts, installed_collection):
    cluster = etcd_hosts
    m0, m1, m2, m3 = cluster.members
    cluster.put_many({"/kubernetes.io/test/before-add": "kept"}, member=m0)
    play = write_playbook(
        tmp_path, "- hosts: etcd\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_member\n", name="member.yml"
    )
    add = {"ocp3_etcd_member_action": "add", "ocp3_etcd_member_host": "etcd-3"}
    inventory = _inventory(tmp_path, cluster, NAMES)

    result = run_playbook(play, inventory=inventory, extra_vars=add)
    assert result.rc == 0, result
    assert "The cluster will have an even number of members" in result.stdout
    four = [m.client_url for m in cluster.members]
    members = _members(cluster, four)
    assert sorted(m["name"] for m in members) == list(NAMES), members
    assert cluster.etcdctl("endpoint", "health", endpoints=four).returncode == 0
    # the new member holds the data: read from it alone
    got = cluster.etcdctl("get", "/kubernetes.io/test/before-add", "--consistency=s", "--print-value-only",
                          endpoints=[m3.client_url]).stdout  # fmt: skip
    assert got.strip() == "kept"
    conf3 = (tmp_path / "etcd-3" / "etcd.conf").read_text()
    assert "ETCD_INITIAL_CLUSTER_STATE=existing\n" in conf3
    assert "ETCD_INITIAL_CLUSTER=%s\n" % ",".join("%s=%s" % (m.name, m.peer_url) for m in cluster.members) in conf3
    assert "ETCD_LISTEN_CLIENT_URLS=%s\n" % m3.client_url in conf3
    assert "etcdClientInfo.urls" in result.stdout and "master-restart api" in result.stdout

    # the same add again, in check mode: already a healthy member, nothing to do
    again = run_playbook(play, inventory=inventory, extra_vars=add, check=True)
    assert again.rc == 0 and _changed(again) == 0, again
    assert "is already started and healthy: nothing to do" in again.stdout

    # etcd-1 fails; the guide removes it from a surviving member and from ETCD_INITIAL_CLUSTER everywhere
    subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m1.name], check=True)
    remove = {"ocp3_etcd_member_action": "remove", "ocp3_etcd_member_host": "etcd-1"}
    result = run_playbook(play, inventory=inventory, extra_vars=remove)
    assert result.rc == 0, result
    rest = [m0, m2, m3]
    endpoints = [m.client_url for m in rest]
    assert sorted(m["name"] for m in _members(cluster, endpoints)) == ["etcd-0", "etcd-2", "etcd-3"]
    assert cluster.etcdctl("endpoint", "health", endpoints=endpoints).returncode == 0
    expected = "ETCD_INITIAL_CLUSTER=%s\n" % ",".join("%s=%s" % (m.name, m.peer_url) for m in rest)
    for m in rest:
        assert expected in (tmp_path / m.name / "etcd.conf").read_text(), m.name
    assert "etcd-1=" in (tmp_path / "etcd-1" / "etcd.conf").read_text(), "the removed host's own file is left alone"
    assert "3 etcd members, all healthy" in result.stdout

    # removing a second member while another remaining one (etcd-3) is down is refused, nothing changes
    subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m3.name], check=True)
    refused = run_playbook(
        play,
        inventory=inventory,
        extra_vars={"ocp3_etcd_member_action": "remove", "ocp3_etcd_member_host": "etcd-2"},
        limit="etcd-0,etcd-2,etcd-3",
    )
    assert refused.rc != 0 and "not all healthy" in refused.output, refused
    assert "Nothing was" in refused.output
    assert len(_members(cluster, [m0.client_url, m2.client_url])) == 3
