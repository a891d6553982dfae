"""Helpers for the hosted-cluster etcd end-to-end tests: inventories, playbook runs, simulator state."""

import http.client
import http.server
import json
import os
import ssl
import stat
import sys
import threading

import yaml

from tests.harness.ansible import run_playbook

HYPERSHIFT = "hypershift.openshift.io/v1beta1"
API_DEPLOYMENTS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")
KEY_PREFIX = "/kubernetes.io/e2e/"


def write_inventory(tmp_path, hosts, group_vars=None, name="inventory.yml"):
    """An inventory where every hosted cluster is a host run locally (like playbooks/inventory.example.yml)."""
    base = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    base.update(group_vars or {})
    inv = {"all": {"children": {"hostedclusters": {"vars": base, "hosts": hosts}}}}
    path = os.path.join(str(tmp_path), name)
    with open(path, "w") as f:
        yaml.safe_dump(inv, f)
    return path


def backup_host(hc, mgmt, **extra):
    host = {
        "hostedcluster_etcd_backup_name": hc.name,
        "hostedcluster_etcd_backup_namespace": hc.namespace,
        "hostedcluster_etcd_backup_kubeconfig": mgmt.kubeconfig,
        "hostedcluster_etcd_backup_wait_timeout": 60,
    }
    host.update(extra)
    return host


def run(name, inventory, tmp_path=None, extra_vars=None, env=None, **kw):
    """Run the collection's playbook `name` (FQCN, as users do); its output is shown when a test fails."""
    res = run_playbook("ocp.day2.%s" % name, inventory=inventory, extra_vars=extra_vars, env=env, **kw)
    print("=== ansible-playbook ocp.day2.%s rc=%d ===" % (name, res.rc))
    print("\n".join(ln for ln in res.stdout.splitlines() if ln.strip() and not ln.startswith(("ok: ", "skipping: "))))
    print(res.stderr[-3000:])
    return res


def cluster_state(mgmt, hc):
    """What a backup or a failed run must leave unchanged: pauses, API replicas, our annotations, etcd replicas."""
    hc_obj = mgmt.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace)
    nps = [np for np in mgmt.list(HYPERSHIFT, "NodePool", hc.namespace) if np["spec"].get("clusterName") == hc.name]
    replicas = {}
    for name in API_DEPLOYMENTS:
        dep = mgmt.get("apps/v1", "Deployment", name, hc.hcp_namespace)
        replicas[name] = None if dep is None else dep["spec"].get("replicas")
    sts = mgmt.get("apps/v1", "StatefulSet", "etcd", hc.hcp_namespace)
    annotations = (hc_obj["metadata"].get("annotations") or {}) if hc_obj else {}
    return {
        "hc_paused": hc_obj["spec"].get("pausedUntil"),
        "np_paused": {np["metadata"]["name"]: np["spec"].get("pausedUntil") for np in nps},
        "replicas": replicas,
        "etcd_replicas": sts["spec"].get("replicas") if sts else None,
        "ocp_annotations": {k: v for k, v in annotations.items() if k.startswith("ocp.day2/")},
    }


def encryption_secret(mgmt, hc):
    hc_obj = mgmt.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace)
    name = hc_obj["spec"]["secretEncryption"]["aescbc"]["activeKey"]["name"]
    return mgmt.get("v1", "Secret", name, hc.namespace)


def find_manifests(root):
    found = []
    for dirpath, _dirs, files in os.walk(str(root)):
        if "manifest.json" in files:
            found.append(os.path.join(dirpath, "manifest.json"))
    return sorted(found)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_private_tree(root):
    """Every directory under root (included) is 0700 and every file 0600."""
    for dirpath, _dirs, files in os.walk(str(root)):
        assert mode_of(dirpath) == 0o700, "%s is %o" % (dirpath, mode_of(dirpath))
        for f in files:
            p = os.path.join(dirpath, f)
            assert mode_of(p) == 0o600, "%s is %o" % (p, mode_of(p))


class _Forward(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port), set per server class

    def log_message(self, *_args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            conn.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward


class HttpsS3Front:
    """HTTPS in front of the shared (plain HTTP) moto server, with a certificate of a management cluster's CA.

    restoreSnapshotURL must be https, and the operator stand-in trusts only its cluster's CA: a restore at
    creation presigns against this endpoint (and reads through it with that CA as its S3 CA bundle).
    """

    def __init__(self, mgmt, moto):
        cert = mgmt.ca.issue("s3-front", directory=os.path.join(mgmt.base_dir, "pki", "s3-front"))
        self.ca_bundle = mgmt.ca.cert
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert.cert, cert.key)
        handler = type("Forward", (_Forward,), {"upstream": ("127.0.0.1", moto.port)})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="s3-front", daemon=True)

    @property
    def endpoint_url(self):
        return "https://127.0.0.1:%d" % self._server.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._server.shutdown()
        self._server.server_close()
