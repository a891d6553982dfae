# ruff: noqa: E501 - rule expressions and their messages are kept on one line, as the API states them
"""The three HyperShift kinds, built from the pieces in `hypershift.py`."""

from . import hypershift as h
from .dsl import anything, array, boolean, enum, immutable, integer, local_ref, obj, rule, string, string_map

_COMMON_OPAQUE = ("additionalTrustBundle", "auditWebhook", "autoNode", "autoscaling", "configuration",
                  "imageContentSources", "kubeAPIServerDNSName", "monitoring", "operatorConfiguration",
                  "serviceAccountSigningKey", "tolerations")  # fmt: skip
_URL_RULE = "isURL(self)"
# HostedCluster.spec.configuration: only featureGate.featureSet is modelled (its enum and the CEL rules that make
# the NoUpgrade sets irreversible, as the HostedCluster CRD embeds them from openshift/api config/v1); the other
# sections are kept as sent.
_FEATURE_SET_RULES = [
    rule("oldSelf == 'CustomNoUpgrade' ? self == 'CustomNoUpgrade' : true", "CustomNoUpgrade may not be changed"),
    rule(
        "oldSelf == 'TechPreviewNoUpgrade' ? self == 'TechPreviewNoUpgrade' : true",
        "TechPreviewNoUpgrade may not be changed",
    ),
    rule(
        "oldSelf == 'DevPreviewNoUpgrade' ? self == 'DevPreviewNoUpgrade' : true",
        "DevPreviewNoUpgrade may not be changed",
    ),
    rule("oldSelf == 'OKD' ? self != '' : true", "OKD cannot transition to Default"),
]


def _configuration():
    feature_gate = obj(
        {
            "featureSet": enum(
                "CustomNoUpgrade", "DevPreviewNoUpgrade", "TechPreviewNoUpgrade", "OKD", "", rules=_FEATURE_SET_RULES
            )
        },
        opaque=("customNoUpgrade",),
    )
    return obj(
        {"featureGate": feature_gate},
        opaque=(
            "apiServer",
            "authentication",
            "image",
            "ingress",
            "network",
            "oauth",
            "operatorhub",
            "proxy",
            "scheduler",
        ),
    )


def _monitoring():
    """HostedCluster.spec.monitoring (hostedcluster_types.go MonitoringSpec): at least one field; metricsSet one of
    Telemetry/SRE/All; metricsForwarding.mode (Forward/None) required when metricsForwarding is given."""
    metrics_set = enum("Telemetry", "SRE", "All")
    forwarding = obj({"mode": enum("Forward", "None"), "metricsSet": metrics_set}, required=["mode"])
    return obj({"metricsForwarding": forwarding, "metricsSet": metrics_set}, min_properties=1)


def _platform():
    return obj(
        {"type": h.platform_type(), "aws": h.aws_platform()},
        required=["type"],
        opaque=("agent", "azure", "ibmcloud", "kubevirt", "powervs"),
    )


def _capabilities():
    return obj(
        {"enabled": array(string()), "disabled": array(string())},
        default={},
        rules=[
            immutable("Capabilities is immutable. Changes might result in unpredictable and disruptive behavior."),
            rule(
                "has(self.enabled) && has(self.disabled) ? self.enabled.all(e, !(e in self.disabled)) : true",
                "Capabilities can not be both enabled and disabled at once.",
            ),
        ],
    )


def _services_rules():
    return [
        rule(
            "self.platform.type == 'IBMCloud' ? size(self.services) >= 3 : size(self.services) >= 4",
            "spec.services in body should have at least 4 items or 3 for IBMCloud",
        ),
        rule(
            "!has(oldSelf.secretEncryption) || has(self.secretEncryption)",
            "secretEncryption cannot be removed once configured",
        ),
    ]


def hosted_cluster():
    uuid = r"'[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}'"
    spec = obj(
        {
            "release": h.release(),
            "controlPlaneRelease": h.release(),
            "clusterID": string(36, 36, rules=[
                rule("self.matches(%s)" % uuid, "clusterID must be an RFC4122 UUID value (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hexadecimal digits)"),
                rule('oldSelf == "" || self == oldSelf', "clusterID is immutable"),
            ]),
            "infraID": string(1, 253, rules=[
                rule(
                    "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
                    "infraID must consist of lowercase alphanumeric characters or '-', start and end with an "
                    "alphanumeric character, and be between 1 and 253 characters",
                ),
                rule('oldSelf == "" || self == oldSelf', "infraID is immutable"),
            ]),
            "channel": string(1, 100),
            "configuration": _configuration(),
            "monitoring": _monitoring(),
            "controllerAvailabilityPolicy": enum(*h.AVAILABILITY, default="HighlyAvailable", rules=[immutable("ControllerAvailabilityPolicy is immutable")]),
            "infrastructureAvailabilityPolicy": enum(*h.AVAILABILITY, default="SingleReplica"),
            "capabilities": _capabilities(),
            "dns": h.dns(),
            "etcd": h.etcd(),
            "fips": boolean(rules=[immutable("fips is immutable")]),
            "issuerURL": string(max_length=255, default="https://kubernetes.default.svc", rules=[
                immutable("issuerURL is immutable"), rule(_URL_RULE, "issuerURL must be a valid absolute URL"),
            ]),
            "labels": string_map(max_properties=20),
            "networking": h.networking(),
            "nodeSelector": string_map(rules=[rule("size(self) <= 20", "nodeSelector map can have at most 20 entries")]),
            "olmCatalogPlacement": enum("management", "guest", default="management", rules=[immutable("OLMCatalogPlacement is immutable")]),
            "pausedUntil": string(4, 35, rules=[h.PAUSED_UNTIL_RULE]),
            "platform": _platform(),
            "pullSecret": local_ref(),
            "secretEncryption": h.secret_encryption(),
            "services": h.services(),
            "sshKey": local_ref(),
            "updateService": string(rules=[rule(_URL_RULE, "updateService must be a valid absolute URL")]),
        },
        required=["etcd", "networking", "platform", "pullSecret", "release", "services"],
        opaque=tuple(name for name in _COMMON_OPAQUE if name not in ("configuration", "monitoring")),
        rules=_services_rules() + [
            rule('self.platform.type != "IBMCloud" ? self.services == oldSelf.services : true',
                 "Services is immutable. Changes might result in unpredictable and disruptive behavior."),
            rule("has(self.issuerURL) || !has(self.serviceAccountSigningKey)", "If serviceAccountSigningKey is set, issuerURL must be set"),
        ],
    )  # fmt: skip
    status = h.status(
        ("autoNode", "configuration", "controlPlaneEndpoint", "controlPlaneVersion", "customKubeconfig",
         "ignitionEndpoint", "kubeadminPassword", "kubeconfig", "oauthCallbackURLTemplate", "payloadArch", "platform",
         "secretEncryption", "version"),
        h.metav1_conditions(),
    )  # fmt: skip
    return _root(
        spec,
        status,
        rules=[
            rule("!has(oldSelf.spec) || !has(oldSelf.spec.infraID) || (has(self.spec) && has(self.spec.infraID))", "infraID cannot be removed once set"),
            rule("!has(oldSelf.spec) || !has(oldSelf.spec.clusterID) || (has(self.spec) && has(self.spec.clusterID))", "clusterID cannot be removed once set"),
        ],
    )  # fmt: skip


def node_pool():
    aws = obj(
        {
            "instanceType": string(max_length=255),
            "rootVolume": obj(
                {
                    "size": integer(minimum=8, fmt="int64"),
                    "type": string(max_length=255),
                    "iops": integer(fmt="int64"),
                    "encrypted": boolean(),
                    "encryptionKey": string(max_length=2048),
                },
                required=["size", "type"],
            ),
            "subnet": obj(
                {"id": string(max_length=255), "filters": anything()},
                rules=[
                    rule(
                        "has(self.id) && self.id.startsWith('subnet-') ? !has(self.filters) : size(self.filters) > 0",
                        "subnet is invalid, a valid subnet id or filters must be set, but not both",
                    )
                ],
            ),  # fmt: skip
            "imageType": anything(),
        },
        required=["instanceType", "subnet"],
        opaque=("ami", "instanceProfile", "placement", "resourceTags", "securityGroups"),
    )
    rolling = obj({"maxSurge": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                   "maxUnavailable": {"anyOf": [{"type": "integer"}, {"type": "string"}]}})  # fmt: skip
    management = obj(
        {
            "upgradeType": enum("Replace", "InPlace", rules=[immutable("UpgradeType is immutable")]),
            "autoRepair": boolean(default=False),
            "replace": obj(
                {"strategy": enum("RollingUpdate", "OnDelete"), "rollingUpdate": rolling},
                default={"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}, "strategy": "RollingUpdate"},
                rules=[rule("!has(self.rollingUpdate) || self.strategy == 'RollingUpdate'",
                            "The 'rollingUpdate' field can only be set when 'strategy' is 'RollingUpdate'")],
            ),  # fmt: skip
            "inPlace": obj({"maxUnavailable": {"anyOf": [{"type": "integer"}, {"type": "string"}]}}),
        },
        required=["upgradeType"],
        rules=[rule("!has(self.inPlace) || self.upgradeType == 'InPlace'", "The 'inPlace' field can only be set when 'upgradeType' is 'InPlace'")],
    )  # fmt: skip
    spec = obj(
        {
            "clusterName": string(1, 253, rules=[
                immutable("ClusterName is immutable"),
                rule(
                    "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
                    "clusterName must consist of lowercase alphanumeric characters or '-', start and end with an "
                    "alphanumeric character, and be between 1 and 253 characters",
                ),
            ]),
            "arch": enum("arm64", "amd64", "ppc64le", "s390x", default="amd64", rules=[immutable("Arch is immutable")]),
            "autoScaling": obj({"min": integer(fmt="int32"), "max": integer(fmt="int32")}, required=["max", "min"],
                               rules=[rule("self.max >= self.min", "max must be equal or greater than min")]),
            "config": array(local_ref(), max_items=10),
            "management": management,
            "nodeDrainTimeout": string(),
            "nodeVolumeDetachTimeout": string(),
            "nodeLabels": string_map(),
            "pausedUntil": string(1, 35, rules=[h.PAUSED_UNTIL_RULE]),
            "platform": obj({"type": h.platform_type(), "aws": aws}, required=["type"], opaque=("agent", "azure", "ibmcloud", "kubevirt", "powervs")),
            "release": h.release(),
            "replicas": integer(fmt="int32"),
            "taints": array(anything(), max_items=50),
            "tuningConfig": array(local_ref(), max_items=10),
        },
        required=["clusterName", "management", "platform", "release"],
        rules=[
            rule("!has(oldSelf.arch) || has(self.arch)", "Arch is required once set"),
            rule("!has(self.replicas) || !has(self.autoScaling)", "Both replicas or autoScaling should not be set"),
            rule("self.arch != 's390x' || has(self.platform.kubevirt)", "s390x is only supported on KubeVirt platform"),
            rule("!has(self.autoScaling) || self.autoScaling.min > 0 || self.platform.type == 'AWS' || self.platform.type == 'Azure'",
                 "Scale-from-zero (autoScaling.min=0) is currently only supported for AWS and Azure platforms"),
        ],
    )  # fmt: skip
    cond = obj(
        {
            "lastTransitionTime": string(fmt="date-time"),
            "message": string(max_length=32768),
            "observedGeneration": integer(minimum=0, fmt="int64"),
            "reason": string(max_length=1024),
            "severity": string(max_length=1024),
            "status": string(),
            "type": string(max_length=316),
        },
        required=["lastTransitionTime", "status", "type"],
    )
    status = h.status(("nodesInfo", "platform", "replicas", "version"), array(cond, max_items=100))
    return _root(spec, status)


def hosted_control_plane():
    spec = obj(
        {
            "releaseImage": string(max_length=255),
            "controlPlaneReleaseImage": string(max_length=255),
            "channel": string(max_length=255),
            "clusterID": string(max_length=255),
            "infraID": string(max_length=255),
            "issuerURL": string(max_length=255),
            "controllerAvailabilityPolicy": enum(*h.AVAILABILITY, default="HighlyAvailable", rules=[immutable("ControllerAvailabilityPolicy is immutable")]),
            "infrastructureAvailabilityPolicy": enum(*h.AVAILABILITY, default="SingleReplica"),
            "capabilities": _capabilities(),
            "dns": h.dns(),
            "etcd": h.etcd(with_default=False),
            "fips": boolean(),
            "kubeconfig": obj({"name": string(), "key": string()}, required=["key", "name"]),
            "labels": string_map(max_properties=20),
            "networking": h.networking(defaults=False),
            "nodeSelector": string_map(),
            "olmCatalogPlacement": enum("management", "guest", default="management"),
            "pausedUntil": string(max_length=255),
            "platform": _platform(),
            "pullSecret": local_ref(),
            "secretEncryption": h.secret_encryption(),
            "services": h.services(),
            "sshKey": local_ref(),
            "updateService": string(),
        },
        required=["dns", "etcd", "infraID", "issuerURL", "platform", "pullSecret", "releaseImage", "services", "sshKey"],
        opaque=_COMMON_OPAQUE,
        rules=_services_rules(),
    )  # fmt: skip
    status = h.status(
        ("autoNode", "configuration", "controlPlaneEndpoint", "controlPlaneVersion", "customKubeconfig",
         "externalManagedControlPlane", "initialized", "kubeConfig", "kubeadminPassword",
         "lastReleaseImageTransitionTime", "nodeCount", "oauthCallbackURLTemplate", "platform", "ready",
         "releaseImage", "secretEncryption", "version", "versionStatus"),
        h.metav1_conditions(),
    )  # fmt: skip
    return _root(spec, status)


def _root(spec, status, rules=None):
    node = obj({"apiVersion": string(), "kind": string(), "metadata": anything(), "spec": spec, "status": status})
    if rules:
        node["x-kubernetes-validations"] = rules
    return node


SCHEMAS = {
    "HostedCluster": hosted_cluster,
    "NodePool": node_pool,
    "HostedControlPlane": hosted_control_plane,
}
