"""The hosted cluster's own API ("guest API"): Nodes, OVN pods and ClusterVersion inside the hosted cluster.

What lives in a hosted cluster (its objects, its EC2 instances) does not belong to one management
cluster: after a migration the same nodes and pods are served by the destination. So the guest's
state (`GuestState`: a `Store` and the cloud instances) is shared, in this process, by every
management cluster that has that hosted cluster (same `spec.clusterID`), and is dropped when the last
of them stops. Each management cluster serves it over its own HTTPS port while the HC's
`kube-apiserver` Deployment has ready replicas (`GuestServers`, driven by the controllers loop), and
publishes the admin kubeconfig Secret `<hc>-admin-kubeconfig` (key `kubeconfig`) and
`status.kubeconfig` on the HostedCluster, as HyperShift does.

Rules: a Node per running instance (an AWSMachine's `spec.instanceID`, named as its Machine's nodeRef),
Ready only while the HC's API hostname record in Route53 is owned by a management cluster whose
kube-apiserver for it is ready (the kubelets reach the API through DNS); one `ovnkube-node-xxxxx` pod
per Node in `openshift-ovn-kubernetes` (a DaemonSet: a deleted pod is replaced under a new name,
Pending for about a second, then Running once its Node is Ready; it records which management
cluster's OVN control plane it connected to); ClusterVersion `version` from the HC's release.
"""

import base64
import hashlib
import os
import random
import string
import threading
import time

import yaml

from tests.harness.pki import CA

from . import monitoring, olm, resources
from .apiserver import ApiServer
from .faults import Faults
from .status import release_version
from .store import now

KINDS = ("Namespace", "Node", "Pod", "Secret", "ConfigMap", "Service", "ServiceAccount", "Event", "ClusterVersion")
KINDS += olm.KINDS  # the OLM stand-in (tests/sim/olm.py)
R = {k: resources.lookup(None, k) for k in KINDS}
_MGMT = {k: resources.lookup(None, k) for k in ("HostedCluster", "Deployment", "Machine", "AWSMachine", "Secret")}
OVN_NS = "openshift-ovn-kubernetes"
CONNECTED = "sim.ocp.day2/ovn-control-plane"
_REGISTRY = {}  # clusterID -> GuestState, while some management cluster in this process has it
_LOCK = threading.Lock()
_TERMINATED = set()  # instance ids are unique (random): a terminated one never comes back


def attach(mgmt, cluster_id):
    with _LOCK:
        state = _REGISTRY.get(cluster_id)
        if state is None:
            state = _REGISTRY[cluster_id] = GuestState(cluster_id, os.path.join(mgmt.base_dir, "guest", cluster_id))
        state.attached[mgmt.name] = mgmt
        return state


def detach_all(mgmt):
    with _LOCK:
        for cid, state in list(_REGISTRY.items()):
            if state.attached.get(mgmt.name) is mgmt:
                del state.attached[mgmt.name]
            if not state.attached:
                del _REGISTRY[cid]


def terminate_everywhere(instance_id):
    with _LOCK:
        _TERMINATED.add(instance_id)
        states = list(_REGISTRY.values())
    for state in states:
        state.terminate(instance_id)


def lookup(cluster_id):
    with _LOCK:
        return _REGISTRY.get(cluster_id)


def api_hostname(hc):
    for svc in hc["spec"].get("services") or []:
        if svc.get("service") == "APIServer":
            return ((svc.get("servicePublishingStrategy") or {}).get("route") or {}).get("hostname")
    return None


def kas_ready(mgmt, hcp_ns):
    dep = mgmt.store.get(_MGMT["Deployment"], hcp_ns, "kube-apiserver")
    return bool(
        dep
        and not dep["metadata"].get("deletionTimestamp")
        and dep["spec"].get("replicas", 1) > 0
        and (dep.get("status") or {}).get("readyReplicas", 0) > 0
    )


class GuestState:
    """A hosted cluster's own objects and cloud instances, shared by the management clusters that have it."""

    def __init__(self, cluster_id, directory):
        self.cluster_id = cluster_id
        self.lock = threading.RLock()
        self.store = olm.OlmStore()
        self.olm = olm.Olm(self.store)
        self.ca = CA(os.path.join(directory, "pki"), cn="root-ca")  # as the migrated root-ca Secret: one CA
        self.admin = self.ca.issue("admin", cn="system:admin", organization="system:masters")
        self.directory = directory
        self.attached = {}  # management cluster name -> ManagementCluster
        self.instances = {}  # instance id -> {"node", "nodepool", "terminated"}
        for ns in ("default", "kube-system", "openshift-config", OVN_NS):
            self.store.create(R["Namespace"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    # -- cloud instances --------------------------------------------------------------------------
    def register(self, instance_id, node, nodepool):
        with self.lock:
            self.instances.setdefault(
                instance_id, {"node": node, "nodepool": nodepool, "terminated": instance_id in _TERMINATED}
            )

    def terminate(self, instance_id):
        with self.lock:
            inst = self.instances.get(instance_id)
            if inst is None or inst["terminated"]:
                return False
            inst["terminated"] = True
            return True

    # -- who serves the nodes -----------------------------------------------------------------------
    def serving(self, hc):
        """The management cluster the kubelets reach: the owner of the API hostname record, if its API is up."""
        host = api_hostname(hc)
        hcp_ns = "%s-%s" % (hc["metadata"]["namespace"], hc["metadata"]["name"])
        mgmts = list(self.attached.values())
        if not mgmts:
            return None
        if mgmts[0].moto is None:
            # no Route53 modelled: the one management cluster whose API is up serves the nodes
            up = [m for m in mgmts if kas_ready(m, hcp_ns)]
            return up[0] if len(up) == 1 else None
        # the owner of the record, as its ExternalDNS knows it (what it wrote to Route53 and not yet removed)
        owner = next((m for m in mgmts if host and host in m.operator.dns.records), None)
        return owner if owner is not None and kas_ready(owner, hcp_ns) else None

    # -- reconcile the guest's own objects -------------------------------------------------------
    def sync(self, hc):
        with self.lock:
            serving = self.serving(hc)
            ready = serving is not None
            live = {i["node"]: (iid, i) for iid, i in self.instances.items() if not i["terminated"]}
            self._nodes(live, ready)
            self._ovn_pods(set(live), ready, serving)
            self._cluster_version(hc)
            self.olm.sync()

    def _nodes(self, live, ready):
        for node in self.store.list(R["Node"])[0]:
            if node["metadata"]["name"] not in live:
                self.store.delete(R["Node"], None, node["metadata"]["name"])
        for name, (iid, inst) in sorted(live.items()):
            old = self.store.get(R["Node"], None, name)
            cond = {
                "type": "Ready",
                "status": "True" if ready else "Unknown",
                "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
            }
            if old is not None:
                prev = next((c for c in old["status"]["conditions"] if c["type"] == "Ready"), {})
                if prev.get("status") == cond["status"]:
                    continue
                cond["lastTransitionTime"] = now()
                old["status"]["conditions"] = [cond]
                self.store.update(R["Node"], old, None, name, "status", check_rv=False)
                continue
            cond["lastTransitionTime"] = now()
            self.store.create(R["Node"], {
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": {"node-role.kubernetes.io/worker": "",
                                                      "hypershift.openshift.io/nodePool": inst["nodepool"] or ""}},
                "spec": {"providerID": "aws:///us-east-1a/%s" % iid},
                "status": {"conditions": [cond], "nodeInfo": _node_info(iid),
                           "addresses": [{"type": t, "address": name} for t in ("InternalDNS", "Hostname")]},
            })  # fmt: skip

    def _ovn_pods(self, nodes, ready, serving):
        pods = self.store.list(R["Pod"], OVN_NS, "app=ovnkube-node")[0]
        covered = set()
        for pod in pods:
            node = pod["spec"].get("nodeName")
            if node not in nodes or node in covered:
                self.store.delete(R["Pod"], OVN_NS, pod["metadata"]["name"])
                continue
            covered.add(node)
            status = pod.get("status") or {}
            started = float(pod["metadata"]["annotations"].get("sim.ocp.day2/created", "0"))
            if status.get("phase") == "Pending" and ready and time.time() - started >= 1.0:
                pod["metadata"]["annotations"][CONNECTED] = serving.name
                self.store.update(R["Pod"], pod, OVN_NS, pod["metadata"]["name"], check_rv=False)
                pod = self.store.get(R["Pod"], OVN_NS, pod["metadata"]["name"])
                pod["status"] = _pod_status("Running", pod)
                self.store.update(R["Pod"], pod, OVN_NS, pod["metadata"]["name"], "status", check_rv=False)
        for node in sorted(nodes - covered):
            suffix = "".join(random.choices(string.ascii_lowercase + "0123456789", k=5))
            pod = {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "ovnkube-node-" + suffix, "namespace": OVN_NS,
                             "labels": {"app": "ovnkube-node", "component": "network"},
                             "annotations": {"sim.ocp.day2/created": "%.3f" % time.time()}},
                "spec": {"nodeName": node, "containers": [
                    {"name": n, "image": "quay.io/openshift-release-dev/ovn-kubernetes"} for n in
                    ("ovn-controller", "ovnkube-controller", "kube-rbac-proxy-node")]},
            }  # fmt: skip
            created = self.store.create(R["Pod"], pod)
            created["status"] = _pod_status("Pending", created)
            self.store.update(R["Pod"], created, OVN_NS, created["metadata"]["name"], "status", check_rv=False)

    def _cluster_version(self, hc):
        image = hc["spec"]["release"]["image"]
        version = release_version(image)
        old = self.store.get(R["ClusterVersion"], None, "version")
        if old is not None and (old.get("status") or {}).get("desired", {}).get("image") == image:
            return
        if old is None:
            old = self.store.create(R["ClusterVersion"], {
                "apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"},
                "spec": {"clusterID": hc["spec"].get("clusterID", ""), "channel": hc["spec"].get("channel", "")},
            })  # fmt: skip
        entry = {"state": "Completed", "version": version, "image": image, "verified": False,
                 "startedTime": now(), "completionTime": now()}  # fmt: skip
        history = [entry] + list((old.get("status") or {}).get("history") or [])
        kept = [c for c in (old.get("status") or {}).get("conditions") or [] if c["type"] == "Upgradeable"]
        old["status"] = {
            "desired": {"version": version, "image": image},
            "history": history,
            "observedGeneration": 1,
            "conditions": [
                {"type": "Available", "status": "True", "lastTransitionTime": now()},
                {"type": "Progressing", "status": "False", "lastTransitionTime": now()},
                {"type": "Failing", "status": "False", "lastTransitionTime": now()},
            ]
            + kept,  # a precondition's Upgradeable stays across releases
        }
        self.store.update(R["ClusterVersion"], old, None, "version", "status", check_rv=False)


def _node_info(iid):
    return {
        "architecture": "amd64", "bootID": "boot-" + iid, "machineID": iid, "systemUUID": "uuid-" + iid,
        "containerRuntimeVersion": "cri-o://1.27.2", "kernelVersion": "5.14.0-284.el9.x86_64",
        "kubeletVersion": "v1.27.8+4fab27b", "kubeProxyVersion": "v1.27.8+4fab27b", "operatingSystem": "linux",
        "osImage": "Red Hat Enterprise Linux CoreOS 414.92",
    }  # fmt: skip


def _pod_status(phase, pod):
    ready = phase == "Running"
    return {
        "phase": phase,
        "hostIP": "10.0.0.10",
        "podIP": "10.0.0.10",
        "startTime": now(),
        "conditions": [{"type": t, "status": "True" if ready else "False"} for t in ("Ready", "ContainersReady")],
        "containerStatuses": [
            {"name": c["name"], "image": c["image"], "ready": ready, "restartCount": 0,
             "state": {"running": {"startedAt": now()}} if ready else {"waiting": {"reason": "ContainerCreating"}}}
            for c in pod["spec"]["containers"]
        ],
    }  # fmt: skip


class GuestServers:
    """One management cluster's side: serve each of its hosted clusters' API while kube-apiserver is ready."""

    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.servers = {}  # (namespace, name) -> (ApiServer, GuestState, kubeconfig path)
        self.faults = {}  # (namespace, name) -> Faults of that guest API (kept across restarts)
        self.cluster_ids = {}  # (namespace, name) -> the HC's clusterID, also after the HC is gone here

    def reconcile(self):
        seen = set()
        for hc in self.mgmt.store.list(_MGMT["HostedCluster"])[0]:
            meta = hc["metadata"]
            key = (meta["namespace"], meta["name"])
            if meta.get("deletionTimestamp"):
                continue
            seen.add(key)
            cid = hc["spec"].get("clusterID") or meta["uid"]
            self.cluster_ids[key] = cid
            state = attach(self.mgmt, cid)
            hcp_ns = "%s-%s" % key
            self._register_instances(state, hcp_ns)
            up = kas_ready(self.mgmt, hcp_ns)
            if up and key not in self.servers:
                self._serve(key, state)
            elif not up and key in self.servers:
                self._stop(key)
            if key in self.servers:
                self._publish(hc, key)
            state.sync(hc)
        for key in set(self.servers) - seen:
            self._stop(key)
        monitoring.reconcile(self.mgmt)  # the operator's dashboards and the MCE add-on (tests/sim/monitoring.py)

    def _register_instances(self, state, hcp_ns):
        nodes = {}
        for m in self.mgmt.store.peek(_MGMT["Machine"], hcp_ns):  # read-only
            ref = (m["spec"].get("infrastructureRef") or {}).get("name")
            node = ((m.get("status") or {}).get("nodeRef") or {}).get("name")
            if ref and node:
                nodes[ref] = node
        for am in self.mgmt.store.peek(_MGMT["AWSMachine"], hcp_ns):  # read-only
            iid = (am.get("spec") or {}).get("instanceID")
            if iid and am["metadata"]["name"] in nodes:
                pool = (am["metadata"].get("labels") or {}).get("hypershift.openshift.io/nodePool")
                state.register(iid, nodes[am["metadata"]["name"]], pool)

    def _serve(self, key, state):
        faults = self.faults.setdefault(key, Faults())
        cert = state.ca.issue("%s-kas" % self.mgmt.name, sans=("127.0.0.1", "localhost"))
        api = ApiServer(state.store, state.ca, cert, faults, kinds=KINDS).start()
        path = os.path.join(self.mgmt.base_dir, "guest", "%s-%s" % key, "kubeconfig")
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w") as f:
            f.write(kubeconfig(api.url, state))
        os.chmod(path, 0o600)
        self.servers[key] = (api, state, path)

    def _stop(self, key):
        api, _state, _path = self.servers.pop(key)
        api.stop()

    def _publish(self, hc, key):
        api, state, path = self.servers[key]
        with open(path) as f:
            data = base64.b64encode(f.read().encode()).decode()
        name = "%s-admin-kubeconfig" % key[1]
        old = self.mgmt.store.get(_MGMT["Secret"], key[0], name)
        if old is not None and (old.get("data") or {}).get("kubeconfig") == data:
            return
        secret = old or {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                         "metadata": {"name": name, "namespace": key[0]}}  # fmt: skip
        secret["data"] = {"kubeconfig": data}
        secret["metadata"].setdefault("labels", {})["hypershift.openshift.io/safe-to-delete-with-cluster"] = "true"
        secret["metadata"]["ownerReferences"] = [{"apiVersion": hc["apiVersion"], "kind": "HostedCluster",
                                                  "name": key[1], "uid": hc["metadata"]["uid"],
                                                  "controller": True, "blockOwnerDeletion": True}]  # fmt: skip
        self.mgmt.store.put(secret)

    def published(self, key):
        return key in self.servers

    def stop_all(self):
        for key in list(self.servers):
            self._stop(key)
        detach_all(self.mgmt)


def kubeconfig(url, state):
    def b64(path):
        with open(path, "rb") as f:
            return base64.b64encode(f.read()).decode()

    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "cluster", "cluster": {"server": url, "certificate-authority-data": b64(state.ca.cert)}}],
        "users": [{"name": "admin", "user": {"client-certificate-data": b64(state.admin.cert),
                                             "client-key-data": b64(state.admin.key)}}],
        "contexts": [{"name": "admin", "context": {"cluster": "cluster", "user": "admin"}}],
        "current-context": "admin",
    })  # fmt: skip


def instance_id(seed):
    return "i-0" + hashlib.sha256(seed.encode()).hexdigest()[:16]
