"""Object shapes the HyperShift operator stand-in renders: control-plane namespace, statuses, conditions."""

import copy
import hashlib
import os

from . import resources

_PVC = resources.lookup("v1", "PersistentVolumeClaim")
RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release"


def _read(path):
    with open(path) as f:
        return f.read()


def _b64file(path):
    import base64

    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def etcd_image(release_image):
    digest = hashlib.sha256((release_image + "/etcd").encode()).hexdigest()
    return "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:" + digest


def deployment(name, ns, image, replicas, labels=None):
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": name, "image": image, "command": ["/usr/bin/sleep", "infinity"]}]},
            },
        },
    }


def ensure_pvc(store, base_dir, ns, name, size="8Gi"):
    """Create PVC `name` bound to a fresh directory (the layout the PVC controller uses); return the path."""
    pvc = store.get(_PVC, ns, name)
    if pvc is None:
        pvc = store.create(
            _PVC,
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": name, "namespace": ns, "labels": {"app": "etcd"}},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "gp3-csi",
                    "resources": {"requests": {"storage": size}},
                },
            },
        )
    meta = pvc["metadata"]
    path = (meta.get("annotations") or {}).get("sim.ocp.day2/host-path")
    if path:
        return path
    path = os.path.join(base_dir, "pv", ns, "%s-%s" % (name, meta["uid"][:8]))
    os.makedirs(path, mode=0o700, exist_ok=True)
    meta.setdefault("annotations", {})["sim.ocp.day2/host-path"] = path
    meta["finalizers"] = ["kubernetes.io/pvc-protection"]
    pvc["spec"]["volumeName"] = "pvc-" + meta["uid"]
    pvc["status"] = {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}}
    store.update(_PVC, pvc, ns, name, check_rv=False)
    store.update(_PVC, pvc, ns, name, "status", check_rv=False)
    return path


def _secret(name, ns, files):
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "namespace": ns},
        "data": {k: _b64file(v) for k, v in files.items()},
    }


def _service(name, ns, ports, headless=False, svc_type="ClusterIP"):
    spec = {
        "type": svc_type,
        "selector": {"app": name if not name.startswith("etcd") else "etcd"},
        "ports": [{"name": n, "port": p, "protocol": "TCP", "targetPort": p} for n, p in ports],
    }
    if headless:
        spec.update(clusterIP="None", publishNotReadyAddresses=True)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def control_plane(hc, ns, replicas, rt):
    meta, spec = hc["metadata"], hc["spec"]
    name = meta["name"]
    image = spec["release"]["image"]
    pki = rt.cluster
    out = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "labels": {"hypershift.openshift.io/hosted-control-plane": "true"},
                "annotations": {"hypershift.openshift.io/cluster": "%s/%s" % (meta["namespace"], name)},
            },
        }
    ]
    out.append(
        _secret(
            "etcd-client-tls",
            ns,
            {"etcd-client.crt": pki.client.cert, "etcd-client.key": pki.client.key, "etcd-client-ca.crt": pki.ca.cert},
        )
    )
    out.append(_secret("etcd-server-tls", ns, {"server.crt": rt.server_cert.cert, "server.key": rt.server_cert.key}))
    out.append(_secret("etcd-peer-tls", ns, {"peer.crt": rt.server_cert.cert, "peer.key": rt.server_cert.key}))
    out.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "etcd-ca", "namespace": ns},
            "data": {"ca.crt": _read(pki.ca.cert)},
        }
    )
    hcp_spec = {
        "releaseImage": image,
        "controllerAvailabilityPolicy": spec.get("controllerAvailabilityPolicy"),
        "etcd": copy.deepcopy(spec.get("etcd")),
        "dns": copy.deepcopy(spec.get("dns")),
        "platform": copy.deepcopy(spec.get("platform")),
        "infraID": spec.get("infraID"),
        "clusterID": spec.get("clusterID"),
        "pullSecret": {"name": "pull-secret"},
        "networking": copy.deepcopy(spec.get("networking")),
    }
    for key in ("secretEncryption", "pausedUntil", "channel"):
        if key in spec:
            hcp_spec[key] = copy.deepcopy(spec[key])
    out.append(
        {
            "apiVersion": "hypershift.openshift.io/v1beta1",
            "kind": "HostedControlPlane",
            "metadata": {
                "name": name,
                "namespace": ns,
                "annotations": {"hypershift.openshift.io/cluster": "%s/%s" % (meta["namespace"], name)},
            },
            "spec": hcp_spec,
        }
    )
    out.append(_service("etcd-discovery", ns, [("peer", 2380), ("etcd-client", 2379)], headless=True))
    out.append(_service("etcd-client", ns, [("etcd-client", 2379), ("metrics", 2381)]))
    out.append(_service("kube-apiserver", ns, [("client", 6443)]))
    out.append(_service("openshift-apiserver", ns, [("https", 443)]))
    out.append(_service("oauth-openshift", ns, [("https", 6443)]))
    for svc in spec.get("services") or []:
        host = ((svc.get("servicePublishingStrategy") or {}).get("route") or {}).get("hostname")
        if not host:
            continue
        rname = {
            "APIServer": "kube-apiserver",
            "OAuthServer": "oauth",
            "Konnectivity": "konnectivity-server",
            "Ignition": "ignition-server",
        }.get(svc["service"], svc["service"].lower())
        out.append(
            {
                "apiVersion": "route.openshift.io/v1",
                "kind": "Route",
                "metadata": {
                    "name": rname,
                    "namespace": ns,
                    "labels": {"hypershift.openshift.io/hosted-control-plane": ns},
                    "annotations": {"external-dns.alpha.kubernetes.io/hostname": host},
                },
                "spec": {"host": host, "to": {"kind": "Service", "name": rname}, "tls": {"termination": "passthrough"}},
                "status": {
                    "ingress": [
                        {"host": host, "routerName": "default", "conditions": [{"type": "Admitted", "status": "True"}]}
                    ]
                },
            }
        )
    for dep in ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver", "control-plane-operator"):
        d = deployment(dep, ns, image, replicas, {"app": dep, "hypershift.openshift.io/control-plane-component": dep})
        out.append(d)
    infra = spec.get("infraID", name)
    out.append(
        {
            "apiVersion": "cluster.x-k8s.io/v1beta1",
            "kind": "Cluster",
            "metadata": {"name": infra, "namespace": ns},
            "spec": {
                "infrastructureRef": {
                    "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                    "kind": "AWSCluster",
                    "name": infra,
                }
            },
            "status": {"phase": "Provisioned", "infrastructureReady": True, "controlPlaneReady": True},
        }
    )
    out.append(
        {
            "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
            "kind": "AWSCluster",
            "metadata": {"name": infra, "namespace": ns},
            "spec": {"region": (spec.get("platform", {}).get("aws") or {}).get("region", "us-east-1")},
            "status": {"ready": True},
        }
    )
    out.append(etcd_statefulset(ns, image, replicas))
    return out


def etcd_statefulset(ns, image, replicas):
    mounts = [
        ("data", "/var/lib"),
        ("client-tls", "/etc/etcd/tls/client"),
        ("server-tls", "/etc/etcd/tls/server"),
        ("peer-tls", "/etc/etcd/tls/peer"),
        ("etcd-ca", "/etc/etcd/tls/etcd-ca"),
    ]
    env = {
        "ETCDCTL_API": "3",
        "ETCDCTL_CACERT": "/etc/etcd/tls/etcd-ca/ca.crt",
        "ETCDCTL_CERT": "/etc/etcd/tls/client/etcd-client.crt",
        "ETCDCTL_KEY": "/etc/etcd/tls/client/etcd-client.key",
        "ETCDCTL_ENDPOINTS": "https://localhost:2379",
    }
    etcd = {
        "name": "etcd",
        "image": etcd_image(image),
        "command": ["/usr/bin/etcd"],
        "args": [
            "--data-dir=/var/lib/data",
            "--name=$(HOSTNAME)",
            "--initial-cluster-token=etcd-cluster",
            "--listen-client-urls=https://0.0.0.0:2379",
            "--listen-peer-urls=https://0.0.0.0:2380",
            "--cert-file=/etc/etcd/tls/server/server.crt",
            "--key-file=/etc/etcd/tls/server/server.key",
            "--trusted-ca-file=/etc/etcd/tls/etcd-ca/ca.crt",
            "--client-cert-auth=true",
        ],
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "ports": [{"containerPort": 2379, "name": "client"}, {"containerPort": 2380, "name": "peer"}],
        "volumeMounts": [{"name": n, "mountPath": p} for n, p in mounts],
    }
    healthz = {
        "name": "healthz",
        "image": etcd_image(image),
        "command": ["/usr/bin/control-plane-operator"],
        "args": ["etcd-healthz"],
        "env": etcd["env"],
        "volumeMounts": etcd["volumeMounts"][1:],
    }
    volumes = [
        {"name": "client-tls", "secret": {"secretName": "etcd-client-tls", "defaultMode": 416}},
        {"name": "server-tls", "secret": {"secretName": "etcd-server-tls", "defaultMode": 416}},
        {"name": "peer-tls", "secret": {"secretName": "etcd-peer-tls", "defaultMode": 416}},
        {"name": "etcd-ca", "configMap": {"name": "etcd-ca"}},
    ]
    labels = {"app": "etcd", "hypershift.openshift.io/control-plane-component": "etcd"}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "etcd", "namespace": ns, "labels": labels},
        "spec": {
            "replicas": replicas,
            "serviceName": "etcd-discovery",
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": "etcd"}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [etcd, healthz], "volumes": volumes}},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "gp3-csi",
                        "resources": {"requests": {"storage": "8Gi"}},
                    },
                }
            ],
        },
    }
