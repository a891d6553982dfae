# ruff: noqa: E501 - rule expressions and their messages are kept on one line, as the API states them
"""Our schema of HostedCluster, NodePool and HostedControlPlane (hypershift.openshift.io/v1beta1).

Written from the facts of the upstream API (types, enums, limits, defaults, CEL rules and their
messages as a real API server returns them) for every field the collection or the simulator reads or
writes. Upstream fields we do not model are listed by name and kept as sent (`anything()`); fields
that do not exist upstream are pruned, as a real API server prunes them.
"""

from .dsl import (
    anything,
    array,
    enum,
    immutable,
    int_or_string,
    integer,
    local_ref,
    obj,
    rule,
    string,
)

PLATFORMS = ("AWS", "Azure", "IBMCloud", "KubeVirt", "Agent", "PowerVS", "None")
AVAILABILITY = ("HighlyAvailable", "SingleReplica")
PAUSED_UNTIL_RULE = rule(
    r"self.matches('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}.*$') || self in ['true', 'false', 'True', 'False']",
    "PausedUntil must be a date in RFC3339 format or 'True', 'true', 'False' or 'false'",
)
QUANTITY = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_CIDR = rule(
    r"self.matches('^((\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2})$') || "
    r"self.matches('^([0-9a-fA-F]{0,4}:){2,7}([0-9a-fA-F]{0,4})?/[0-9]{1,3}$')",
    "cidr must be a valid IPv4 or IPv6 CIDR notation (e.g., 192.168.1.0/24 or 2001:db8::/64)",
)
_DOMAIN = r"'^(?:(?:[a-zA-Z0-9-]+\\.)+[a-zA-Z]{2,}|[a-zA-Z0-9-]+)$'"
_HOSTNAME = rule(
    r"self.matches('^(?:[a-zA-Z0-9-]+\\.)+[a-zA-Z]{2,}$')", "hostname must be a valid domain name (e.g., example.com)"
)


def release():
    image = string(
        1,
        253,
        rules=[
            rule(
                r"self.matches('^(\\w+\\S+)$')",
                "Image must start with a word character (letters, digits, or underscores) and contain no white spaces",
            )
        ],
    )
    return obj({"image": image}, required=["image"])


def platform_type():
    return enum(*PLATFORMS, max_length=100, rules=[immutable("Type is immutable")])


def _cidr_list(what, default=None):
    item = obj({"cidr": string(max_length=43, rules=[_CIDR]), "hostPrefix": integer(fmt="int32")}, required=["cidr"])
    return array(
        item,
        max_items=2,
        min_items=1,
        default=default,
        rules=[immutable("%s is immutable and cannot be modified once set." % what)],
    )


def networking(defaults=True):
    cluster_default = [{"cidr": "10.132.0.0/14"}] if defaults else None
    service_default = [{"cidr": "172.31.0.0/16"}] if defaults else None
    node = obj(
        {
            "allocateNodeCIDRs": enum(
                "Enabled",
                "Disabled",
                rules=[immutable("allocateNodeCIDRs is immutable and cannot be modified once set.")],
            ),
            "apiServer": anything(),
            "clusterNetwork": _cidr_list("clusterNetwork", cluster_default),
            "machineNetwork": _cidr_list("machineNetwork"),
            "networkType": enum(
                "OpenShiftSDN", "Calico", "OVNKubernetes", "Other", default="OVNKubernetes" if defaults else None
            ),
            "serviceNetwork": _cidr_list("serviceNetwork", service_default),
        },
        rules=[
            rule(
                "(!has(self.machineNetwork) && self.clusterNetwork.all(c, self.serviceNetwork.all(s, c.cidr != s.cidr)) "
                "|| (has(self.machineNetwork) && (self.machineNetwork.all(m, self.clusterNetwork.all(c, m.cidr != c.cidr)) "
                "&& self.machineNetwork.all(m, self.serviceNetwork.all(s, m.cidr != s.cidr)) "
                "&& self.clusterNetwork.all(c, self.serviceNetwork.all(s, c.cidr != s.cidr)))))",
                "CIDR ranges in machineNetwork, clusterNetwork, and serviceNetwork must be unique and non-overlapping",
            ),
            rule(
                "has(self.allocateNodeCIDRs) && self.allocateNodeCIDRs == 'Enabled' ? self.networkType == 'Other' : true",
                "allocateNodeCIDRs can only be set to Enabled when networkType is 'Other'",
            ),
        ],
    )
    if defaults:
        node["default"] = {
            "clusterNetwork": cluster_default,
            "networkType": "OVNKubernetes",
            "serviceNetwork": service_default,
        }
    return node


def etcd(with_default=True):
    url_rules = [
        rule("self.size() <= 1", "RestoreSnapshotURL shouldn't contain more than 1 entry"),
        immutable("restoreSnapshotURL is immutable"),
        rule(
            "self.size() == 0 || self[0].matches('^(https|s3)://.*')",
            "restoreSnapshotURL must be a valid URL with scheme https or s3",
        ),
    ]
    storage = obj(
        {
            "type": enum("PersistentVolume"),
            "persistentVolume": obj(
                {
                    "size": int_or_string(
                        QUANTITY, rules=[immutable("Etcd PV storage size is immutable")], default="8Gi"
                    ),
                    "storageClassName": string(max_length=255, rules=[immutable("storageClassName is immutable")]),
                }
            ),
            "restoreSnapshotURL": array(string(max_length=1024), max_items=1, list_type="set", rules=url_rules),
        },
        required=["type"],
        rules=[
            rule(
                "has(self.restoreSnapshotURL) == has(oldSelf.restoreSnapshotURL)",
                "restoreSnapshotURL cannot be added or removed after creation",
            )
        ],
    )
    unmanaged = obj(
        {
            "endpoint": string(max_length=255, pattern="^https://"),
            "tls": obj({"clientSecret": local_ref()}, required=["clientSecret"]),
        },
        required=["endpoint", "tls"],
    )
    return obj(
        {
            "managementType": enum("Managed", "Unmanaged", rules=[immutable("managementType is immutable")]),
            "managed": obj({"storage": storage}, required=["storage"]),
            "unmanaged": unmanaged,
        },
        required=["managementType"],
        default={
            "managed": {"storage": {"persistentVolume": {"size": "8Gi"}, "type": "PersistentVolume"}},
            "managementType": "Managed",
        }
        if with_default
        else None,
        rules=[
            rule(
                "self.managementType == 'Managed' ? has(self.managed) : !has(self.managed)",
                "Only managed configuration must be set when managementType is Managed",
            ),
            rule(
                "self.managementType == 'Unmanaged' ? has(self.unmanaged) : !has(self.unmanaged)",
                "Only unmanaged configuration must be set when managementType is Unmanaged",
            ),
        ],
    )


def secret_encryption():
    kms = obj(
        {
            "provider": enum("IBMCloud", "AWS", "Azure"),
            "aws": obj(
                {
                    "activeKey": obj(
                        {"arn": string(1, 2048, rules=[rule("self.startsWith('arn:')", "arn must start with 'arn:'")])},
                        required=["arn"],
                    ),
                    "backupKey": obj(
                        {"arn": string(1, 2048, rules=[rule("self.startsWith('arn:')", "arn must start with 'arn:'")])},
                        required=["arn"],
                    ),
                    "auth": obj({"awsKms": string(max_length=2048)}, required=["awsKms"]),
                    "region": string(max_length=255),
                },
                required=["activeKey", "auth", "region"],
            ),
            "azure": anything(),
            "ibmcloud": anything(),
        },
        required=["provider"],
    )
    return obj(
        {
            "type": enum("kms", "aescbc"),
            "aescbc": obj({"activeKey": local_ref(), "backupKey": local_ref()}, required=["activeKey"]),
            "kms": kms,
        },
        required=["type"],
    )


def services(item_rules=True):
    strategy_rules = [
        rule("self.type == 'NodePort' ? has(self.nodePort) : !has(self.nodePort)", "nodePort is required when type is NodePort, and forbidden otherwise"),
        rule(
            "self.type == 'Route' ? !has(self.nodePort) && !has(self.loadBalancer) : !has(self.route)",
            "only route is allowed when type is Route, and forbidden otherwise",
        ),
        rule(
            "self.type == 'LoadBalancer' ? !has(self.nodePort) && !has(self.route) : !has(self.loadBalancer)",
            "only loadBalancer is required when type is LoadBalancer, and forbidden otherwise",
        ),
        rule(
            "self.type == 'None' ? !has(self.nodePort) && !has(self.route) && !has(self.loadBalancer) : true",
            "None does not allowed any configuration for loadBalancer, nodePort, or route",
        ),
        rule(
            "self.type == 'S3' ? !has(self.nodePort) && !has(self.route) && !has(self.loadBalancer) : true",
            "S3 does not allowed any configuration for loadBalancer, nodePort, or route",
        ),
    ]  # fmt: skip
    strategy = obj(
        {
            "type": enum("LoadBalancer", "NodePort", "Route", "None", "S3"),
            "route": obj({"hostname": string(1, 253, rules=[_HOSTNAME])}),
            "loadBalancer": obj({"hostname": string(1, 253, rules=[_HOSTNAME])}),
            "nodePort": obj({"address": string(1, 253), "port": integer(fmt="int32")}, required=["address"]),
        },
        required=["type"],
        rules=strategy_rules if item_rules else None,
    )
    item = obj(
        {
            "service": enum("APIServer", "OAuthServer", "OIDC", "Konnectivity", "Ignition", "OVNSbDb"),
            "servicePublishingStrategy": strategy,
        },
        required=["service", "servicePublishingStrategy"],
    )
    return array(item, max_items=6)


def aws_platform():
    arns = ("controlPlaneOperatorARN", "imageRegistryARN", "ingressARN", "kubeCloudControllerARN", "networkARN",
            "nodePoolManagementARN", "storageARN")  # fmt: skip
    return obj(
        {
            "region": string(max_length=255),
            "endpointAccess": enum("Public", "PublicAndPrivate", "Private", default="Public"),
            "rolesRef": obj({a: string(max_length=2048) for a in arns}, required=list(arns)),
        },
        required=["region", "rolesRef"],
        opaque=(
            "additionalAllowedPrincipals",
            "cloudProviderConfig",
            "multiArch",
            "resourceTags",
            "serviceEndpoints",
            "sharedVPC",
            "terminationHandlerQueueURL",
        ),  # fmt: skip
    )


def dns():
    domain_rule = 'self == "" || self.matches(%s)' % _DOMAIN
    return obj(
        {
            "baseDomain": string(max_length=253, rules=[
                rule(domain_rule, "baseDomain must be a valid domain name (e.g., example, example.com, sub.example.com)"),
                rule('oldSelf == "" || self == oldSelf', "baseDomain is immutable"),
            ]),
            "baseDomainPrefix": string(max_length=253, rules=[
                rule(domain_rule, "baseDomainPrefix must be a valid domain name (e.g., example, example.com, sub.example.com)"),
                immutable("baseDomainPrefix is immutable"),
            ]),
            "privateZoneID": string(1, 265, rules=[rule('oldSelf == "" || self == oldSelf', "privateZoneID is immutable")]),
            "publicZoneID": string(1, 258, rules=[rule('oldSelf == "" || self == oldSelf', "publicZoneID is immutable")]),
        },
        required=["baseDomain"],
    )  # fmt: skip


def metav1_conditions():
    cond = obj(
        {
            "lastTransitionTime": string(fmt="date-time"),
            "message": string(max_length=32768),
            "observedGeneration": integer(minimum=0, fmt="int64"),
            "reason": string(1, 1024, pattern="^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
            "status": enum("True", "False", "Unknown"),
            "type": string(max_length=316),
        },
        required=["lastTransitionTime", "message", "reason", "status", "type"],
    )
    return array(cond, max_items=100, list_type="map", map_keys=["type"])


def status(names, conditions):
    return obj({"conditions": conditions}, opaque=names)
