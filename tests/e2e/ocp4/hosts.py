# ruff: noqa: E501 - manifests and argv lists are kept on few lines
"""Simulated OpenShift 4 control-plane hosts for the disaster-recovery tests.

Each host is a directory tree (`root`) standing in for `/`: static-pod manifests in etc/kubernetes/manifests watched
by a kubelet stand-in (tests/harness/kubelet.py) that runs real etcd members (3, TLS, one per host) and placeholder
processes for the other control-plane containers; static-pod resources of revision 7 (8 for the scheduler) with the
restore-etcd pod; var/lib/etcd as the data directory; the stand-in scripts of tests/ocp4_scripts installed as
usr/local/bin/cluster-backup.sh, cluster-restore.sh, usr/bin/crictl and usr/bin/systemctl (each fails while a file
run/faults/<tool> exists: `fault()`). Playbooks reach a host with the local connection and the role's path variables
pointing into its root (as the 3.11 host-role tests do). `vip_lab()` gives each host a network namespace holding its
address and the keepalived VIPs it has; the role reaches it through ocp4_cluster_restore_ip_command.
"""

import json
import os
import shutil
import subprocess
import sys

import yaml

from tests.e2e.ocp3_checks.netns import NetnsLab
from tests.harness.etcd import EtcdCluster
from tests.harness.kubelet import Kubelet
from tests.harness.net import wait_for

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "ocp4_scripts")
REVISIONS = {"etcd-pod": 7, "kube-apiserver-pod": 7, "kube-controller-manager-pod": 7, "kube-scheduler-pod": 8}
PLACEHOLDER = ["sleep", "3600"]


def _pod(name, containers):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "openshift-kube-system"},
            "spec": {"containers": [{"name": c, "image": "quay.io/openshift/%s" % c, "command": cmd} for c, cmd in containers]}}  # fmt: skip


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class ControlPlaneHosts:
    def __init__(self, base_dir, names=("master-0", "master-1", "master-2"), keepalived=()):
        self.base_dir = str(base_dir)
        self.names = list(names)
        self.keepalived = set(keepalived)
        self.etcd = EtcdCluster(os.path.join(self.base_dir, "etcd-pki"), names=self.names)
        self.kubelets = {}

    def root(self, name):
        return os.path.join(self.base_dir, "hosts", name)

    def member(self, name):
        return self.etcd.members[self.names.index(name)]

    def _etcd_command(self, member, root, initial_cluster, name=None, state="new"):
        return [
            "etcd", "--name", name or member.name, "--data-dir", os.path.join(root, "var", "lib", "etcd"),
            "--listen-client-urls", member.client_url, "--advertise-client-urls", member.client_url,
            "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-state", state,
            "--initial-cluster-token", "etcd-cluster",
            "--cert-file", member.cert.cert, "--key-file", member.cert.key, "--trusted-ca-file", self.etcd.ca.cert,
            "--client-cert-auth", "--peer-cert-file", member.cert.cert, "--peer-key-file", member.cert.key,
            "--peer-trusted-ca-file", self.etcd.ca.cert, "--peer-client-cert-auth", "--log-level", "error",
        ]  # fmt: skip

    def _layout(self, name):
        root, member = self.root(name), self.member(name)
        k = os.path.join(root, "etc", "kubernetes")
        res = os.path.join(k, "static-pod-resources")
        containers = [("etcd", self._etcd_command(member, root, self.etcd.initial_cluster)),
                      ("etcdctl", PLACEHOLDER), ("etcd-metrics", PLACEHOLDER)]  # fmt: skip
        etcd_pod = _pod("etcd-" + name, containers)
        restore_pod = _pod(
            "etcd-" + name, [("etcd", self._etcd_command(member, root, "%s=%s" % (name, member.peer_url)))]
        )
        pods = {"etcd-pod": etcd_pod}
        for pod in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            pods[pod + "-pod"] = _pod("%s-%s" % (pod, name), [(pod, PLACEHOLDER)])
        for pod, manifest in pods.items():
            text = yaml.safe_dump(manifest)
            _write(os.path.join(res, "%s-%d" % (pod, REVISIONS[pod]), pod + ".yaml"), text)
            _write(os.path.join(k, "manifests", pod + ".yaml"), text)
        if name in self.keepalived:
            _write(
                os.path.join(k, "manifests", "keepalived.yaml"),
                yaml.safe_dump(_pod("keepalived-" + name, [("keepalived", PLACEHOLDER)])),
            )
        _write(
            os.path.join(res, "etcd-certs", "configmaps", "restore-etcd-pod", "pod.yaml"), yaml.safe_dump(restore_pod)
        )
        env = {"ETCDCTL_API": "3", "ETCDCTL_CACERT": self.etcd.ca.cert, "ETCDCTL_CERT": self.etcd.client.cert,
               "ETCDCTL_KEY": self.etcd.client.key, "ETCDCTL_ENDPOINTS": member.client_url,
               "ETCD_NAME": name, "ETCD_PEER_URL": member.peer_url}  # fmt: skip
        _write(os.path.join(res, "etcd-certs", "etcdctl.env"), "".join("export %s=%s\n" % kv for kv in env.items()))
        os.makedirs(os.path.join(root, "var", "lib", "etcd"), mode=0o700, exist_ok=True)
        os.makedirs(os.path.join(root, "var", "lib", "ovn", "etc"), exist_ok=True)
        _write(os.path.join(root, "var", "lib", "ovn", "etc", "ovnnb_db.db"), "nb")
        _write(os.path.join(root, "var", "lib", "ovn", "etc", "ovnsb_db.db"), "sb")
        os.makedirs(os.path.join(root, "home", "core", "assets"), exist_ok=True)
        os.makedirs(os.path.join(root, "tmp", "ocp-day2-restore"), exist_ok=True)
        for target, script in (("usr/local/bin/cluster-backup.sh", "cluster-backup.sh"),
                               ("usr/local/bin/cluster-restore.sh", "cluster-restore.sh"),
                               ("usr/bin/crictl", "crictl"), ("usr/bin/systemctl", "systemctl")):  # fmt: skip
            _write(os.path.join(root, target),
                   '#!/bin/sh\nexport OCP4_HOST_ROOT="%s"\nexec "%s" "$@"\n' % (root, os.path.join(SCRIPTS, script)), 0o755)  # fmt: skip

    def start(self):
        for name in self.names:
            self._layout(name)
            self.kubelets[name] = Kubelet(self.root(name), name).start()
        wait_for(self.healthy, timeout=30, what="etcd on the control-plane hosts")
        return self

    def stop(self):
        for kubelet in self.kubelets.values():
            kubelet.stop()
        shutil.rmtree(os.path.join(self.base_dir, "hosts"), ignore_errors=True)  # etcd data: 62 MB WAL per copy

    def healthy(self, names=None):
        urls = [self.member(n).client_url for n in (names or self.names)]
        return self.etcd.etcdctl("endpoint", "health", endpoints=urls, check=False, timeout=10).returncode == 0

    def fault(self, name, tool, message="injected fault"):
        """Switch a stand-in (crictl, systemctl, cluster-restore.sh) on `name` to failing; message None switches back."""
        path = os.path.join(self.root(name), "run", "faults", tool)
        if message is None:
            os.unlink(path)
        else:
            _write(path, message + "\n")

    def restore_calls(self, name):
        """The completed runs of cluster-restore.sh on `name` (the stand-in logs each)."""
        path = os.path.join(self.root(name), "run", "cluster-restore.calls")
        return open(path).read().splitlines() if os.path.exists(path) else []

    def hostvars(self, name, prefix):
        """The role's path variables pointing into the host's root."""
        root = self.root(name)
        out = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        paths = {"script": "usr/local/bin/cluster-backup.sh", "remote_dir": "home/core/assets/backup"}
        if prefix == "ocp4_cluster_restore":
            paths = {"restore_script": "usr/local/bin/cluster-restore.sh", "backup_dir": "home/core/assets/backup",
                     "manifests_dir": "etc/kubernetes/manifests", "etcd_data_dir": "var/lib/etcd",
                     "stash_dir": "tmp/ocp-day2-restore", "crictl": "usr/bin/crictl", "ovn_db_dir": "var/lib/ovn/etc"}  # fmt: skip
            out["ocp4_cluster_restore_kubelet_restart_command"] = [
                os.path.join(root, "usr/bin/systemctl"),
                "restart",
                "kubelet.service",
            ]
        for key, rel in paths.items():
            out["%s_%s" % (prefix, key)] = os.path.join(root, rel)
        return out


def vip_lab(addresses, vips):
    """A network namespace per host (tests/e2e/ocp3_checks/netns.py) with its address and the VIPs it holds, as
    keepalived leaves them: {host: [vip, ...]}. None where network namespaces cannot be made (not root)."""
    if os.geteuid() != 0:
        return None
    lab = NetnsLab({h: {"address": ip} for h, ip in addresses.items()})
    try:
        lab.start()
        for host, held in vips.items():
            for vip in held:
                subprocess.run(["ip", "-n", lab.ns(host), "address", "add", vip + "/32", "dev", "eth0"], check=True)
    except (OSError, subprocess.CalledProcessError):
        lab.stop()
        return None
    return lab


def addresses_in(lab, host):
    """The IPv4 addresses on the host's eth0 (`ip -o address` inside its namespace)."""
    out = subprocess.run(["ip", "-n", lab.ns(host), "-o", "-4", "address", "show", "dev", "eth0"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return sorted(line.split()[3].split("/")[0] for line in out.splitlines())


class EtcdOperatorAgent:
    """What the etcd operator does to etcd during the forced etcd redeployment after a restore, on these hosts (for
    Ocp4Cluster(etcd_members=...)): each Ready control-plane Node that is not an etcd member gets one, one at a time
    (`etcdctl member add` on the restored member, then the node's new etcd static pod joins with the existing
    cluster). A new Node (a recreated machine) boots on the next spare host: a lost host's directory, its old etcd
    data moved aside by the restore."""

    def __init__(self, hosts, recovery, spares):
        self.hosts = hosts
        self.recovery = recovery
        self.spares = list(spares)
        self.host_of = {recovery: recovery}  # node -> simulated host
        self.added = []  # (node, host) in the order the members were added

    def members(self):
        """etcd's member list as seen by the recovery host's member (None while it does not answer)."""
        url = self.hosts.member(self.recovery).client_url
        res = self.hosts.etcd.etcdctl("member", "list", "-w", "json", endpoints=[url], check=False, timeout=10)
        return json.loads(res.stdout).get("members", []) if res.returncode == 0 else None

    def sync(self, nodes):
        members = self.members()
        if members is None or any(not m.get("name") for m in members):
            return False  # a member added but not started yet: one at a time
        names = {m["name"] for m in members}
        for node in sorted(nodes):
            if node in names:
                continue
            if node not in self.host_of:
                if not self.spares:
                    continue  # a node without a simulated host: nothing to run its etcd on
                self.host_of[node] = self.spares.pop(0)
            self._add(node, self.host_of[node], members)
            return False
        return True

    def _add(self, node, host, members):
        member, root = self.hosts.member(host), self.hosts.root(host)
        url = self.hosts.member(self.recovery).client_url
        added = self.hosts.etcd.etcdctl(
            "member", "add", node, "--peer-urls", member.peer_url, endpoints=[url], check=False, timeout=10
        )
        if added.returncode != 0:  # e.g. the last new member is not connected long enough yet: the next pass retries
            return
        peers = ",".join("%s=%s" % (m["name"], m["peerURLs"][0]) for m in members)
        command = self._command(member, root, "%s,%s=%s" % (peers, node, member.peer_url), node)
        os.makedirs(os.path.join(root, "var", "lib", "etcd"), mode=0o700, exist_ok=True)
        pod = _pod("etcd-" + node, [("etcd", command)])
        _write(os.path.join(root, "etc", "kubernetes", "manifests", "etcd-pod.yaml"), yaml.safe_dump(pod))
        self.added.append((node, host))

    def _command(self, member, root, initial_cluster, node):
        return self.hosts._etcd_command(member, root, initial_cluster, name=node, state="existing")
