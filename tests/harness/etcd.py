"""Real etcd members on loopback with TLS (client and peer), for tests and the simulator.

Keys are written and read through etcd's v3 JSON gateway over one keep-alive TLS
connection, which is far faster than one etcdctl process per key.
"""

import base64
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess

from .net import free_port, wait_for
from .pki import CA


class EtcdMember:
    def __init__(self, name, data_dir, ca, cert, client_port, peer_port, log_path):
        self.name = name
        self.data_dir = data_dir
        self.ca = ca
        self.cert = cert
        self.client_port = client_port
        self.peer_port = peer_port
        self.log_path = log_path
        self.proc = None

    @property
    def client_url(self):
        return "https://127.0.0.1:%d" % self.client_port

    @property
    def peer_url(self):
        return "https://127.0.0.1:%d" % self.peer_port

    def start(self, initial_cluster, state="new", token="etcd-cluster"):
        os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
        args = [
            shutil.which("etcd") or "etcd",
            "--name", self.name,
            "--data-dir", self.data_dir,
            "--listen-client-urls", self.client_url,
            "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", self.peer_url,
            "--initial-advertise-peer-urls", self.peer_url,
            "--initial-cluster", initial_cluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", token,
            "--cert-file", self.cert.cert, "--key-file", self.cert.key,
            "--trusted-ca-file", self.ca.cert, "--client-cert-auth",
            "--peer-cert-file", self.cert.cert, "--peer-key-file", self.cert.key,
            "--peer-trusted-ca-file", self.ca.cert, "--peer-client-cert-auth",
            "--log-level", "error",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if not self.running():
            self.proc = None
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        self.proc = None

    def kill(self):
        self.stop(sig=signal.SIGKILL)


class EtcdCluster:
    """One or more etcd members on loopback sharing a test CA.

    `client` is a certificate pair usable with etcdctl --cacert/--cert/--key.
    """

    def __init__(self, base_dir, names=("etcd-0",), ca=None, token="etcd-cluster"):
        self.base_dir = base_dir
        os.makedirs(base_dir, exist_ok=True)
        self.ca = ca or CA(os.path.join(base_dir, "pki"))
        self.client = self.ca.issue("etcd-client", directory=os.path.join(base_dir, "pki"))
        self.token = token
        self.members = []
        for name in names:
            cert = self.ca.issue(name, directory=os.path.join(base_dir, "pki"))
            self.members.append(
                EtcdMember(
                    name,
                    os.path.join(base_dir, name, "data"),
                    self.ca,
                    cert,
                    free_port(),
                    free_port(),
                    os.path.join(base_dir, name + ".log"),
                )
            )

    @property
    def initial_cluster(self):
        return ",".join("%s=%s" % (m.name, m.peer_url) for m in self.members)

    @property
    def endpoints(self):
        return [m.client_url for m in self.members]

    def start(self, state="new", timeout=30):
        for m in self.members:
            m.start(self.initial_cluster, state=state, token=self.token)
        wait_for(self.healthy, timeout=timeout, what="etcd cluster %s to be healthy" % self.base_dir)
        return self

    def stop(self):
        for m in self.members:
            m.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def etcdctl_env(self, endpoints=None):
        env = dict(os.environ)
        env.update(
            ETCDCTL_API="3",
            ETCDCTL_CACERT=self.ca.cert,
            ETCDCTL_CERT=self.client.cert,
            ETCDCTL_KEY=self.client.key,
            ETCDCTL_ENDPOINTS=",".join(endpoints or self.endpoints),
        )
        return env

    def etcdctl(self, *args, endpoints=None, check=True, timeout=60):
        return subprocess.run(
            ["etcdctl", *args],
            env=self.etcdctl_env(endpoints),
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def healthy(self):
        live = [m.client_url for m in self.members if m.running()]
        if not live:
            return False
        res = self.etcdctl("endpoint", "health", endpoints=live, check=False, timeout=10)
        return res.returncode == 0

    # -- data through the JSON gateway -------------------------------------------------
    def _conn(self, member=None):
        member = member or next(m for m in self.members if m.running())
        ctx = ssl.create_default_context(cafile=self.ca.cert)
        ctx.load_cert_chain(self.client.cert, self.client.key)
        return http.client.HTTPSConnection("127.0.0.1", member.client_port, context=ctx, timeout=30)

    @staticmethod
    def _call(conn, path, body):
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError("etcd gateway %s answered %d: %s" % (path, resp.status, data[:200]))
        return json.loads(data)

    def put_many(self, items, member=None, per_txn=1):
        """Write a {key: value} mapping (str or bytes) through one TLS connection.

        per_txn > 1 puts that many keys per transaction (one raft entry each; etcd's --max-txn-ops is 128 by
        default): the same keys and values, fewer revisions, and 20,000 keys in ~2 s instead of ~45 s on three
        members.
        """

        def raw(x):
            return x.encode() if isinstance(x, str) else x

        puts = [
            {"key": base64.b64encode(raw(k)).decode(), "value": base64.b64encode(raw(v)).decode()}
            for k, v in items.items()
        ]
        conn = self._conn(member)
        try:
            if per_txn <= 1:
                for put in puts:
                    self._call(conn, "/v3/kv/put", put)
                return
            for i in range(0, len(puts), per_txn):
                self._call(conn, "/v3/kv/txn", {"success": [{"requestPut": put} for put in puts[i : i + per_txn]]})
        finally:
            conn.close()

    def get_all(self, prefix=b"", member=None):
        """Return every key and value (bytes) under prefix, read with a serializable range from `member`."""
        prefix = prefix.encode() if isinstance(prefix, str) else prefix
        key = prefix or b"\0"
        range_end = _prefix_end(prefix) if prefix else b"\0"
        conn = self._conn(member)
        try:
            out = self._call(
                conn,
                "/v3/kv/range",
                {
                    "key": base64.b64encode(key).decode(),
                    "range_end": base64.b64encode(range_end).decode(),
                    "serializable": member is not None,
                },
            )
        finally:
            conn.close()
        return {base64.b64decode(kv["key"]): base64.b64decode(kv.get("value", "")) for kv in out.get("kvs", [])}


def _prefix_end(prefix):
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\0"


def seed_keys(count, prefix="/kubernetes.io/test/", size=64):
    """A deterministic mapping of `count` keys with values of about `size` bytes (binary-safe)."""
    items = {}
    for i in range(count):
        items["%s%06d" % (prefix, i)] = bytes((i + j) % 256 for j in range(size))
    return items


def restore_snapshot(snapshot, base_dir, name="restored-0"):
    """Restore a snapshot file into a fresh single-member TLS cluster and start it; caller stops it."""
    cluster = EtcdCluster(base_dir, names=(name,))
    member = cluster.members[0]
    subprocess.run(
        [
            "etcdctl", "snapshot", "restore", snapshot,
            "--name", member.name,
            "--data-dir", member.data_dir,
            "--initial-cluster", cluster.initial_cluster,
            "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster-token", cluster.token,
        ],
        env=dict(os.environ, ETCDCTL_API="3"),
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cluster.start(state="existing")
