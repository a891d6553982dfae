"""The objects `hcp create cluster aws` leaves, and the management cluster's own bootstrap objects."""

import base64
import hashlib
import os
import uuid

from . import rendering

FINALIZER = "hypershift.openshift.io/finalizer"


def _b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def bootstrap_objects(mgmt_name, operator=True):
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
    if not operator:  # a management cluster without HyperShift installed
        return out
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
                "rolesRef": {
                    arn: "arn:aws:iam::123456789012:role/%s-%s" % (infra_id, role)
                    for arn, role in (
                        ("controlPlaneOperatorARN", "control-plane-operator"),
                        ("imageRegistryARN", "openshift-image-registry"),
                        ("ingressARN", "openshift-ingress"),
                        ("kubeCloudControllerARN", "cloud-controller"),
                        ("networkARN", "cloud-network-config-controller"),
                        ("nodePoolManagementARN", "node-pool"),
                        ("storageARN", "aws-ebs-csi-driver-controller"),
                    )
                },
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
