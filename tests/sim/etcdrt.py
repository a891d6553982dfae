"""The real etcd members behind a hosted control plane's `etcd` StatefulSet.

Pod etcd-N is member etcd-N: a real etcd on 127.0.0.1 (fixed client/peer ports per member) whose
data dir is the `data` directory of PVC data-etcd-N (the pod's /var/lib/data). When members start,
the runtime does what HyperShift's etcd init containers do, so the cluster stays healthy:
- no member has data: bootstrap a new cluster;
- an empty member joins a cluster with quorum: `member remove` its stale entry, `member add`, start
  with `--initial-cluster-state existing` (the failed-member recovery of SPEC A5);
- an empty member and a single member with data but without quorum (restored from a snapshot with a
  3-member --initial-cluster, SPEC A4): that member restarts once with `--force-new-cluster`, then
  the others are added one by one as above.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

from tests.harness.etcd import EtcdCluster, EtcdMember
from tests.harness.net import wait_for

# Members die with the thread that started them (the controller thread), even if pytest itself is killed.
PDEATHSIG = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []


BOOTSTRAP_KEYS = {
    key: b"k8s\x00" + key.rsplit("/", 1)[-1].encode()
    for key in (
        "/kubernetes.io/namespaces/default",
        "/kubernetes.io/namespaces/kube-system",
        "/kubernetes.io/namespaces/kube-public",
        "/kubernetes.io/namespaces/openshift-config",
        "/kubernetes.io/ranges/serviceips",
        "/kubernetes.io/ranges/servicenodeports",
        "/kubernetes.io/apiregistration.k8s.io/apiservices/v1.",
    )
}


def has_member_data(data_dir):
    """True when data_dir holds a member's write-ahead log. A join that failed (etcd exits when it cannot fetch
    the cluster from its peers, e.g. under load) leaves member/snap/db and no wal: that member must be added
    again, not started as a new cluster of its own, which the others would never let in."""
    return os.path.isdir(os.path.join(data_dir, "member", "wal"))


class SimMember(EtcdMember):
    def start(self, initial_cluster, state="new", token="etcd-cluster", force_new_cluster=False):
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        args = [
            *PDEATHSIG,
            shutil.which("etcd") or "etcd",
            "--name",
            self.name,
            "--data-dir",
            self.data_dir,
            "--listen-client-urls",
            self.client_url,
            "--advertise-client-urls",
            self.client_url,
            "--listen-peer-urls",
            self.peer_url,
            "--initial-advertise-peer-urls",
            self.peer_url,
            "--initial-cluster",
            initial_cluster,
            "--initial-cluster-state",
            state,
            "--initial-cluster-token",
            token,
            "--cert-file",
            self.cert.cert,
            "--key-file",
            self.cert.key,
            "--trusted-ca-file",
            self.ca.cert,
            "--client-cert-auth",
            "--peer-cert-file",
            self.cert.cert,
            "--peer-key-file",
            self.cert.key,
            "--peer-trusted-ca-file",
            self.ca.cert,
            "--peer-client-cert-auth",
            "--log-level",
            "error",
            "--snapshot-count",
            "10000",
            "--heartbeat-interval",
            "50",
            "--election-timeout",
            "500",
            # members join one after the other: do not wait etcd's 5 s "connected since" check between adds
            "--strict-reconfig-check=false",
        ]
        if force_new_cluster:
            args.append("--force-new-cluster")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.client_port), timeout=0.2):
                return True
        except OSError:
            return False


class EtcdRuntime:
    def __init__(self, mgmt, namespace, replicas):
        self.namespace = namespace
        self.dir = os.path.join(mgmt.base_dir, "hcp", namespace)
        names = tuple("etcd-%d" % i for i in range(replicas))
        self.cluster = EtcdCluster(os.path.join(self.dir, "etcd"), names=names)
        pki = os.path.join(self.dir, "etcd", "pki")
        svc = "%s.svc" % namespace
        sans = [
            "127.0.0.1",
            "localhost",
            "etcd-client.%s" % svc,
            "etcd-client.%s.cluster.local" % svc,
            "*.etcd-discovery.%s" % svc,
            "*.etcd-discovery.%s.cluster.local" % svc,
        ]
        # one server/peer certificate for all members, as HyperShift's etcd-server-tls/etcd-peer-tls secrets
        self.server_cert = self.cluster.ca.issue("etcd-server", directory=pki, sans=sans)
        for m in self.cluster.members:
            m.__class__ = SimMember
            m.started_at = 0.0
            m.cert = self.server_cert
        self.failed = set()
        self.crashes = {}
        self.lock = threading.RLock()

    @property
    def members(self):
        return self.cluster.members

    def endpoint_map(self, pod_name):
        """Service names and loopback inside pod `pod_name` -> the real members' host:port."""
        out = {}
        mine = None
        for i, m in enumerate(self.members):
            if pod_name == m.name:
                mine = m
            for suffix in (
                ".etcd-discovery.%s.svc.cluster.local" % self.namespace,
                ".etcd-discovery.%s.svc" % self.namespace,
                ".etcd-discovery",
            ):
                out["etcd-%d%s:2379" % (i, suffix)] = "127.0.0.1:%d" % m.client_port
                out["etcd-%d%s:2380" % (i, suffix)] = "127.0.0.1:%d" % m.peer_port
        target = mine or next((m for m in self.members if m.running()), self.members[0])
        for host in (
            "etcd-client.%s.svc.cluster.local" % self.namespace,
            "etcd-client.%s.svc" % self.namespace,
            "etcd-client",
        ):
            out[host + ":2379"] = "127.0.0.1:%d" % target.client_port
        if mine is not None:
            for host in ("localhost", "127.0.0.1", "[::1]"):
                out[host + ":2379"] = "127.0.0.1:%d" % mine.client_port
                out[host + ":2380"] = "127.0.0.1:%d" % mine.peer_port
        return out

    def reverse_map(self):
        """The members' real host:port -> their service names, for the output shown inside pods."""
        out = {}
        for i, m in enumerate(self.members):
            out["127.0.0.1:%d" % m.client_port] = "etcd-%d.etcd-discovery.%s.svc:2379" % (i, self.namespace)
            out["127.0.0.1:%d" % m.peer_port] = "etcd-%d.etcd-discovery.%s.svc:2380" % (i, self.namespace)
        return out

    def full_initial(self, indexes=None):
        ms = self.members if indexes is None else [self.members[i] for i in indexes]
        return ",".join("%s=%s" % (m.name, m.peer_url) for m in ms)

    def log_text(self, pod_name):
        m = next((m for m in self.members if m.name == pod_name), None)
        if m is None or not os.path.exists(m.log_path):
            return ""
        with open(m.log_path, errors="replace") as f:
            return f.read()[-65536:]

    # -- state changes --------------------------------------------------------------------------
    def fail_member(self, i):
        with self.lock:
            self.failed.add(i)
            self.members[i].kill()

    def pod_gone(self, i):
        with self.lock:
            self.failed.discard(i)
            self.crashes.pop(i, None)
            self.members[i].stop()

    def stop_all(self):
        with self.lock:
            for m in reversed(self.members):
                m.stop(timeout=5)

    def status(self, i):
        """'Running', 'CrashLoopBackOff' or 'Pending' for pod etcd-i."""
        m = self.members[i]
        if i in self.failed or (i in self.crashes and not m.running()):
            return "CrashLoopBackOff"
        return "Running" if m.running() and m.listening() else "Pending"

    def ensure(self, desired):
        """desired: {index: data_dir} of the pods that exist; start/stop members to match."""
        with self.lock:
            for i, m in enumerate(self.members):
                if i not in desired and m.proc is not None:
                    m.stop()
                if m.proc is not None and m.proc.poll() is not None:  # it died on its own
                    m.proc = None
                    self.crashes[i] = self.crashes.get(i, 0) + 1
            todo = [
                i
                for i in sorted(desired)
                if not self.members[i].running()
                and i not in self.failed
                and time.monotonic() - self.members[i].started_at > min(2.0 * self.crashes.get(i, 0), 10)
            ]
            if not todo:
                return
            for i in todo:
                self.members[i].data_dir = desired[i]
            with_data = [i for i in todo if has_member_data(desired[i])]
            empty = [i for i in todo if i not in with_data]
            alive = [i for i, m in enumerate(self.members) if m.running()]
            if not with_data and not alive:
                for i in empty:
                    self.members[i].start(self.full_initial(empty), "new")
                self._wait_listening(empty)
                self._bootstrap_keys()
                return
            for i in with_data:
                self.members[i].start(self.full_initial(), "new")
            self._wait_listening(with_data)
            if empty:
                self._join(alive + with_data, empty)

    def _bootstrap_keys(self):
        """What kube-apiserver writes into an empty etcd, so a new cluster's snapshot has a revision."""
        try:
            wait_for(self.cluster.healthy, timeout=15, interval=0.1, what="the new etcd cluster")
            self.cluster.put_many(BOOTSTRAP_KEYS)
        except (TimeoutError, RuntimeError, OSError) as exc:
            self.log("could not write the bootstrap keys: %s" % exc)

    def _wait_listening(self, indexes):
        try:
            wait_for(
                lambda: all(self.members[i].listening() or not self.members[i].running() for i in indexes),
                timeout=15,
                interval=0.05,
                what="etcd members %s to listen" % indexes,
            )
        except TimeoutError:
            pass

    def _ctl(self, alive, *args, check=True):
        eps = [self.members[i].client_url for i in alive]
        started = time.monotonic()
        res = self.cluster.etcdctl(*args, endpoints=eps, check=check, timeout=20)
        self.log("etcdctl %s -> %d (%.2fs)" % (" ".join(args), res.returncode, time.monotonic() - started))
        return res

    def log(self, message):
        with open(os.path.join(self.dir, "runtime.log"), "a") as f:
            f.write("%s %s\n" % (time.strftime("%H:%M:%S"), message))

    def _member_list(self, alive, attempts=1):
        """The membership as seen by the first alive member (etcd 3.4 needs quorum for it), or None."""
        for _attempt in range(attempts):
            res = self._ctl(alive[:1], "--command-timeout=3s", "member", "list", "-w", "json", check=False)
            if res.returncode == 0:
                break
            time.sleep(0.5)
        else:
            return None
        members = json.loads(res.stdout).get("members", [])
        for mem in members:
            mem["ID"] = "%x" % mem["ID"] if isinstance(mem["ID"], int) else mem["ID"]
        return members

    def _has_leader(self, alive, wait=2.5):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            res = self._ctl(alive, "--command-timeout=1s", "endpoint", "status", "-w", "json", check=False)
            try:
                if any(e["Status"]["leader"] for e in json.loads(res.stdout or "[]")):
                    return True
            except (ValueError, KeyError, TypeError):
                pass
            time.sleep(0.2)
        return False

    def _join(self, alive, empty):
        members = self._member_list(alive, attempts=6) if self._has_leader(alive) else None
        if members is None:
            if len(alive) != 1:
                return  # no quorum and nothing safe to do: leave the pods crash-looping, as a real cluster would
            m = self.members[alive[0]]
            self.log("no quorum with only %s alive: restarting it with --force-new-cluster" % m.name)
            m.stop()
            m.start(self.full_initial(alive), "new", force_new_cluster=True)
            self._wait_listening(alive)
            members = self._member_list(alive, attempts=10) or []
            for mem in members:
                if mem.get("peerURLs") != [m.peer_url]:
                    self._ctl(alive, "member", "update", mem["ID"], "--peer-urls=%s" % m.peer_url, check=False)
        for i in empty:
            m = self.members[i]
            for mem in self._member_list(alive, attempts=10) or []:
                if mem.get("name") == m.name or m.peer_url in mem.get("peerURLs", []):
                    self._ctl(alive, "--command-timeout=2s", "member", "remove", mem["ID"], check=False)
            res = self._ctl(alive, "member", "add", m.name, "--peer-urls=%s" % m.peer_url, check=False)
            found = re.search(r'ETCD_INITIAL_CLUSTER="([^"]*)"', res.stdout)
            if not found:
                continue
            shutil.rmtree(m.data_dir, ignore_errors=True)
            self.log("starting %s as a new member of %s" % (m.name, found.group(1)))
            m.start(found.group(1), "existing")
            try:
                wait_for(
                    lambda m=m, alive=alive: any(x.get("name") == m.name for x in self._member_list(alive) or []),
                    timeout=15,
                    interval=0.1,
                    what="member %s to start" % m.name,
                )
            except TimeoutError:
                pass
            alive = alive + [i]
