# ruff: noqa: E501 - messages are kept on one line, as the API states them
"""Schemas of the OpenShift 4 kinds the simulated OpenShift 4 cluster validates (tests/sim/ocp4.py).

Strict for the fields the collection reads or writes (types, enums, required fields), opaque elsewhere.
Facts from the openshift/api types (config/v1, operator/v1, machine/v1beta1) and Kubernetes'
certificates.k8s.io/v1 and core/v1 validation, as of 2026-11.
"""

import threading

from .schema.dsl import anything, array, boolean, enum, integer, obj, rule, string
from .schema.engine import Validator

_TRISTATE = ("True", "False", "Unknown")
_KEY_USAGES = (
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
    "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
    "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
    "microsoft sgc", "netscape sgc",
)  # fmt: skip


def _root(spec, status, spec_required=False):
    node = obj({"apiVersion": string(), "kind": string(), "metadata": anything(), "spec": spec, "status": status})
    if spec_required:
        node["required"] = ["spec"]
    return node


def _operator_condition():
    return obj(
        {"type": string(), "status": enum(*_TRISTATE), "reason": string(), "message": string(), "lastTransitionTime": string(fmt="date-time")},
        required=["type", "status"],
    )  # fmt: skip


def static_pod_operator(kind):
    """operator.openshift.io/v1 Etcd, KubeAPIServer, KubeControllerManager, KubeScheduler."""
    props = {
        "managementState": string(pattern="^(Managed|Unmanaged|Force|Removed)$"),
        "logLevel": enum("", "Normal", "Debug", "Trace", "TraceAll"),
        "operatorLogLevel": enum("", "Normal", "Debug", "Trace", "TraceAll"),
        "unsupportedConfigOverrides": anything(),
        "observedConfig": anything(),
        "forceRedeploymentReason": string(),
        "failedRevisionLimit": integer(fmt="int32"),
        "succeededRevisionLimit": integer(fmt="int32"),
    }
    if kind == "Etcd":
        props["controlPlaneHardwareSpeed"] = enum("", "Standard", "Slower")
        props["backendQuotaGiB"] = integer(minimum=8, maximum=32, fmt="int32")
    node_status = obj(
        {"nodeName": string(), "currentRevision": integer(fmt="int32"), "targetRevision": integer(fmt="int32"),
         "lastFailedRevision": integer(fmt="int32"), "lastFailedTime": string(), "lastFailedReason": string(),
         "lastFailedCount": integer(), "lastFallbackCount": integer(), "lastFailedRevisionErrors": array(string())},
        required=["nodeName"],
    )  # fmt: skip
    status = obj(
        {
            "observedGeneration": integer(fmt="int64"),
            "conditions": array(_operator_condition(), list_type="map", map_keys=["type"]),
            "version": string(),
            "readyReplicas": integer(fmt="int32"),
            "latestAvailableRevision": integer(minimum=0, fmt="int32"),
            "latestAvailableRevisionReason": string(),
            "nodeStatuses": array(node_status, list_type="map", map_keys=["nodeName"]),
            "generations": array(anything()),
        }
    )
    return _root(obj(props), status, spec_required=True)


def cluster_version():
    history = obj(
        {"state": enum("Completed", "Partial"), "version": string(), "image": string(), "startedTime": string(fmt="date-time"),
         "completionTime": anything(), "verified": boolean(), "acceptedRisks": string()},
        required=["image", "startedTime", "state", "verified"],
    )  # fmt: skip
    release = obj({"version": string(), "image": string(), "url": string(), "channels": array(string())})
    spec = obj(
        {"clusterID": string(), "channel": string(), "desiredUpdate": anything(), "upstream": string(), "capabilities": anything(), "overrides": anything()},
        required=["clusterID"],
    )  # fmt: skip
    status = obj(
        {"desired": release, "history": array(history), "observedGeneration": integer(fmt="int64"), "versionHash": string(),
         "conditions": array(_operator_condition()), "availableUpdates": anything(), "capabilities": anything(), "conditionalUpdates": anything()},
    )  # fmt: skip
    return _root(spec, status, spec_required=True)


def proxy():
    fields = {"httpProxy": string(), "httpsProxy": string(), "noProxy": string()}
    spec = obj(dict(fields, readinessEndpoints=array(string()), trustedCA=obj({"name": string()}, required=["name"])))
    return _root(spec, obj(dict(fields)))


def network():
    spec = obj(
        {
            "clusterNetwork": array(anything()),
            "serviceNetwork": array(string()),
            "networkType": string(),
            "externalIP": anything(),
        }
    )
    status = obj(
        {
            "clusterNetwork": array(anything()),
            "serviceNetwork": array(string()),
            "networkType": string(),
            "clusterNetworkMTU": integer(),
        }
    )
    return _root(spec, status)


def machine():
    node_ref = obj({"kind": string(), "name": string(), "uid": string()}, required=["name"])
    spec = obj({"providerID": string(), "providerSpec": obj({"value": anything()}), "taints": array(anything()),
                "lifecycleHooks": anything(), "metadata": anything(), "authoritativeAPI": enum("MachineAPI", "ClusterAPI")})  # fmt: skip
    status = obj(
        {"phase": enum("Provisioning", "Provisioned", "Running", "Deleting", "Failed"), "nodeRef": node_ref,
         "addresses": array(obj({"type": string(), "address": string()}, required=["type", "address"])),
         "providerStatus": anything(), "conditions": array(anything()), "lastUpdated": string(), "errorReason": string(), "errorMessage": string()},
    )  # fmt: skip
    return _root(spec, status)


def node():
    address = obj(
        {"type": enum("Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS"), "address": string(min_length=1)},
        required=["type", "address"],
    )  # fmt: skip
    cond = obj({"type": string(), "status": enum(*_TRISTATE), "reason": string(), "message": string(),
                "lastHeartbeatTime": string(), "lastTransitionTime": string()}, required=["type", "status"])  # fmt: skip
    status = obj({"addresses": array(address), "conditions": array(cond)},
                 opaque=("allocatable", "capacity", "daemonEndpoints", "images", "nodeInfo", "phase",
                         "volumesAttached", "volumesInUse", "config"))  # fmt: skip
    spec = obj({"unschedulable": boolean(), "taints": array(anything())},
               opaque=("podCIDR", "podCIDRs", "providerID", "configSource", "externalID"))  # fmt: skip
    return _root(spec, status)


def certificate_signing_request():
    cond = obj(
        {"type": string(min_length=1), "status": enum(*_TRISTATE), "reason": string(), "message": string(),
         "lastUpdateTime": string(fmt="date-time"), "lastTransitionTime": string(fmt="date-time")},
        required=["type", "status"],
        rules=[rule("!(self.type in ['Approved', 'Denied', 'Failed']) || self.status == 'True'",
                    "status must be True for the Approved, Denied and Failed conditions")],
    )  # fmt: skip
    spec = obj(
        {"request": string(min_length=1, fmt="byte"), "signerName": string(min_length=1, pattern=r"^[a-z0-9.-]+/[a-zA-Z0-9.-]+$"),
         "expirationSeconds": integer(minimum=600, fmt="int32"), "usages": array(enum(*_KEY_USAGES)),
         "username": string(), "uid": string(), "groups": array(string()), "extra": anything()},
        required=["request", "signerName"],
    )  # fmt: skip
    status = obj(
        {"conditions": array(cond, list_type="map", map_keys=["type"], rules=[
            rule("!(self.exists(c, c.type == 'Approved') && self.exists(c, c.type == 'Denied'))", "Approved and Denied conditions are mutually exclusive"),
            rule("oldSelf.all(o, !(o.type in ['Approved', 'Denied']) || self.exists(c, c.type == o.type))",
                 "the Approved and Denied conditions cannot be removed once set"),
        ]), "certificate": string(fmt="byte")}
    )  # fmt: skip
    return _root(spec, status, spec_required=True)


SCHEMAS = {
    ("operator.openshift.io", "Etcd"): lambda: static_pod_operator("Etcd"),
    ("operator.openshift.io", "KubeAPIServer"): lambda: static_pod_operator("KubeAPIServer"),
    ("operator.openshift.io", "KubeControllerManager"): lambda: static_pod_operator("KubeControllerManager"),
    ("operator.openshift.io", "KubeScheduler"): lambda: static_pod_operator("KubeScheduler"),
    ("config.openshift.io", "ClusterVersion"): cluster_version,
    ("config.openshift.io", "Proxy"): proxy,
    ("config.openshift.io", "Network"): network,
    ("machine.openshift.io", "Machine"): machine,
    ("", "Node"): node,
    ("certificates.k8s.io", "CertificateSigningRequest"): certificate_signing_request,
}
_VALIDATORS = {}
_LOCK = threading.Lock()


def admit(res, obj_, old=None):
    """Prune, validate (422 on a refusal) an OpenShift 4 object in place; other kinds pass untouched."""
    key = (res.group, res.kind)
    if key not in SCHEMAS:
        return
    with _LOCK:
        if key not in _VALIDATORS:
            _VALIDATORS[key] = Validator(res.kind, res.group or "core", SCHEMAS[key]())
    _VALIDATORS[key].admit(obj_, old)
