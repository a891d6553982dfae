"""ocp3_host_retire against the simulated cluster (002 §5.3.1): an infra node refused while too few would remain,
then drained, the router scaled to the infra nodes left, its server line taken out of a real haproxy
configuration (checked with `haproxy -c`), haproxy restarted, the node deleted and taken out of the [nodes] and
[new_nodes] groups of an INI inventory (host variables, comments and other groups kept). The same run then edits
flanneld's FLANNEL_ETCD_ENDPOINTS as after a master retirement (tasks_from flannel_config, §5.2.1.4): check mode
first (nothing written), then the edit and one flanneld restart, then again (nothing to do, no restart)."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import wait_for

PLAY = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_host_retire\n"
FLANNEL_PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars: %s
  tasks:
    - {include_role: {name: ocp.day2.ocp3_host_retire, tasks_from: flannel_config, apply: {check_mode: true}}}
    - {include_role: {name: ocp.day2.ocp3_host_retire, tasks_from: flannel_config}}
    - {include_role: {name: ocp.day2.ocp3_host_retire, tasks_from: flannel_config}}
"""
ENDPOINTS = "https://master-0.example.com:2379,https://Master-2.example.com:2379,https://master-1.example.com:2379"
FLANNELD = "# Flanneld configuration options\nFLANNEL_ETCD_ENDPOINTS=%s\nFLANNEL_ETCD_PREFIX=/openshift.com/network\n"
INVENTORY = """[OSEv3:children]
nodes
new_nodes

[nodes]
{w}-1 openshift_node_group_name='node-config-infra'
{w}-2 openshift_node_group_name='node-config-infra'  # to retire
{w}-20 openshift_node_group_name='node-config-compute'

[new_nodes]
{w}-2

[lb]
{w}-2
"""
HAPROXY = """global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend openshift-router-https
    bind 127.0.0.1:18443
    default_backend openshift-router-https
backend openshift-router-https
    balance source
    server {w}-0 10.0.0.1:443 check
    server {w}-1 10.0.0.2:443 check
    server {w}-2 10.0.0.3:443 check
"""


def _node(name):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"node-role.kubernetes.io/infra": "true"}},
        "spec": {"podCIDR": "10.128.%d.0/23" % (2 * int(name[-1]))},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
    }


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs haproxy (scripts/system-deps.sh)")
def test_retire_an_infra_node(mgmt_cluster, tmp_path):
    mgmt = mgmt_cluster
    worker = "%s-worker" % mgmt.name  # the simulator places pods on <name>-worker-0..2
    for i in range(3):
        mgmt.put(_node("%s-%d" % (worker, i)))
    mgmt.put(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "router", "namespace": "default"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "router"}},
                "template": {
                    "metadata": {"labels": {"app": "router"}},
                    "spec": {"containers": [{"name": "router", "image": "openshift3/ose-haproxy-router:v3.11"}]},
                },
            },
        }
    )
    wait_for(lambda: len(mgmt.list("v1", "Pod", "default")) == 3, timeout=30, what="3 router pods")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(HAPROXY.format(w=worker))
    restarts = tmp_path / "haproxy-restarts.log"
    target = "%s-2" % worker
    extra = {
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
        "ocp3_host_retire_node": target,
        "ocp3_host_retire_disable_eviction": True,  # the simulator has no eviction API
        "ocp3_host_retire_drain_timeout": 30,
        "ocp3_host_retire_infra_workloads": [
            {"api_version": "apps/v1", "kind": "Deployment", "namespace": "default", "name": "router"}
        ],
        "ocp3_host_retire_lb_host": "localhost",
        "ocp3_host_retire_lb_config": str(cfg),
        "ocp3_host_retire_lb_restart_command": ["sh", "-c", "echo restart >> %s" % restarts],
        "ansible_python_interpreter": sys.executable,
    }
    play = write_playbook(tmp_path, PLAY)
    inventory = tmp_path / "hosts"
    inventory.write_text(INVENTORY.format(w=worker))
    flanneld = tmp_path / "flanneld"
    flanneld.write_text(FLANNELD % ENDPOINTS)
    flannel_restarts = tmp_path / "flanneld-restarts.log"
    flannel = {
        "ocp3_host_retire_host": "master-2.example.com",
        "ocp3_host_retire_flannel_config": str(flanneld),
        "ocp3_host_retire_flannel_restart_command": ["sh", "-c", "echo restart >> %s" % flannel_restarts],
    }

    refused = run_playbook(play, extra_vars=dict(extra, ocp3_host_retire_min_remaining=3))
    assert refused.rc != 0 and "Only 2 other Ready, schedulable infra node(s) remain" in refused.output, refused
    assert "Nothing was changed" in refused.output
    assert not mgmt.get("v1", "Node", target).get("spec", {}).get("unschedulable")

    full = write_playbook(tmp_path, PLAY + FLANNEL_PLAY % json.dumps(flannel), name="full.yml")
    result = run_playbook(full, extra_vars=dict(extra, ocp3_host_retire_inventory_file=str(inventory)), diff=True)
    assert result.rc == 0, result
    assert mgmt.get("v1", "Node", target) is None, "the node is deleted"
    assert mgmt.get("apps/v1", "Deployment", "router", "default")["spec"]["replicas"] == 2
    text = cfg.read_text()
    assert "server %s-2 " % worker not in text and "server %s-1 " % worker in text
    assert restarts.read_text().split() == ["restart"]
    assert "Taken out of the groups nodes, new_nodes of %s" % inventory in result.stdout
    assert inventory.read_text() == INVENTORY.format(w=worker).replace(
        "{w}-2 openshift_node_group_name='node-config-infra'  # to retire\n".format(w=worker), ""
    ).replace("[new_nodes]\n{w}-2\n".format(w=worker), "[new_nodes]\n")
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("hosts.")]
    assert len(backups) == 1 and backups[0].stat().st_mode & 0o777 == 0o600
    # flanneld: the check-mode pass wrote nothing (else the real pass would have found nothing to do and not
    # restarted); the real pass dropped the member and restarted once; the third pass did nothing
    assert flanneld.read_text() == FLANNELD % ENDPOINTS.replace("https://Master-2.example.com:2379,", "")
    assert flannel_restarts.read_text().split() == ["restart"]
    assert "-FLANNEL_ETCD_ENDPOINTS=%s" % ENDPOINTS in result.stdout  # the diff shown
    flannel_backups = [p for p in tmp_path.iterdir() if p.name.startswith("flanneld.")]
    assert len(flannel_backups) == 1 and flannel_backups[0].stat().st_mode & 0o777 == 0o600
