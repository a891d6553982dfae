"""ocp3_host_retire tasks_from=master (002 §5.2.1) on three masters that are also real TLS etcd members: the
first master (the one holding ca.serial.txt) is retired. One check-mode run (nothing changes), then one run that
hands the CA files over, takes the server out of a real haproxy configuration (`haproxy -c`), moves the static
pods aside, drains and deletes the node, removes the etcd member, edits etcdClientInfo and restarts the API
and controllers on the other two masters."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest
import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import EtcdCluster

MASTERS = ("master-0", "master-1", "master-2")
PLAY = """- hosts: masters
  gather_facts: false
  tasks:
    - ansible.builtin.import_role:
        name: ocp.day2.ocp3_host_retire
        tasks_from: master
"""
HAPROXY = """global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend atomic-openshift-api
    bind 127.0.0.1:18444
    default_backend atomic-openshift-api
backend atomic-openshift-api
    balance source
    server master-0 10.0.0.10:8443 check
    server master-1 10.0.0.11:8443 check
    server master-2 10.0.0.12:8443 check
"""


def _members(cluster, endpoints):
    return json.loads(cluster.etcdctl("member", "list", "-w", "json", endpoints=endpoints).stdout)["members"]


def _tree(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
    return out


@pytest.fixture(scope="module")
def masters(tmp_path_factory):
    base = tmp_path_factory.mktemp("masters")
    cluster = EtcdCluster(str(base / "etcd"), names=MASTERS).start()
    try:
        yield base, cluster
    finally:
        cluster.stop()
        shutil.rmtree(str(base / "etcd"), ignore_errors=True)


def _host_files(base, cluster):
    urls = [m.client_url for m in cluster.members]
    initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in cluster.members)
    for m in cluster.members:
        root = base / m.name
        (root / "pods").mkdir(parents=True)
        for pod in ("apiserver.yaml", "controller.yaml", "etcd.yaml"):
            (root / "pods" / pod).write_text("kind: Pod\nmetadata:\n  name: master-%s\n" % pod[:-5])
        (root / "master").mkdir()
        config = {"etcdClientInfo": {"ca": "master.etcd-ca.crt", "urls": urls}, "kubernetesMasterConfig": {}}
        (root / "master" / "master-config.yaml").write_text(yaml.safe_dump(config, default_flow_style=False))
        (root / "etcd").mkdir()
        (root / "etcd" / "etcd.conf").write_text("ETCD_NAME=%s\nETCD_INITIAL_CLUSTER=%s\n" % (m.name, initial))
    first = base / "master-0"
    (first / "master" / "ca.serial.txt").write_text("1F\n")
    (first / "etcd" / "ca" / "certs").mkdir(parents=True)
    (first / "etcd" / "ca" / "serial").write_text("05\n")
    (first / "etcd" / "ca" / "index.txt").write_text("")
    (first / "etcd" / "generated_certs" / "etcd-master-0").mkdir(parents=True)
    (first / "etcd" / "generated_certs" / "etcd-master-0" / "peer.crt").write_text("x\n")


def _inventory(base, cluster):
    hosts = {}
    for m in cluster.members:
        root = base / m.name
        hosts[m.name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ocp3_etcd_member_name": m.name,
            "ocp3_etcd_member_peer_url": m.peer_url,
            "ocp3_etcd_member_client_url": m.client_url,
            "ocp3_etcd_member_data_dir": m.data_dir,
            "ocp3_etcd_member_conf_file": str(root / "etcd" / "etcd.conf"),
            "ocp3_host_retire_pods_dir": str(root / "pods"),
            "ocp3_host_retire_disabled_pods_dir": str(root / "pods" / "disabled"),
            "ocp3_host_retire_ca_serial": str(root / "master" / "ca.serial.txt"),
            "ocp3_host_retire_ca_dirs": [str(root / "etcd" / "ca"), str(root / "etcd" / "generated_certs")],
            "ocp3_host_retire_master_config": str(root / "master" / "master-config.yaml"),
            "ocp3_host_retire_master_restart_commands": [
                ["sh", "-c", "echo %s %s >> %s" % (m.name, what, base / "restarts.log")]
                for what in ("api", "controllers")
            ],
        }
    group_vars = {
        "ocp3_etcd_member_cacert": cluster.ca.cert,
        "ocp3_etcd_member_cert": cluster.client.cert,
        "ocp3_etcd_member_key": cluster.client.key,
        "ocp3_etcd_member_wait_timeout": 30,
    }
    path = base / "inventory.json"
    path.write_text(json.dumps({"masters": {"hosts": hosts, "vars": group_vars}}))
    return str(path)


def _node(name):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"node-role.kubernetes.io/master": "true"}},
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
    }


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs haproxy (scripts/system-deps.sh)")
def test_retire_the_first_master(masters, mgmt_cluster, installed_collection):
    base, cluster = masters
    _host_files(base, cluster)
    inventory = _inventory(base, cluster)
    mgmt = mgmt_cluster
    for name in MASTERS:
        mgmt.put(_node("%s-%s" % (mgmt.name, name)))
    cfg = base / "haproxy.cfg"
    cfg.write_text(HAPROXY)
    extra = {
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
        "ocp3_host_retire_host": "master-0",
        "ocp3_host_retire_node": "%s-master-0" % mgmt.name,
        "ocp3_host_retire_type": "master",
        "ocp3_host_retire_disable_eviction": True,
        "ocp3_host_retire_drain_timeout": 30,
        "ocp3_host_retire_lb_host": "localhost",
        "ocp3_host_retire_lb_server": "master-0",
        "ocp3_host_retire_lb_config": str(cfg),
        "ocp3_host_retire_lb_restart_command": ["sh", "-c", "echo haproxy >> %s" % (base / "restarts.log")],
        "ansible_python_interpreter": sys.executable,
    }
    play = write_playbook(base, PLAY, name="retire-master.yml")
    before = _tree(str(base / "master-1")), _tree(str(base / "master-0")), cfg.read_text()

    dry = run_playbook(play, inventory=inventory, extra_vars=extra, check=True)
    assert dry.rc == 0, dry
    assert "it holds %s" % (base / "master-0" / "master" / "ca.serial.txt") in dry.stdout
    assert "check mode: nothing is changed" in dry.stdout
    assert (_tree(str(base / "master-1")), _tree(str(base / "master-0")), cfg.read_text()) == before
    assert len(_members(cluster, cluster.endpoints)) == 3
    assert mgmt.get("v1", "Node", "%s-master-0" % mgmt.name) is not None
    assert not (base / "restarts.log").exists()

    result = run_playbook(play, inventory=inventory, extra_vars=extra)
    assert result.rc == 0, result
    rest = cluster.members[1:]
    m0 = cluster.members[0]
    # CA serial and CA directories handed over
    for name in ("master-1", "master-2"):
        assert (base / name / "master" / "ca.serial.txt").read_text() == "1F\n"
        assert (base / name / "etcd" / "ca" / "serial").read_text() == "05\n"
        assert (base / name / "etcd" / "generated_certs" / "etcd-master-0" / "peer.crt").exists()
    # load balancer: the server line gone, the file still valid, haproxy restarted once
    assert "server master-0 " not in cfg.read_text() and "server master-1 " in cfg.read_text()
    # static pods moved aside on the retired master only
    pods = ["apiserver.yaml", "controller.yaml", "etcd.yaml"]
    assert sorted(os.listdir(base / "master-0" / "pods" / "disabled")) == pods
    assert sorted(p.name for p in (base / "master-1" / "pods").iterdir()) == pods
    # the node is gone, the etcd member removed, etcd.conf and etcdClientInfo brought in line
    assert mgmt.get("v1", "Node", "%s-master-0" % mgmt.name) is None
    names = sorted(m["name"] for m in _members(cluster, [m.client_url for m in rest]))
    assert names == ["master-1", "master-2"]
    for m in rest:
        config = yaml.safe_load((base / m.name / "master" / "master-config.yaml").read_text())
        assert config["etcdClientInfo"]["urls"] == [r.client_url for r in rest], m.name
        conf = (base / m.name / "etcd" / "etcd.conf").read_text()
        assert "ETCD_INITIAL_CLUSTER=%s\n" % ",".join("%s=%s" % (r.name, r.peer_url) for r in rest) in conf
    config0 = yaml.safe_load((base / "master-0" / "master" / "master-config.yaml").read_text())
    assert m0.client_url in config0["etcdClientInfo"]["urls"], "the retired master's own file is left alone"
    restarts = (base / "restarts.log").read_text().split("\n")
    assert restarts[0] == "haproxy"
    assert sorted(r for r in restarts if r.startswith("master")) == [
        "master-1 api",
        "master-1 controllers",
        "master-2 api",
        "master-2 controllers",
    ]
    assert "list first in [masters] a master that now holds" in result.stdout
