"""A tiny Kubernetes API on loopback that serves canned objects, for the OpenShift 3.11 cluster checks.

It answers what the kubernetes dynamic client needs: /version, discovery (/api, /apis, group versions),
lists and single gets of the few kinds the checks read, and /healthz. Tests put objects in with add()
and set the health answer with healthz; anything else is a 404 Status. It is plain HTTP with a bearer
token, which is all kubernetes.core's client needs to be exercised end to end.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (group/version, plural, Kind, namespaced)
KINDS = [
    ("v1", "nodes", "Node", False),
    ("v1", "configmaps", "ConfigMap", True),
    ("v1", "namespaces", "Namespace", False),
    ("storage.k8s.io/v1", "storageclasses", "StorageClass", False),
    ("apps/v1", "deployments", "Deployment", True),
    ("apps.openshift.io/v1", "deploymentconfigs", "DeploymentConfig", True),
]
TOKEN = "canned-token"


def _prefix(group_version):
    return "/api/v1" if group_version == "v1" else "/apis/" + group_version


class CannedAPI:
    def __init__(self):
        self.objects = {}  # (plural, namespace, name) -> object
        self.healthz = (200, "ok")
        self.requests = []
        self._server = None
        self._thread = None

    # --- content -------------------------------------------------------------------------------
    def add(self, obj):
        for group_version, plural, kind, _namespaced in KINDS:
            if kind == obj["kind"] and group_version == obj["apiVersion"]:
                meta = obj["metadata"]
                self.objects[(plural, meta.get("namespace"), meta["name"])] = obj
                return obj
        raise ValueError("canned API does not serve %s %s" % (obj["apiVersion"], obj["kind"]))

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                api.requests.append(self.path)
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    return self._send(401, _status(401, "Unauthorized"))
                code, body = api.route(self.path.split("?")[0])
                self._send(code, body)

            def _send(self, code, body):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(code)
                ctype = "text/plain" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def write_kubeconfig(self, directory):
        path = os.path.join(str(directory), "kubeconfig")
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "canned", "cluster": {"server": self.url}}],
            "users": [{"name": "admin", "user": {"token": TOKEN}}],
            "contexts": [{"name": "canned", "context": {"cluster": "canned", "user": "admin"}}],
            "current-context": "canned",
        }
        with open(path, "w") as handle:
            json.dump(config, handle)
        return path

    # --- routing -------------------------------------------------------------------------------
    def route(self, path):
        if path == "/healthz":
            return self.healthz
        if path == "/version":
            return 200, {"major": "1", "minor": "11", "gitVersion": "v1.11.0+d4cacc0"}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            groups = {}
            for group_version, *_rest in KINDS:
                if "/" in group_version:
                    group, version = group_version.split("/")
                    groups[group] = {"groupVersion": group_version, "version": version}
            return 200, {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [{"name": g, "versions": [v], "preferredVersion": v} for g, v in groups.items()],
            }
        for group_version in sorted({k[0] for k in KINDS}):
            if path == _prefix(group_version):
                return 200, {
                    "kind": "APIResourceList",
                    "apiVersion": "v1",
                    "groupVersion": group_version,
                    "resources": [
                        {
                            "name": plural,
                            "singularName": kind.lower(),
                            "namespaced": namespaced,
                            "kind": kind,
                            "verbs": ["get", "list"],
                        }
                        for gv, plural, kind, namespaced in KINDS
                        if gv == group_version
                    ],
                }
        for group_version, plural, kind, namespaced in KINDS:
            prefix = _prefix(group_version)
            if not path.startswith(prefix + "/"):
                continue
            parts = path[len(prefix) + 1 :].split("/")
            namespace = None
            if namespaced and len(parts) >= 3 and parts[0] == "namespaces" and parts[2] == plural:
                namespace, parts = parts[1], parts[2:]
            if parts[0] != plural:
                continue
            if len(parts) == 1:
                items = [
                    o
                    for (p, ns, _n), o in sorted(self.objects.items(), key=lambda kv: str(kv[0]))
                    if p == plural and (namespace is None or ns == namespace)
                ]
                return 200, {"kind": kind + "List", "apiVersion": group_version, "metadata": {}, "items": items}
            obj = self.objects.get((plural, namespace, parts[1]))
            if obj is not None:
                return 200, obj
            return 404, _status(404, '%s "%s" not found' % (plural, parts[1]), reason="NotFound")
        return 404, _status(404, "the server could not find the requested resource", reason="NotFound")


def _status(code, message, reason="Unauthorized"):
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


# --- objects a healthy 3.11 cluster has --------------------------------------------------------------
def node(name, ready=True):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "spec": {},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                }
            ]
        },
    }


def storageclass(name, default=False, beta=False):
    key = "storageclass.%skubernetes.io/is-default-class" % ("beta." if beta else "")
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": {key: "true" if default else "false"}},
        "provisioner": "kubernetes.io/gce-pd",
    }


def deploymentconfig(name, desired, current, available=None, namespace="default"):
    return {
        "apiVersion": "apps.openshift.io/v1",
        "kind": "DeploymentConfig",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": desired},
        "status": {"replicas": current, "availableReplicas": current if available is None else available},
    }


def leader_configmap(holder, renew_time, lease=15):
    record = {
        "holderIdentity": holder,
        "leaseDurationSeconds": lease,
        "acquireTime": renew_time,
        "renewTime": renew_time,
        "leaderTransitions": 1,
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "openshift-master-controllers",
            "namespace": "kube-system",
            "annotations": {"control-plane.alpha.kubernetes.io/leader": json.dumps(record)},
        },
    }
