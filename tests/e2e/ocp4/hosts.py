# ruff: noqa: E501 - manifests and argv lists are kept on few lines
"""Simulated OpenShift 4 control-plane hosts for the disaster-recovery tests.

Each host is a directory tree (`root`) standing in for `/`: static-pod manifests in etc/kubernetes/manifests watched
by a kubelet stand-in (tests/harness/kubelet.py) that runs real etcd members (3, TLS, one per host) and placeholder
processes for the other control-plane containers; static-pod resources of revision 7 (8 for the scheduler) with the
restore-etcd pod; var/lib/etcd as the data directory; the stand-in scripts of tests/ocp4_scripts installed as
usr/local/bin/cluster-backup.sh, cluster-restore.sh, usr/bin/crictl and usr/bin/systemctl. Playbooks reach a host
with the local connection and the role's path variables pointing into its root (as the 3.11 host-role tests do).
"""

import os
import sys

import yaml

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

    def _etcd_command(self, member, root, initial_cluster):
        return [
            "etcd", "--name", member.name, "--data-dir", os.path.join(root, "var", "lib", "etcd"),
            "--listen-client-urls", member.client_url, "--advertise-client-urls", member.client_url,
            "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
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

    def healthy(self, names=None):
        urls = [self.member(n).client_url for n in (names or self.names)]
        return self.etcd.etcdctl("endpoint", "health", endpoints=urls, check=False, timeout=10).returncode == 0

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
