# ruff: noqa: E501 - object literals are kept on few lines, as a manifest reads
"""Ocp4Cluster: a simulated OpenShift 4 cluster's API (ClusterVersion, nodes, CSRs, the static-pod operators,
machines, OVN-Kubernetes objects) over real HTTPS, for the disaster-recovery roles (see docs/simulator.md).

Behaviour modelled (the parts the seed's restore procedure waits on):
- the four static-pod operator resources roll out a new revision when `spec.forceRedeploymentReason` changes:
  `NodeInstallerProgressing` goes True ("N nodes are at revision r; M nodes are at revision r+1") and, after
  `redeploy_seconds`, False with reason AllNodesAtLatestRevision. The etcd operator does not roll out while the
  quorum guard is on (`spec.unsupportedConfigOverrides.useUnsupportedUnsafeNonHANonProductionUnstableEtcd`
  not true): the restored cluster has a single member;
- with `etcd_members` (an agent standing in for the operator's access to etcd), the forced etcd revision is on
  every node only once each Ready control-plane Node is a started etcd member again: the operator re-adds the
  members that the restore left out, one at a time (tests/e2e/ocp4/hosts.py has the agent for simulated hosts);
- a deleted control-plane Machine (finalizer) goes away after `machine_seconds` with its Node, and the control
  plane machine set creates a replacement (Provisioning, then Running with a Ready Node);
- the ovnkube-master DaemonSet stops naming a control-plane IP once its Node is gone; deleted ovnkube pods
  are recreated Running;
- `reject_writes(kind, test)`: a fault hook on the content of a write (403 for an API write of that kind for
  which test(old, new) is true), for faults that the path alone cannot tell apart (quorum guard on or off);
- the approval subresource of CertificateSigningRequests (only status.conditions is written, as the real API);
  `kubelet_bootstrap(node)` sends a node-bootstrapper client CSR as a kubelet does, and once it is approved the
  kubelet's serving CSR (with the node's address and name) follows.
"""

import copy
import os
import threading
import time

from tests.harness.pki import CA

from . import ocp4_csr, ocp4_schema, resources
from .apiserver import ApiServer
from .cluster import ManagementCluster
from .errors import ApiError
from .faults import Faults
from .ocp4_kinds import OPERATOR_KINDS
from .store import Store, now

KINDS = {"Namespace", "Secret", "ConfigMap", "Pod", "Node", "Event", "ServiceAccount", "ClusterVersion",
         "CertificateSigningRequest", "DaemonSet"} | {r.kind for r in resources.RESOURCES if r.group in (
             "operator.openshift.io", "machine.openshift.io", "config.openshift.io")}  # fmt: skip
GUARD = "useUnsupportedUnsafeNonHANonProductionUnstableEtcd"
MACHINE_FINALIZER = "machine.machine.openshift.io"
R = {k: resources.lookup(None, k) for k in ("Node", "Pod", "DaemonSet") + OPERATOR_KINDS}
R["Machine"] = resources.lookup("machine.openshift.io/v1beta1", "Machine")  # not Cluster API's Machine


class Ocp4Store(Store):
    """The store with the OpenShift 4 schemas on every write and the CSR approval subresource."""

    serves_approval = True

    def __init__(self):
        super().__init__()
        self.write_faults = []  # (kind, test(old, new)): an API write of that kind for which test is true gets a 403

    def _write_fault(self, res, old, new):
        for kind, test in list(self.write_faults):
            if kind == res.kind and test(old or {}, new):
                raise ApiError(403, "Forbidden", "injected fault: the simulator refuses this write of %s" % kind)

    def create(self, res, obj, ns=None, http=False, dry_run=False):
        obj = copy.deepcopy(obj)
        if http and res.has_status and resources.is_crd(res):
            obj.pop("status", None)
        ocp4_schema.admit(res, obj)
        return super().create(res, obj, ns, http=http, dry_run=dry_run)

    def update(self, res, obj, ns, name, subresource=None, http=False, dry_run=False, check_rv=True):
        with self.lock:
            old = self.must_get(res, ns, name)
            new = copy.deepcopy(obj)
            if http:
                self._write_fault(res, old, new)
            if subresource == "approval":
                if res.kind != "CertificateSigningRequest":
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                new = copy.deepcopy(old)
                new.setdefault("status", {})["conditions"] = ((obj.get("status") or {}).get("conditions")) or []
                new["metadata"]["resourceVersion"] = (obj.get("metadata") or {}).get("resourceVersion")
                subresource, http = None, False
            elif subresource == "status":
                new = dict(copy.deepcopy(old), status=new.get("status", {}), metadata=new.get("metadata", {}))
            elif http and res.has_status:
                new.pop("status", None)
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
            ocp4_schema.admit(res, new, old)
            return super().update(res, new, ns, name, subresource, http=http, dry_run=dry_run, check_rv=check_rv)


def _cond(obj, ctype):
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == ctype), None)


class Ocp4Cluster:
    """An OpenShift 4 cluster's API on 127.0.0.1. `masters` maps node name -> InternalIP."""

    def __init__(self, base_dir, version="4.14.8", masters=None, name="ocp4", network_type="OVNKubernetes",
                 proxy=None, redeploy_seconds=0.3, machine_seconds=0.3, etcd_members=None):  # fmt: skip
        self.base_dir = os.path.abspath(str(base_dir))
        self.name = name
        self.version = version
        self.masters = masters or {"master-0": "10.0.0.10", "master-1": "10.0.0.11", "master-2": "10.0.0.12"}
        self.network_type = network_type
        self.proxy = proxy or {}
        self.redeploy_seconds = redeploy_seconds
        self.machine_seconds = machine_seconds
        # What the etcd operator does to etcd itself (an object with sync(nodes) -> bool, see _operators); None: the
        # rollout of a forced etcd revision touches no etcd.
        self.etcd_members = etcd_members
        self.store = Ocp4Store()
        self.faults = Faults()
        self.api = None
        self.kubeconfig = os.path.join(self.base_dir, "kubeconfig")
        self._stop = threading.Event()
        self._thread = None
        self._timers = {}  # key -> monotonic time an action is due
        self.redeployments = []  # (kind, reason) in the order rollouts started
        self._rolling = {}  # operator kind -> the forceRedeploymentReason being rolled out
        self._replacements = 0  # control-plane machines created by the machine set so far
        self._bootstrapping = {}  # client CSR name -> (node, serving SANs) sent by kubelet_bootstrap

    def start(self):
        os.makedirs(self.base_dir, exist_ok=True)
        self.ca = CA(os.path.join(self.base_dir, "pki"), cn="%s-kube-ca" % self.name)
        server = self.ca.issue("apiserver", sans=("127.0.0.1", "localhost"))
        self.admin = self.ca.issue("admin", cn="system:admin", organization="system:masters")
        self.api = ApiServer(self.store, self.ca, server, self.faults, kinds=KINDS,
                             access_log=os.path.join(self.base_dir, "access.log")).start()  # fmt: skip
        ManagementCluster._write_kubeconfig(self)
        for obj in self._bootstrap():
            self.store.put(obj)
        self._thread = threading.Thread(target=self._loop, name="sim-ocp4-" + self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self.store.dirty.set()
        if self._thread is not None:
            self._thread.join(10)
        if self.api is not None:
            self.api.stop()
            self.api = None

    @property
    def api_url(self):
        return self.api.url

    # -- objects ----------------------------------------------------------------------------------
    def _bootstrap(self):
        out = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in (
            "default", "openshift-etcd", "openshift-machine-api", "openshift-ovn-kubernetes",
            "openshift-machine-config-operator")]  # fmt: skip
        out.append(self.cluster_version_object(self.version))
        out.append({"apiVersion": "config.openshift.io/v1", "kind": "Proxy", "metadata": {"name": "cluster"},
                    "spec": dict(self.proxy), "status": dict(self.proxy)})  # fmt: skip
        out.append({"apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"},
                    "spec": {"networkType": self.network_type}, "status": {"networkType": self.network_type}})  # fmt: skip
        for kind in OPERATOR_KINDS:
            out.append(self._operator(kind, 7))
        for i, (node, ip) in enumerate(sorted(self.masters.items())):
            out.append(self.node_object(node, ip))
            out.append(self._machine("%s-master-%d" % (self.name, i), node, ip))
        out.append(self._ovn_daemonset())
        return out

    def cluster_version_object(self, version, partial_to=None):
        history = [{"state": "Completed", "version": version, "image": "quay.io/openshift-release-dev/ocp-release:%s"
                    % version, "startedTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T01:00:00Z",
                    "verified": True}]  # fmt: skip
        desired = version
        if partial_to:
            history.insert(0, dict(history[0], state="Partial", version=partial_to, completionTime=None))
            desired = partial_to
        return {"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"},
                "spec": {"clusterID": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "channel": "stable-4.14"},
                "status": {"desired": {"version": desired, "image": history[0]["image"]}, "history": history}}  # fmt: skip

    @staticmethod
    def node_object(name, ip, ready=True):
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": {"node-role.kubernetes.io/master": "", "kubernetes.io/hostname": name}},
                "spec": {},
                "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                           "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}  # fmt: skip

    def _machine(self, name, node, ip, phase="Running"):
        return {"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
                "metadata": {"name": name, "namespace": "openshift-machine-api", "finalizers": [MACHINE_FINALIZER],
                             "labels": {"machine.openshift.io/cluster-api-machine-role": "master"}},
                "spec": {"providerID": "aws:///us-east-1a/i-%s" % name},
                "status": {"phase": phase, "nodeRef": {"kind": "Node", "name": node},
                           "addresses": [{"type": "InternalIP", "address": ip}]}}  # fmt: skip

    def _operator(self, kind, revision):
        nodes = sorted(self.masters)
        return {"apiVersion": "operator.openshift.io/v1", "kind": kind, "metadata": {"name": "cluster"},
                "spec": {"managementState": "Managed"},
                "status": {"latestAvailableRevision": revision,
                           "nodeStatuses": [{"nodeName": n, "currentRevision": revision} for n in nodes],
                           "conditions": [{"type": "NodeInstallerProgressing", "status": "False",
                                           "reason": "AllNodesAtLatestRevision", "lastTransitionTime": now(),
                                           "message": "%d nodes are at revision %d" % (len(nodes), revision)}]}}  # fmt: skip

    def _ovn_daemonset(self):
        ips = ",".join(self.masters[n] for n in sorted(self.masters))
        container = {"name": "ovnkube-master", "image": "ovn:latest", "env": [{"name": "OVN_MASTERS", "value": ips}]}
        return {"apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": {"name": "ovnkube-master", "namespace": "openshift-ovn-kubernetes"},
                "spec": {"selector": {"matchLabels": {"app": "ovnkube-master"}},
                         "template": {"metadata": {"labels": {"app": "ovnkube-master"}}, "spec": {"containers": [container]}}}}  # fmt: skip

    def get(self, api_version, kind, name, namespace=None):
        return self.store.get(resources.lookup(api_version, kind), namespace, name)

    def list(self, api_version, kind, namespace=None):
        return self.store.list(resources.lookup(api_version, kind), namespace)[0]

    def put(self, obj):
        return self.store.put(obj)

    def reject_writes(self, kind, test):
        """Refuse (403) every API write of `kind` for which test(old, new) is true, until clear_faults()."""
        self.store.write_faults.append((kind, test))

    def clear_faults(self):
        """Remove the path faults (self.faults) and the write faults."""
        self.faults.clear()
        self.store.write_faults.clear()

    # -- controllers ------------------------------------------------------------------------------
    def _loop(self):
        while not self._stop.is_set():
            self.store.dirty.wait(0.1)
            self.store.dirty.clear()
            try:
                self._operators()
                self._machines()
                self._ovn()
                self._kubelets()
            except ApiError:
                continue  # a conflict with a client's write: the next pass sees the new object

    def _due(self, key, seconds):
        """True once `seconds` passed since the first call with `key` (then forgotten)."""
        start = self._timers.setdefault(key, time.monotonic())
        if time.monotonic() - start >= seconds:
            del self._timers[key]
            return True
        return False

    def kubelet_bootstrap(self, node, address=None, name=None):
        """A kubelet without a client certificate: a pending node-bootstrapper CSR; its serving CSR follows approval."""
        name = name or "csr-%s-client" % node
        self._bootstrapping[name] = (node, [address or self.masters.get(node, "10.0.9.9"), node])
        self.store.create(resources.lookup(None, "CertificateSigningRequest"), ocp4_csr.client_csr(name, node))
        return name

    def _kubelets(self):
        res = resources.lookup(None, "CertificateSigningRequest")
        for name, (node, sans) in list(self._bootstrapping.items()):
            csr = self.store.get(res, None, name)
            if csr is None or not any(
                c.get("type") == "Approved" for c in (csr.get("status") or {}).get("conditions") or []
            ):
                continue
            del self._bootstrapping[name]
            self.store.create(res, ocp4_csr.serving_csr("csr-%s-serving" % node, node, sans))

    def _operators(self):
        nodes = sorted(n["metadata"]["name"] for n in self.store.peek(R["Node"]))
        for kind in OPERATOR_KINDS:
            op = self.store.get(R[kind], None, "cluster")
            spec, status = op.get("spec") or {}, op.get("status") or {}
            reason = spec.get("forceRedeploymentReason")
            if not reason or status.get("latestAvailableRevisionReason") == reason:
                continue
            if kind == "Etcd" and not (spec.get("unsupportedConfigOverrides") or {}).get(GUARD):
                continue  # the quorum guard keeps a single-member etcd from rolling out
            cond = _cond(op, "NodeInstallerProgressing")
            rev = status.get("latestAvailableRevision", 0)
            if self._rolling.get(kind) != reason:  # a new reason starts a new revision, also mid-rollout
                self._rolling[kind] = reason
                self._timers.pop((kind, reason), None)
                self.redeployments.append((kind, reason))
                msg = "%d nodes are at revision %d; 0 nodes are at revision %d" % (len(nodes), rev, rev + 1)
                cond.update(status="True", reason="NodeInstaller", message=msg, lastTransitionTime=now())
                status["latestAvailableRevision"] = rev + 1
            elif self._due((kind, reason), self.redeploy_seconds) and self._members_ready(kind, reason):
                cond.update(status="False", reason="AllNodesAtLatestRevision", lastTransitionTime=now(),
                            message="%d nodes are at revision %d" % (len(nodes), rev))  # fmt: skip
                status["nodeStatuses"] = [{"nodeName": n, "currentRevision": rev} for n in nodes]
                status["latestAvailableRevisionReason"] = reason
            else:
                continue
            status["observedGeneration"] = op["metadata"]["generation"]
            self.store.update(R[kind], op, None, "cluster", subresource="status")

    def _members_ready(self, kind, reason):
        """The etcd operator's member step of an etcd rollout: every Ready control-plane Node gets its etcd member
        back (etcd_members.sync adds one at a time, as the operator does); the revision is not on every node before."""
        if kind != "Etcd" or self.etcd_members is None:
            return True
        nodes = {}
        for n in self.store.peek(R["Node"]):
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in n["status"].get("conditions", [])
            )
            if ready and "node-role.kubernetes.io/master" in n["metadata"].get("labels", {}):
                nodes[n["metadata"]["name"]] = next(
                    a["address"] for a in n["status"]["addresses"] if a["type"] == "InternalIP"
                )
        try:
            if self.etcd_members.sync(nodes):
                return True
        except Exception:  # noqa: BLE001 - an operator retries on its next pass; the test sees the missing member
            pass
        self._timers[(kind, reason)] = time.monotonic() - self.redeploy_seconds  # still due: check again next pass
        return False

    def _machines(self):
        for m in self.store.list(R["Machine"], "openshift-machine-api")[0]:
            meta = m["metadata"]
            node = ((m.get("status") or {}).get("nodeRef") or {}).get("name")
            if meta.get("deletionTimestamp") and self._due(("delete", meta["uid"]), self.machine_seconds):
                if self.store.get(R["Node"], None, node):
                    self.store.delete(R["Node"], None, node)
                meta["finalizers"] = []
                self.store.update(R["Machine"], m, meta["namespace"], meta["name"], check_rv=False)
                self._replacements += 1  # a fresh index per replacement: two recreated machines never share a name
                index = len(self.masters) + 2 + self._replacements
                new_node = "%s-new-%d" % (node, index)
                self.store.create(R["Machine"], self._machine("%s-master-%d" % (self.name, index), new_node,
                                                              "10.0.1.%d" % index, phase="Provisioning"))  # fmt: skip
            elif (m.get("status") or {}).get("phase") == "Provisioning" and self._due(("up", meta["uid"]),
                                                                                      self.machine_seconds):  # fmt: skip
                ip = m["status"]["addresses"][0]["address"]
                self.store.put(self.node_object(node, ip))
                m["status"]["phase"] = "Running"
                self.store.update(R["Machine"], m, meta["namespace"], meta["name"], subresource="status")

    def _ovn(self):
        ds = self.store.get(R["DaemonSet"], "openshift-ovn-kubernetes", "ovnkube-master")
        nodes = {n["metadata"]["name"]: n for n in self.store.peek(R["Node"])}
        ips = [a["address"] for n in nodes.values() for a in n["status"].get("addresses", [])
               if a["type"] == "InternalIP" and "node-role.kubernetes.io/master" in n["metadata"].get("labels", {})]  # fmt: skip
        env = ds["spec"]["template"]["spec"]["containers"][0]["env"][0]
        want = ",".join(sorted(ips))
        if env["value"] != want and self._due("ovn-ds", self.machine_seconds):
            env["value"] = want
            self.store.update(R["DaemonSet"], ds, "openshift-ovn-kubernetes", "ovnkube-master", check_rv=False)
        pods = {p["metadata"]["name"] for p in self.store.peek(R["Pod"], "openshift-ovn-kubernetes")}
        for node, obj in sorted(nodes.items()):
            roles = ["ovnkube-node"]
            if "node-role.kubernetes.io/master" in obj["metadata"].get("labels", {}):
                roles.append("ovnkube-master")
            for app in roles:
                if not any(p.startswith("%s-%s-" % (app, node)) for p in pods):
                    self.store.create(R["Pod"], {
                        "apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "%s-%s-%d" % (app, node, time.monotonic_ns() % 100000),
                                     "namespace": "openshift-ovn-kubernetes", "labels": {"app": app}},
                        "spec": {"nodeName": node, "containers": [{"name": app, "image": "ovn:latest"}]},
                        "status": {"phase": "Running"}})  # fmt: skip
