"""Object shapes the HyperShift operator stand-in renders: control-plane namespace, statuses, conditions."""

import copy
import hashlib
import os

from . import resources

_PVC = resources.lookup("v1", "PersistentVolumeClaim")
RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release"
CONTROL_PLANE_DEPLOYMENTS = (
    "kube-apiserver",
    "openshift-apiserver",
    "openshift-oauth-apiserver",
    "control-plane-operator",
)
# Cluster API manager and its AWS provider (CAPA) in the control-plane namespace
CAPI_DEPLOYMENTS = ("cluster-api", "capi-provider")
# the etcd PKI the control-plane operator keeps in line with the certificates etcd really uses
ETCD_PKI = ("etcd-client-tls", "etcd-server-tls", "etcd-peer-tls", "etcd-ca", "etcd-metrics-ca")


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
    out.append(_secret("etcd-client-tls", ns, {"etcd-client.crt": pki.client.cert, "etcd-client.key": pki.client.key}))
    out.append(_secret("etcd-server-tls", ns, {"server.crt": rt.server_cert.cert, "server.key": rt.server_cert.key}))
    out.append(_secret("etcd-peer-tls", ns, {"peer.crt": rt.server_cert.cert, "peer.key": rt.server_cert.key}))
    for cm in ("etcd-ca", "etcd-metrics-ca"):
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": cm, "namespace": ns},
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
        "sshKey": {"name": "ssh-key"},
        "issuerURL": spec.get("issuerURL", "https://kubernetes.default.svc"),
        "services": copy.deepcopy(spec.get("services")),
        "networking": copy.deepcopy(spec.get("networking")),
    }
    for key in ("secretEncryption", "pausedUntil", "channel", "fips", "infrastructureAvailabilityPolicy"):
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
    for dep in CONTROL_PLANE_DEPLOYMENTS:
        d = deployment(dep, ns, image, replicas, {"app": dep, "hypershift.openshift.io/control-plane-component": dep})
        out.append(d)
    for dep in CAPI_DEPLOYMENTS:  # rendered by the HyperShift operator, one replica each
        out.append(deployment(dep, ns, image, 1, {"app": dep, "hypershift.openshift.io/control-plane-component": dep}))
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
    """The etcd StatefulSet as HyperShift's control-plane operator renders it (the parts a client sees).

    The `etcd` container sets no ETCDCTL_* variable (only the etcd server's ETCD_* ones); its client
    certificate is /etc/etcd/tls/client/etcd-client.{crt,key} and the CA is /etc/etcd/tls/etcd-ca/ca.crt
    (the etcd-ca ConfigMap; the etcd-client-tls Secret holds no CA since OCP 4.12).
    """
    members = ",".join("etcd-%d=https://etcd-%d.etcd-discovery.%s.svc:2380" % (i, i, ns) for i in range(replicas))
    env = [
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "HOSTNAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    env += [
        {"name": k, "value": v}
        for k, v in (
            ("ETCD_NAME", "$(HOSTNAME)"),
            ("ETCD_QUOTA_BACKEND_BYTES", "8589934592"),
            ("ETCD_DATA_DIR", "/var/lib/data"),
            ("ETCD_INITIAL_ADVERTISE_PEER_URLS", "https://$(HOSTNAME).etcd-discovery.$(NAMESPACE).svc:2380"),
            ("ETCD_LISTEN_PEER_URLS", "https://$(POD_IP):2380"),
            ("ETCD_LISTEN_CLIENT_URLS", "https://$(POD_IP):2379,https://localhost:2379"),
            ("ETCD_ADVERTISE_CLIENT_URLS", "https://$(HOSTNAME).etcd-discovery.$(NAMESPACE).svc:2379"),
            ("ETCD_LISTEN_METRICS_URLS", "https://0.0.0.0:2382"),
            ("ETCD_SNAPSHOT_COUNT", "10000"),
            ("ETCD_PEER_CLIENT_CERT_AUTH", "true"),
            ("ETCD_PEER_CERT_FILE", "/etc/etcd/tls/peer/peer.crt"),
            ("ETCD_PEER_KEY_FILE", "/etc/etcd/tls/peer/peer.key"),
            ("ETCD_PEER_TRUSTED_CA_FILE", "/etc/etcd/tls/etcd-ca/ca.crt"),
            ("ETCD_CLIENT_CERT_AUTH", "true"),
            ("ETCD_CERT_FILE", "/etc/etcd/tls/server/server.crt"),
            ("ETCD_KEY_FILE", "/etc/etcd/tls/server/server.key"),
            ("ETCD_TRUSTED_CA_FILE", "/etc/etcd/tls/etcd-ca/ca.crt"),
            ("ETCD_INITIAL_CLUSTER", members),
        )
    ]
    mounts = [
        ("data", "/var/lib"),
        ("peer-tls", "/etc/etcd/tls/peer"),
        ("server-tls", "/etc/etcd/tls/server"),
        ("client-tls", "/etc/etcd/tls/client"),
        ("etcd-ca", "/etc/etcd/tls/etcd-ca"),
        ("cluster-state", "/etc/etcd/clusterstate"),
    ]
    etcd = {
        "name": "etcd",
        "image": etcd_image(image),
        "command": ["/bin/sh", "-c", "ETCD_INITIAL_CLUSTER_STATE=$(cat /etc/etcd/clusterstate/state) /usr/bin/etcd"],
        "env": env,
        "ports": [{"containerPort": 2379, "name": "client"}, {"containerPort": 2380, "name": "peer"}],
        "volumeMounts": [{"name": n, "mountPath": p} for n, p in mounts],
    }
    metrics = {
        "name": "etcd-metrics",
        "image": etcd_image(image),
        "command": ["etcd"],
        "args": ["grpc-proxy", "start", "--endpoints=https://localhost:2382"],
        "ports": [{"containerPort": 2381, "name": "metrics"}],
        "volumeMounts": [
            {"name": n, "mountPath": p}
            for n, p in (
                ("peer-tls", "/etc/etcd/tls/peer"),
                ("server-tls", "/etc/etcd/tls/server"),
                ("etcd-ca", "/etc/etcd/tls/etcd-ca"),
                ("etcd-metrics-ca", "/etc/etcd/tls/etcd-metrics-ca"),
            )
        ],
    }
    healthz = {
        "name": "healthz",
        "image": etcd_image(image),
        "command": ["cluster-etcd-operator"],
        "args": [
            "readyz",
            "--target=https://localhost:2379",
            "--listen-port=9980",
            "--client-cert-file=/etc/etcd/tls/client/etcd-client.crt",
            "--client-key-file=/etc/etcd/tls/client/etcd-client.key",
            "--client-cacert-file=/etc/etcd/tls/etcd-ca/ca.crt",
        ],
        "volumeMounts": [
            {"name": n, "mountPath": p}
            for n, p in (
                ("server-tls", "/etc/etcd/tls/server"),
                ("client-tls", "/etc/etcd/tls/client"),
                ("etcd-ca", "/etc/etcd/tls/etcd-ca"),
            )
        ],
    }
    volumes = [
        {"name": "peer-tls", "secret": {"secretName": "etcd-peer-tls", "defaultMode": 420}},
        {"name": "server-tls", "secret": {"secretName": "etcd-server-tls", "defaultMode": 420}},
        {"name": "client-tls", "secret": {"secretName": "etcd-client-tls", "defaultMode": 420}},
        {"name": "etcd-ca", "configMap": {"name": "etcd-ca", "defaultMode": 420}},
        {"name": "etcd-metrics-ca", "configMap": {"name": "etcd-metrics-ca", "defaultMode": 420}},
        {"name": "cluster-state", "emptyDir": {}},
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
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [etcd, metrics, healthz], "volumes": volumes},
            },
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
