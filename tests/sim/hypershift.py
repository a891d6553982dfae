"""HyperShift objects (API v1beta1) and the operator stand-in that renders and reconciles them."""

import base64
import datetime
import hashlib
import os
import re
import subprocess
import time
import urllib.request
import uuid

from . import capi, rendering, resources
from .dns import ExternalDNS
from .store import now

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
    )
}
FINALIZER = "hypershift.openshift.io/finalizer"


def release_version(image):
    m = re.search(r":(\d+\.\d+\.\d+(?:-[a-z0-9.]+)?)-(?:x86_64|aarch64|multi)$", image or "") or re.search(
        r":(\d+\.\d+\.\d+)", image or ""
    )
    return m.group(1) if m else ""


def is_paused(spec):
    value = (spec or {}).get("pausedUntil")
    if not value:
        return False
    if value == "true":
        return True
    try:
        until = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return False
    return until > datetime.datetime.now(datetime.timezone.utc)


def _b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def bootstrap_objects(mgmt_name):
    out = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
        for n in ("default", "kube-system", "hypershift", "clusters")
    ]
    for i in range(3):
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": "%s-worker-%d" % (mgmt_name, i),
                    "labels": {
                        "node-role.kubernetes.io/worker": "",
                        "kubernetes.io/os": "linux",
                        "topology.kubernetes.io/zone": "us-east-1" + "abc"[i],
                    },
                },
                "spec": {"providerID": "aws:///us-east-1%s/i-0%015x" % ("abc"[i], i)},
                "status": {
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                    "nodeInfo": {
                        "kubeletVersion": "v1.27.8+4fab27b",
                        "kubeProxyVersion": "v1.27.8+4fab27b",
                        "architecture": "amd64",
                        "bootID": "boot-%d" % i,
                        "machineID": "machine-%d" % i,
                        "systemUUID": "uuid-%d" % i,
                        "containerRuntimeVersion": "cri-o://1.27.2",
                        "kernelVersion": "5.14.0-284.el9.x86_64",
                        "operatingSystem": "linux",
                        "osImage": "Red Hat Enterprise Linux CoreOS 414.92",
                    },
                },
            }
        )
    out.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "supported-versions",
                "namespace": "hypershift",
                "labels": {"hypershift.openshift.io/supported-versions": "true"},
            },
            "data": {"supported-versions": '{"versions":["4.15","4.14","4.13"]}', "server-version": "4.15.0"},
        }
    )
    out.append(rendering.deployment("operator", "hypershift", "quay.io/hypershift/hypershift-operator:4.15", 2))
    return out


def hosted_cluster_objects(
    name,
    namespace,
    availability,
    release_image,
    nodepools,
    encryption,
    base_domain,
    channel=None,
    replicas=2,
    region="us-east-1",
    restore_snapshot_urls=None,
    paused_until=None,
):
    infra_id = "%s-%s" % (name, hashlib.sha256(name.encode()).hexdigest()[:5])
    out = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}]
    secrets = {
        "%s-pull-secret" % name: {".dockerconfigjson": _b64('{"auths":{"quay.io":{"auth":"c2ltOnNpbQ=="}}}')},
        "%s-ssh-key" % name: {"id_rsa.pub": _b64("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISimulatedKey sim@ocp-day2")},
    }
    if encryption:
        secrets["%s-etcd-encryption-key" % name] = {"key": _b64(os.urandom(32))}
    for sname, data in secrets.items():
        stype = "kubernetes.io/dockerconfigjson" if "pull" in sname else "Opaque"
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": stype,
                "metadata": {
                    "name": sname,
                    "namespace": namespace,
                    "labels": {"hypershift.openshift.io/safe-to-delete-with-cluster": "true"},
                },
                "data": data,
            }
        )
    spec = {
        "release": {"image": release_image},
        "clusterID": str(uuid.uuid5(uuid.NAMESPACE_DNS, "%s.%s" % (name, namespace))),
        "infraID": infra_id,
        "controllerAvailabilityPolicy": availability,
        "infrastructureAvailabilityPolicy": availability,
        "dns": {"baseDomain": base_domain},
        "etcd": {
            "managementType": "Managed",
            "managed": {
                "storage": {
                    "type": "PersistentVolume",
                    "persistentVolume": {"size": "8Gi", "storageClassName": "gp3-csi"},
                }
            },
        },
        "fips": False,
        "networking": {
            "clusterNetwork": [{"cidr": "10.132.0.0/14"}],
            "serviceNetwork": [{"cidr": "172.31.0.0/16"}],
            "machineNetwork": [{"cidr": "10.0.0.0/16"}],
            "networkType": "OVNKubernetes",
        },
        "olmCatalogPlacement": "management",
        "platform": {
            "type": "AWS",
            "aws": {
                "region": region,
                "endpointAccess": "Public",
                "rolesRef": {"nodePoolManagementARN": "arn:aws:iam::123456789012:role/%s-node-pool" % infra_id},
            },
        },
        "pullSecret": {"name": "%s-pull-secret" % name},
        "sshKey": {"name": "%s-ssh-key" % name},
        "issuerURL": "https://oidc-%s.s3.%s.amazonaws.com/%s" % (region, region, infra_id),
        "services": [
            {
                "service": s,
                "servicePublishingStrategy": {
                    "type": "Route",
                    "route": {"hostname": "%s.%s.%s" % (h, name, base_domain)},
                },
            }
            for s, h in (
                ("APIServer", "api"),
                ("OAuthServer", "oauth"),
                ("Konnectivity", "konnectivity"),
                ("Ignition", "ignition"),
            )
        ],
    }
    if encryption:
        spec["secretEncryption"] = {
            "type": "aescbc",
            "aescbc": {"activeKey": {"name": "%s-etcd-encryption-key" % name}},
        }
    if channel:
        spec["channel"] = channel
    if restore_snapshot_urls:
        spec["etcd"]["managed"]["storage"]["restoreSnapshotURL"] = list(restore_snapshot_urls)
    if paused_until:
        spec["pausedUntil"] = paused_until
    out.append(
        {
            "apiVersion": "hypershift.openshift.io/v1beta1",
            "kind": "HostedCluster",
            "metadata": {"name": name, "namespace": namespace, "finalizers": [FINALIZER]},
            "spec": spec,
        }
    )
    for i in range(nodepools):
        out.append(
            {
                "apiVersion": "hypershift.openshift.io/v1beta1",
                "kind": "NodePool",
                "metadata": {"name": "%s-%s%s" % (name, region, "abcdef"[i % 6]), "namespace": namespace},
                "spec": {
                    "clusterName": name,
                    "replicas": replicas,
                    "release": {"image": release_image},
                    "arch": "amd64",
                    "management": {
                        "upgradeType": "Replace",
                        "autoRepair": False,
                        "replace": {"strategy": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                    },
                    "platform": {
                        "type": "AWS",
                        "aws": {
                            "instanceType": "m5.large",
                            "rootVolume": {"size": 120, "type": "gp3"},
                            "subnet": {"id": "subnet-0%015x" % i},
                        },
                    },
                },
            }
        )
    return out


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

    def reconcile(self):
        for hc in self.store.list(R["HostedCluster"])[0]:
            try:
                self.hosted_cluster(hc)
            except OSError:
                pass
        for np in self.store.list(R["NodePool"])[0]:
            self.nodepool(np)
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
        if hcp is not None and (hcp["spec"].get("pausedUntil") != spec.get("pausedUntil")):
            hcp["spec"]["pausedUntil"] = spec.get("pausedUntil")
            if hcp["spec"]["pausedUntil"] is None:
                del hcp["spec"]["pausedUntil"]
            hcp = self.store.update(R["HostedControlPlane"], hcp, hcp_ns, name, check_rv=False)
        paused = is_paused(spec)
        if paused:
            self._put_status(R["HostedCluster"], hc, rendering.paused_status(hc.get("status") or {}, True))
            return
        if hcp is None:
            nsobj = self.store.get(R["Namespace"], None, hcp_ns)
            if nsobj is not None and nsobj["metadata"].get("deletionTimestamp"):
                return
            error = self._render(hc, hcp_ns)
            if error:
                status = rendering.hc_status(hc, None, self._progress, self.mgmt.upgrade_seconds)
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
        if hcp["spec"].get("releaseImage") != spec["release"]["image"]:
            hcp["spec"]["releaseImage"] = spec["release"]["image"]
            hcp = self.store.update(R["HostedControlPlane"], hcp, hcp_ns, name, check_rv=False)
            for dep in self.store.list(R["Deployment"], hcp_ns)[0]:
                for c in dep["spec"]["template"]["spec"]["containers"]:
                    c["image"] = spec["release"]["image"]
                self.store.update(R["Deployment"], dep, hcp_ns, dep["metadata"]["name"], check_rv=False)
        status = rendering.hc_status(hc, self._etcd_ok(hcp_ns), self._progress, self.mgmt.upgrade_seconds)
        self._put_status(R["HostedCluster"], hc, status)
        self._put_status(R["HostedControlPlane"], hcp, rendering.hcp_status(hcp, status))

    def _etcd_ok(self, hcp_ns):
        sts = self.store.get(R["StatefulSet"], hcp_ns, "etcd")
        if sts is None:
            return False
        st = sts.get("status") or {}
        return st.get("readyReplicas", 0) >= sts["spec"].get("replicas", 1) > 0

    def _render(self, hc, hcp_ns):
        spec = hc["spec"]
        replicas = 3 if spec.get("controllerAvailabilityPolicy") == "HighlyAvailable" else 1
        pods = self.mgmt.pods
        rt = pods.etcd_runtime(hcp_ns) or pods.etcd_runtime(hcp_ns, create_replicas=replicas)
        urls = ((spec.get("etcd") or {}).get("managed") or {}).get("storage", {}).get("restoreSnapshotURL") or []
        if urls:
            error = self._restore(hcp_ns, rt, urls)
            if error:
                return error
        for obj in rendering.control_plane(hc, hcp_ns, replicas, rt):
            if self.store.get(resources.lookup(obj["apiVersion"], obj["kind"]), hcp_ns, obj["metadata"]["name"]):
                continue
            self.store.put(obj)
        self.dns.add_wildcard(hc, hcp_ns)
        return None

    def _restore(self, hcp_ns, rt, urls):
        """What HyperShift's etcd-init does: download each member's snapshot and restore its data dir."""
        work = os.path.join(rt.dir, "restore")
        os.makedirs(work, exist_ok=True)
        for i, m in enumerate(rt.members):
            url = urls[i] if i < len(urls) else urls[0]
            snap = os.path.join(work, "snapshot-%d.db" % i)
            try:
                with urllib.request.urlopen(url, timeout=30) as resp, open(snap, "wb") as f:
                    while True:
                        chunk = resp.read(1 << 20)
                        if not chunk:
                            break
                        f.write(chunk)
            except Exception as exc:  # noqa: BLE001 - reported in the HostedCluster's conditions
                return "downloading the etcd snapshot for etcd-%d failed: %s" % (i, exc)
            pvc_dir = rendering.ensure_pvc(self.store, self.mgmt.base_dir, hcp_ns, "data-etcd-%d" % i)
            data = os.path.join(pvc_dir, "data")
            if os.path.isdir(os.path.join(data, "member")):
                continue
            res = subprocess.run(
                [
                    "etcdctl",
                    "snapshot",
                    "restore",
                    snap,
                    "--name",
                    m.name,
                    "--data-dir",
                    data,
                    "--initial-cluster",
                    rt.full_initial(),
                    "--initial-advertise-peer-urls",
                    m.peer_url,
                    "--initial-cluster-token",
                    "etcd-cluster",
                ],
                env=dict(os.environ, ETCDCTL_API="3"),
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode != 0:
                return "restoring the etcd snapshot for etcd-%d failed: %s" % (i, res.stderr.strip()[-300:])
        return None

    def _delete_hosted_cluster(self, hc, hcp_ns):
        meta = hc["metadata"]
        for np in self.store.list(R["NodePool"], meta["namespace"])[0]:
            if np["spec"].get("clusterName") == meta["name"] and not np["metadata"].get("deletionTimestamp"):
                self.store.delete(R["NodePool"], meta["namespace"], np["metadata"]["name"])
        nsobj = self.store.get(R["Namespace"], None, hcp_ns)
        if nsobj is not None:
            if not nsobj["metadata"].get("deletionTimestamp"):
                self.store.delete(R["Namespace"], None, hcp_ns)
            return
        rt = self.mgmt.pods.etcd.pop(hcp_ns, None)
        if rt is not None:
            rt.stop_all()
        meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
        self.store.update(R["HostedCluster"], hc, meta["namespace"], meta["name"], check_rv=False)

    def nodepool(self, np):
        meta, spec = np["metadata"], np["spec"]
        if is_paused(spec) or meta.get("deletionTimestamp"):
            return
        key = ("NodePool", meta["namespace"], meta["name"])
        status = dict(np.get("status") or {})
        want = release_version(spec.get("release", {}).get("image"))
        updating = bool(status.get("version")) and status.get("version") != want
        if updating:
            started = self._progress.setdefault(key, time.monotonic())
            if time.monotonic() - started >= self.mgmt.upgrade_seconds:
                status["version"] = want
                self._progress.pop(key, None)
                updating = False
        else:
            status["version"] = want
        status["replicas"] = spec.get("replicas", 0)
        status["conditions"] = rendering.nodepool_conditions(updating, status.get("conditions"))
        self._put_status(R["NodePool"], np, status)
        capi.reconcile_nodepool(self.store, np, status["version"])
