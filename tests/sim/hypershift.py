"""HyperShift objects (API v1beta1) and the operator stand-in that renders and reconciles them."""

import copy
import logging
import os
import shutil
import ssl
import subprocess
import time
import urllib.request

from . import capi, nodepool_config, rendering, resources, upgrade
from . import status as st
from .dns import ExternalDNS
from .errors import ApiError
from .fileserver import TRUSTED_CAS
from .objects import FINALIZER
from .status import is_paused, release_version
from .store import now

log = logging.getLogger(__name__)
R = {
    k: resources.lookup(None, k)
    for k in (
        "HostedCluster",
        "NodePool",
        "HostedControlPlane",
        "Namespace",
        "StatefulSet",
        "Deployment",
        "PersistentVolumeClaim",
        "Secret",
        "Cluster",
        "MachineDeployment",
        "MachineSet",
        "Machine",
        "AWSMachineTemplate",
    )
}


class HostedClusterHandle:
    def __init__(self, mgmt, name, namespace):
        self.mgmt = mgmt
        self.name = name
        self.namespace = namespace
        self.hcp_namespace = "%s-%s" % (namespace, name)

    @property
    def etcd(self):
        rt = self.mgmt.pods.etcd_runtime(self.hcp_namespace)
        if rt is None:
            raise RuntimeError("hosted cluster %s has no etcd yet" % self.hcp_namespace)
        return rt.cluster

    def member_dir(self, i):
        """The host directory backing PVC data-etcd-i (the pod's /var/lib); etcd data is in its `data`."""
        pvc = self.mgmt.store.get(R["PersistentVolumeClaim"], self.hcp_namespace, "data-etcd-%d" % i)
        if pvc is None:
            raise RuntimeError("PVC data-etcd-%d does not exist in %s" % (i, self.hcp_namespace))
        return pvc["metadata"]["annotations"]["sim.ocp.day2/host-path"]

    @property
    def object(self):
        return self.mgmt.store.get(R["HostedCluster"], self.namespace, self.name)

    def __repr__(self):
        return "HostedClusterHandle(%s/%s)" % (self.namespace, self.name)


class Operator:
    """The HyperShift operator and control-plane operator, reduced to what day-2 procedures observe."""

    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.store = mgmt.store
        self.dns = ExternalDNS(mgmt)
        self._progress = {}  # (kind, ns, name) -> monotonic time the current version rollout started
        self._pieces = {}  # (hcp namespace, HC uid) -> [(apiVersion, kind, name)] rendered last time

    def running(self):
        """The HyperShift operator acts while its Deployment `hypershift/operator` asks for replicas
        (a management cluster built with operator=False has none)."""
        return capi.running(self.store, "hypershift", "operator")

    def reconcile(self):
        if not self.running():
            return
        # one broken object (e.g. a HostedCluster applied without spec.dns) must not stop the others
        for hc in self.store.list(R["HostedCluster"])[0]:
            try:
                self.hosted_cluster(hc)
            except Exception:
                log.exception(
                    "operator stand-in: HostedCluster %s/%s", hc["metadata"]["namespace"], hc["metadata"]["name"]
                )
        for np in self.store.list(R["NodePool"])[0]:
            try:
                self.nodepool(np)
            except Exception:
                log.exception("operator stand-in: NodePool %s/%s", np["metadata"]["namespace"], np["metadata"]["name"])
        self.dns.reconcile()

    def _put_status(self, res, obj, status):
        if obj.get("status") != status:
            obj["status"] = status
            self.store.update(
                res, obj, obj["metadata"].get("namespace"), obj["metadata"]["name"], "status", check_rv=False
            )

    def hosted_cluster(self, hc):
        meta, spec = hc["metadata"], hc["spec"]
        ns, name = meta["namespace"], meta["name"]
        hcp_ns = "%s-%s" % (ns, name)
        hcp = self.store.get(R["HostedControlPlane"], hcp_ns, name)
        if meta.get("deletionTimestamp"):
            return self._delete_hosted_cluster(hc, hcp_ns)
        if FINALIZER not in (meta.get("finalizers") or []):
            meta["finalizers"] = (meta.get("finalizers") or []) + [FINALIZER]
            hc = self.store.update(R["HostedCluster"], hc, ns, name, check_rv=False)
            meta, spec = hc["metadata"], hc["spec"]
        if hcp is not None and (hcp["spec"].get("pausedUntil") != spec.get("pausedUntil")):
            hcp["spec"]["pausedUntil"] = spec.get("pausedUntil")
            if hcp["spec"]["pausedUntil"] is None:
                del hcp["spec"]["pausedUntil"]
            hcp = self.store.update(R["HostedControlPlane"], hcp, hcp_ns, name, check_rv=False)
        paused = is_paused(spec)
        if paused:
            # the operator only brings condition ReconciliationActive up to date and leaves everything else
            gen = meta.get("generation")
            self._put_status(
                R["HostedCluster"], hc, st.paused_status(hc.get("status") or {}, spec["pausedUntil"], generation=gen)
            )
            if hcp is not None:
                hcp_gen = hcp["metadata"].get("generation")
                self._put_status(
                    R["HostedControlPlane"],
                    hcp,
                    st.paused_status(hcp.get("status") or {}, spec["pausedUntil"], generation=hcp_gen),
                )
            return
        nsobj = self.store.get(R["Namespace"], None, hcp_ns)
        if nsobj is not None and nsobj["metadata"].get("deletionTimestamp"):
            return
        error = self._sync_etcd_spec(hc, hcp)
        if error:
            self._reconcile_failed(hc, error)
            return
        # every pass, not only when the HCP is absent: a migration applies the HCP, secrets, Cluster and
        # machines before the HostedCluster, and a Route deleted during a pause comes back once unpaused
        error = self._render(hc, hcp_ns)
        if error:
            status = st.hc_status(hc, None, self._progress, self.mgmt.upgrade_seconds)
            status["conditions"].append(
                {
                    "type": "EtcdSnapshotRestored",
                    "status": "False",
                    "reason": "RestoreFailed",
                    "message": error,
                    "lastTransitionTime": now(),
                }
            )
            self._put_status(R["HostedCluster"], hc, status)
            return
        hcp = self.store.get(R["HostedControlPlane"], hcp_ns, name)
        if hcp["spec"].get("releaseImage") != spec["release"]["image"] and not upgrade.blocked(self.mgmt, hc):
            hcp["spec"]["releaseImage"] = spec["release"]["image"]
            hcp = self.store.update(R["HostedControlPlane"], hcp, hcp_ns, name, check_rv=False)
            for dep in self.store.list(R["Deployment"], hcp_ns)[0]:
                for c in dep["spec"]["template"]["spec"]["containers"]:
                    c["image"] = spec["release"]["image"]
                self.store.update(R["Deployment"], dep, hcp_ns, dep["metadata"]["name"], check_rv=False)
        self._scale_control_plane(hc, hcp_ns)
        etcd_ok = self._etcd_ok(hcp_ns)
        status = st.hc_status(hc, etcd_ok, self._progress, self.mgmt.upgrade_seconds)
        status = upgrade.hc_status(self.mgmt, hc, status, self._progress)  # offered updates, refusals, payload
        if not self.mgmt.guests.published((ns, name)):
            status.pop("kubeconfig", None)  # set once the admin kubeconfig Secret is written
        self._put_status(R["HostedCluster"], hc, status)
        self._put_status(R["HostedControlPlane"], hcp, st.hcp_status(hcp, status, self._restored(hcp, etcd_ok)))

    def _sync_etcd_spec(self, hc, hcp):
        """The operator copies the HostedCluster's etcd spec onto an existing HostedControlPlane, which the
        control-plane operator renders etcd from. The HCP's own rules apply: restoreSnapshotURL cannot be added to
        or changed on an existing HCP, so an HCP applied without the HostedCluster's URL is refused. Returns the
        error text, or None.
        """
        if hcp is None or hcp["spec"].get("etcd") == hc["spec"].get("etcd"):
            return None
        new = copy.deepcopy(hcp)
        new["spec"]["etcd"] = copy.deepcopy(hc["spec"].get("etcd"))
        meta = hcp["metadata"]
        try:
            self.store.update(R["HostedControlPlane"], new, meta["namespace"], meta["name"], check_rv=False)
        except ApiError as exc:
            return "updating HostedControlPlane %s/%s: %s" % (meta["namespace"], meta["name"], exc.message)
        return None

    def _reconcile_failed(self, hc, error):
        status = st.hc_status(hc, None, self._progress, self.mgmt.upgrade_seconds)
        status["conditions"] = [c for c in status["conditions"] if c["type"] != "ReconciliationSucceeded"] + [
            {
                "type": "ReconciliationSucceeded",
                "status": "False",
                "reason": "ReconciliationError",
                "message": error,
                "lastTransitionTime": now(),
            }
        ]
        self._put_status(R["HostedCluster"], hc, status)

    @staticmethod
    def _restored(hcp, etcd_ok):
        """Condition EtcdSnapshotRestored of a HostedControlPlane created with restoreSnapshotURL.

        As the control-plane operator: set once, True (AsExpected) when every etcd replica is ready
        after the restore init container ran; then left alone.
        """
        storage = (((hcp["spec"].get("etcd") or {}).get("managed") or {}).get("storage")) or {}
        if not storage.get("restoreSnapshotURL"):
            return []
        prev = next(
            (c for c in (hcp.get("status") or {}).get("conditions") or [] if c["type"] == "EtcdSnapshotRestored"), None
        )
        if prev is not None:
            return [(prev["type"], prev["status"], prev["reason"], prev.get("message", ""))]
        return [("EtcdSnapshotRestored", "True", "AsExpected", "")] if etcd_ok else []

    def _scale_control_plane(self, hc, hcp_ns):
        """What the control-plane operator does on every pass while not paused: put back the replicas it
        wants (3 for HighlyAvailable, 1 for SingleReplica) on the Deployments it owns and the etcd StatefulSet.
        So workloads an admin scaled to 0 come back up when a pause ends."""
        ha = 3 if hc["spec"].get("controllerAvailabilityPolicy", "HighlyAvailable") == "HighlyAvailable" else 1
        wanted = [("Deployment", d, ha) for d in rendering.CONTROL_PLANE_DEPLOYMENTS] + [("StatefulSet", "etcd", ha)]
        for kind, name, want in wanted + [("Deployment", d, 1) for d in rendering.CAPI_DEPLOYMENTS]:
            obj = self.store.get(R[kind], hcp_ns, name)
            if obj is not None and obj["spec"].get("replicas") != want and not obj["metadata"].get("deletionTimestamp"):
                obj["spec"]["replicas"] = want
                self.store.update(R[kind], obj, hcp_ns, name, check_rv=False)

    def _etcd_ok(self, hcp_ns):
        sts = self.store.get(R["StatefulSet"], hcp_ns, "etcd")
        if sts is None:
            return False
        st = sts.get("status") or {}
        return st.get("readyReplicas", 0) >= sts["spec"].get("replicas", 1) > 0

    def _render(self, hc, hcp_ns):
        """Create the control-plane pieces that are missing; objects that exist are adopted as they are.

        Exception: the etcd TLS Secrets and CA ConfigMaps are put back to the certificates the simulated
        etcd members really use (a migration applies the source's copies; the control-plane operator
        reconciles its PKI). Cheap when nothing is missing: the names rendered last time are checked.
        """
        key = (hcp_ns, hc["metadata"]["uid"])
        names = self._pieces.get(key)
        if names is not None and all(self.store.exists(resources.lookup(a, k), hcp_ns, n) for a, k, n in names):
            return None
        spec = hc["spec"]
        replicas = 3 if spec.get("controllerAvailabilityPolicy", "HighlyAvailable") == "HighlyAvailable" else 1
        pods = self.mgmt.pods
        rt = pods.etcd_runtime(hcp_ns) or pods.etcd_runtime(hcp_ns, create_replicas=replicas)
        urls = ((spec.get("etcd") or {}).get("managed") or {}).get("storage", {}).get("restoreSnapshotURL") or []
        if urls and self.store.get(R["StatefulSet"], hcp_ns, "etcd") is None:
            error = self._restore(hcp_ns, rt, urls)
            if error:
                return error
        objs = rendering.control_plane(hc, hcp_ns, replicas, rt)
        for obj in objs:
            res = resources.lookup(obj["apiVersion"], obj["kind"])
            old = self.store.get(res, hcp_ns, obj["metadata"]["name"])
            if old is None:
                self.store.put(obj)
            elif obj["metadata"]["name"] in rendering.ETCD_PKI and old.get("data") != obj.get("data"):
                old["data"] = obj["data"]
                self.store.update(res, old, hcp_ns, obj["metadata"]["name"], check_rv=False)
        self._pieces[key] = [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in objs]
        return None

    def _restore(self, hcp_ns, rt, urls):
        """What HyperShift's etcd-init container does in each member's pod: if the member's data directory
        is empty, download the one restoreSnapshotURL and restore it; a member with data is left as is.

        As upstream's etcd-init script does, the restore names no member and no initial cluster (etcdctl's
        defaults: one member "default"). On an HA cluster every member therefore comes up as its own
        one-member cluster with the same data, and they drift apart with the first write: checked with
        real etcd 3.4. The roles must detect that (etcd_member_info expect_members) and repair it.
        """
        work = os.path.join(rt.dir, "restore")
        os.makedirs(work, exist_ok=True)
        snap = os.path.join(work, "snapshot.db")
        for i in range(len(rt.members)):
            pvc_dir = rendering.ensure_pvc(self.store, self.mgmt.base_dir, hcp_ns, "data-etcd-%d" % i)
            data = os.path.join(pvc_dir, "data")
            if os.path.isdir(data) and os.listdir(data):
                continue  # "data directory not empty, not restoring snapshot"
            if not os.path.exists(snap):
                error = self._download(urls[0], snap)
                if error:
                    return "downloading the etcd snapshot for etcd-%d failed: %s" % (i, error)
            shutil.rmtree(data, ignore_errors=True)
            res = subprocess.run(
                [
                    "etcdctl",
                    "snapshot",
                    "restore",
                    snap,
                    "--data-dir",
                    data,
                ],
                env=dict(os.environ, ETCDCTL_API="3"),
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode != 0:
                return "restoring the etcd snapshot for etcd-%d failed: %s" % (i, res.stderr.strip()[-300:])
        return None

    def _download(self, url, dest):
        """curl in the init container: https (and http, which the API refuses before it gets here) only;
        certificates of the simulator's CA are trusted, so a test can serve snapshots over https."""
        if not url.startswith(("https://", "http://")):
            return "curl: (1) Protocol %r not supported" % url.split(":", 1)[0]
        part = dest + ".part"
        context = ssl.create_default_context()
        for ca in {self.mgmt.ca.cert} | set(TRUSTED_CAS):
            context.load_verify_locations(ca)
        try:
            with urllib.request.urlopen(url, timeout=30, context=context) as resp, open(part, "wb") as f:
                shutil.copyfileobj(resp, f, 1 << 20)
            with open(part, "rb") as f:
                if f.read(5) == b"<?xml":  # an S3 error document (expired or wrong presigned URL)
                    f.seek(0)
                    return f.read(500).decode(errors="replace")
        except Exception as exc:  # noqa: BLE001 - reported in the HostedCluster's conditions
            return str(exc)
        os.replace(part, dest)
        return None

    def _delete_hosted_cluster(self, hc, hcp_ns):
        """As the HyperShift operator, in order: NodePools, then the CAPI Cluster and the HostedControlPlane,
        then the control-plane namespace; each waits for the previous to be gone (their own controllers
        remove their finalizers), then the HostedCluster's finalizer goes."""
        meta = hc["metadata"]
        if FINALIZER not in (meta.get("finalizers") or []):
            return
        pools = [np for np in self.store.list(R["NodePool"], meta["namespace"])[0]
                 if np["spec"].get("clusterName") == meta["name"]]  # fmt: skip
        for np in pools:
            if not np["metadata"].get("deletionTimestamp"):
                self.store.delete(R["NodePool"], meta["namespace"], np["metadata"]["name"])
        if pools:
            return
        nsobj = self.store.get(R["Namespace"], None, hcp_ns)
        if nsobj is not None:
            left = False
            for kind in ("Cluster", "HostedControlPlane"):
                for obj in self.store.list(R[kind], hcp_ns)[0]:
                    left = True
                    if not obj["metadata"].get("deletionTimestamp"):
                        self.store.delete(R[kind], hcp_ns, obj["metadata"]["name"])
            if not left and not nsobj["metadata"].get("deletionTimestamp"):
                self.store.delete(R["Namespace"], None, hcp_ns)
            return
        rt = self.mgmt.pods.etcd.pop(hcp_ns, None)
        if rt is not None:
            rt.stop_all()
        meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
        self.store.update(R["HostedCluster"], hc, meta["namespace"], meta["name"], check_rv=False)

    def _delete_nodepool(self, np):
        """The NodePool's MachineDeployment and MachineSets go; its finalizer once no Machine of it is left."""
        meta = np["metadata"]
        if FINALIZER not in (meta.get("finalizers") or []):
            return
        hcp_ns = "%s-%s" % (meta["namespace"], np["spec"].get("clusterName", ""))
        mine = {"hypershift.openshift.io/nodePool": meta["name"]}
        left = False
        if self.store.get(R["Namespace"], None, hcp_ns) is not None:
            for kind in ("MachineDeployment", "AWSMachineTemplate", "MachineSet", "Machine"):
                for obj in self.store.list(R[kind], hcp_ns)[0]:
                    if capi._has_labels(obj, mine):
                        if kind == "Machine":
                            left = True  # Cluster API removes them (and their instances) itself
                        elif not obj["metadata"].get("deletionTimestamp"):
                            self.store.delete(R[kind], hcp_ns, obj["metadata"]["name"])
        if not left:
            meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
            self.store.update(R["NodePool"], np, meta["namespace"], meta["name"], check_rv=False)

    def nodepool(self, np):
        meta, spec = np["metadata"], np["spec"]
        if not nodepool_config.decodable(np):
            return  # the controller cannot decode it (a nodeDrainTimeout that is no Go duration)
        if meta.get("deletionTimestamp"):
            return self._delete_nodepool(np)
        if FINALIZER not in (meta.get("finalizers") or []):
            meta["finalizers"] = (meta.get("finalizers") or []) + [FINALIZER]
            np = self.store.update(R["NodePool"], np, meta["namespace"], meta["name"], check_rv=False)
            meta, spec = np["metadata"], np["spec"]
        if is_paused(spec):
            paused = st.paused_status(np.get("status") or {}, spec["pausedUntil"], "ReconciliationActive")
            self._put_status(R["NodePool"], np, paused)
            return
        key = ("NodePool", meta["namespace"], meta["name"])
        status = dict(np.get("status") or {})
        want = release_version(spec.get("release", {}).get("image"))
        updating = bool(status.get("version")) and status.get("version") != want
        if updating:
            started = self._progress.setdefault(key, time.monotonic())
            if upgrade.rolled_out(self.mgmt, np, started):
                status["version"] = want
                self._progress.pop(key, None)
                updating = False
        else:
            status["version"] = want
        status["replicas"] = nodepool_config.desired_replicas(spec)
        status["conditions"] = st.nodepool_conditions(updating, status.get("conditions"), spec.get("pausedUntil"))
        upgrade.nodepool_status(self.mgmt, np, status, updating)  # SupportedVersionSkew, UpdatingVersion target
        np = nodepool_config.reconcile(self, np, status)  # UpdatingConfig and the config hash
        self._put_status(R["NodePool"], np, status)
        capi.reconcile_nodepool(self.store, np, status["version"])
