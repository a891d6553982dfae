"""The OpenShift 4 disaster-recovery scenario's expensive parts, built once per module: a simulated OpenShift 4 API
(tests/sim/ocp4.py), three control-plane hosts with real etcd (hosts.py) and a backup taken before more keys are
written (so a restore has something to undo)."""

import json
import os

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import seed_keys
from tests.sim.ocp4 import Ocp4Cluster

from .hosts import ControlPlaneHosts, EtcdOperatorAgent, vip_lab

VERSION = "4.14.8"
BEFORE = seed_keys(40, prefix="/kubernetes.io/configmaps/before/")
AFTER = seed_keys(25, prefix="/kubernetes.io/configmaps/after/")
API_VIP, INGRESS_VIP = "192.168.111.5", "192.168.111.4"
# where keepalived left the VIPs: the recovery host has the API VIP, master-2 both (a stale copy of the API VIP)
HELD_VIPS = {"master-0": [API_VIP], "master-1": [INGRESS_VIP], "master-2": [API_VIP, INGRESS_VIP]}


@pytest.fixture(autouse=True)
def _pipelining(monkeypatch):
    monkeypatch.setenv("ANSIBLE_PIPELINING", "true")


class Scenario:
    def __init__(self, base, cluster, hosts, lab=None):
        self.base = base
        self.cluster = cluster
        self.hosts = hosts
        self.lab = lab  # network namespaces holding the hosts' addresses and VIPs (None without root)
        self.dest = os.path.join(base, "controller-backups")

    def inventory(self, prefix, name="inventory.json", host_extra=None, group_extra=None):
        hosts = {}
        for n in self.hosts.names:
            hosts[n] = self.hosts.hostvars(n, prefix)
            if self.lab is not None and prefix == "ocp4_cluster_restore":  # the test hook: `ip` in the host's netns
                hosts[n]["ocp4_cluster_restore_ip_command"] = ["ip", "netns", "exec", self.lab.ns(n), "ip"]
            hosts[n].update((host_extra or {}).get(n, {}))
        group = {"ocp_day2_kubeconfig": self.cluster.kubeconfig}
        group.update(group_extra or {})
        path = os.path.join(self.base, name)
        with open(path, "w") as f:
            json.dump({"control_plane": {"hosts": hosts, "vars": group}}, f)
        return path

    def play(self, text, name, inventory, **kw):
        return run_playbook(write_playbook(self.base, text, name), inventory=inventory, **kw)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, installed_collection):
    base = str(tmp_path_factory.mktemp("ocp4dr"))
    masters = {"master-0": "10.0.0.10", "master-1": "10.0.0.11", "master-2": "10.0.0.12"}
    proxy = {"httpProxy": "http://proxy.example.com:3128", "noProxy": ".cluster.local"}
    cluster = Ocp4Cluster(os.path.join(base, "api"), version=VERSION, masters=masters, proxy=proxy)
    hosts = ControlPlaneHosts(base, names=sorted(masters), keepalived=("master-1", "master-2"))
    lab = None
    try:
        cluster.start()
        hosts.start()
        # the etcd operator re-adds members on the recreated machines, which boot on the lost hosts' directories
        cluster.etcd_members = EtcdOperatorAgent(hosts, "master-0", spares=["master-1", "master-2"])
        lab = vip_lab(masters, HELD_VIPS)
        hosts.etcd.put_many(BEFORE, member=hosts.member("master-0"))
        yield Scenario(base, cluster, hosts, lab)
    finally:
        if lab is not None:
            lab.stop()
        hosts.stop()
        cluster.stop()


BACKUP_PLAY = """
- hosts: master-0
  gather_facts: false
  roles:
    - role: ocp.day2.ocp4_etcd_backup
      ocp4_etcd_backup_dest: "{{ dest }}"
"""


@pytest.fixture(scope="module")
def backup(scenario):
    """The backup of the keys in BEFORE (taken once); AFTER is written afterwards. Returns (local dir, result)."""
    inventory = scenario.inventory("ocp4_etcd_backup", "inventory-backup.json")
    result = scenario.play(BACKUP_PLAY, "backup.yml", inventory, extra_vars={"dest": scenario.dest})
    assert result.rc == 0, result.stdout[-5000:]
    (stamp,) = os.listdir(scenario.dest)
    scenario.hosts.etcd.put_many(AFTER, member=scenario.hosts.member("master-0"))
    return os.path.join(scenario.dest, stamp), result
