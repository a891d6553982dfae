# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Secrets and ConfigMaps of its own namespace a HostedCluster and its NodePools point at.

The field paths come from openshift/hypershift api/hypershift/v1beta1 (hostedcluster_types.go, nodepool_types.go,
kubevirt.go, openstack.go, powervs.go, ibmcloud.go) and, for spec.configuration, from the embedded
openshift/api config/v1 types (APIServer, Authentication, Image, OAuth, Proxy, Ingress). Every reference there is
a local one: the object lives in the HostedCluster's namespace. A path is dotted; "[]" walks every list item.
"""

from __future__ import annotations

SECRET = "Secret"
CONFIGMAP = "ConfigMap"

_IDP_SECRETS = (
    "basicAuth.tlsClientCert",
    "basicAuth.tlsClientKey",
    "github.clientSecret",
    "gitlab.clientSecret",
    "google.clientSecret",
    "htpasswd.fileData",
    "keystone.tlsClientCert",
    "keystone.tlsClientKey",
    "ldap.bindPassword",
    "openID.clientSecret",
)
_IDP_CAS = ("basicAuth", "github", "gitlab", "keystone", "ldap", "openID", "requestHeader")
_POWERVS = (
    "kubeCloudControllerCreds",
    "nodePoolManagementCreds",
    "ingressOperatorCloudCreds",
    "storageOperatorCloudCreds",
    "imageRegistryOperatorCloudCreds",
)

# (path of the referenced object's name, kind). Each must exist when set.
HOSTEDCLUSTER_REFS = (
    [
        ("spec.pullSecret.name", SECRET),
        ("spec.sshKey.name", SECRET),
        ("spec.serviceAccountSigningKey.name", SECRET),
        ("spec.auditWebhook.name", SECRET),
        ("spec.secretEncryption.aescbc.activeKey.name", SECRET),
        ("spec.secretEncryption.aescbc.backupKey.name", SECRET),
        ("spec.secretEncryption.kms.ibmcloud.auth.unmanaged.credentials.name", SECRET),
        ("spec.etcd.unmanaged.tls.clientSecret.name", SECRET),
        ("spec.platform.kubevirt.credentials.infraKubeConfigSecret.name", SECRET),
        ("spec.platform.openstack.identityRef.name", SECRET),
    ]
    + [("spec.platform.powervs.%s.name" % field, SECRET) for field in _POWERVS]
    + [
        ("spec.configuration.apiServer.servingCerts.namedCertificates[].servingCertificate.name", SECRET),
        ("spec.configuration.authentication.webhookTokenAuthenticator.kubeConfig.name", SECRET),
        ("spec.configuration.authentication.oidcProviders[].oidcClients[].clientSecret.name", SECRET),
        ("spec.configuration.ingress.componentRoutes[].servingCertKeyPairSecret.name", SECRET),
        ("spec.configuration.oauth.templates.login.name", SECRET),
        ("spec.configuration.oauth.templates.providerSelection.name", SECRET),
        ("spec.configuration.oauth.templates.error.name", SECRET),
    ]
    + [("spec.configuration.oauth.identityProviders[].%s.name" % field, SECRET) for field in _IDP_SECRETS]
    + [
        ("spec.additionalTrustBundle.name", CONFIGMAP),
        ("spec.configuration.apiServer.clientCA.name", CONFIGMAP),
        ("spec.configuration.authentication.oauthMetadata.name", CONFIGMAP),
        ("spec.configuration.authentication.oidcProviders[].issuer.issuerCertificateAuthority.name", CONFIGMAP),
        ("spec.configuration.image.additionalTrustedCA.name", CONFIGMAP),
        ("spec.configuration.proxy.trustedCA.name", CONFIGMAP),
    ]
    + [("spec.configuration.oauth.identityProviders[].%s.ca.name" % field, CONFIGMAP) for field in _IDP_CAS]
)

# Keys the control-plane operator records in status while it rotates the AES-CBC key: the data in etcd may still be
# encrypted with them, so they travel with the cluster. Missing ones are only warned about.
HOSTEDCLUSTER_STATUS_REFS = [
    ("status.secretEncryption.activeKey.aescbc.secret.name", SECRET),
    ("status.secretEncryption.targetKey.aescbc.secret.name", SECRET),
]

# Secrets HyperShift writes itself into the HostedCluster's namespace from the control plane's own secrets (which
# travel in the control-plane namespace), named in status; with their conventional names when status is empty.
GENERATED_REFS = ["status.kubeconfig.name", "status.kubeadminPassword.name", "status.customKubeconfig.name"]
GENERATED_NAMES = ("%s-admin-kubeconfig", "%s-kubeadmin-password")


def generated_secrets(hostedcluster):
    """Names of the Secrets the HyperShift operator writes for this HostedCluster (not inputs of a restore)."""
    name = hostedcluster["metadata"]["name"]
    found = {pattern % name for pattern in GENERATED_NAMES}
    for path in GENERATED_REFS:
        found.update(value for _where, value in walk(hostedcluster, path))
    return found


NODEPOOL_REFS = [
    ("spec.config[].name", CONFIGMAP),
    ("spec.tuningConfig[].name", CONFIGMAP),
]


def walk(obj, path):
    """[(concrete path, value)] for a dotted path with "[]" list steps; missing or empty values are skipped."""
    found = []

    def step(node, parts, where):
        if not parts:
            if isinstance(node, str) and node:
                found.append((where, node))
            return
        part = parts[0]
        many = part.endswith("[]")
        key = part[:-2] if many else part
        child = node.get(key) if isinstance(node, dict) else None
        if child is None:
            return
        here = "%s.%s" % (where, key) if where else key
        if many:
            for i, item in enumerate(child if isinstance(child, list) else []):
                step(item, parts[1:], "%s[%d]" % (here, i))
        else:
            step(child, parts[1:], here)

    step(obj, path.split("."), "")
    return found


def _field(concrete):
    """The referencing field, without the trailing .name (what the admin sees in the YAML)."""
    return concrete[: -len(".name")] if concrete.endswith(".name") else concrete


def references(hostedcluster, nodepools):
    """[{kind, name, field, owner, required}] in a stable order, one entry per (kind, name, referencing field).

    owner is "HostedCluster/<name>" or "NodePool/<name>"; required is False for status references.
    """
    refs = []
    hc_owner = "HostedCluster/%s" % hostedcluster["metadata"]["name"]
    for table, required in ((HOSTEDCLUSTER_REFS, True), (HOSTEDCLUSTER_STATUS_REFS, False)):
        for path, kind in table:
            for concrete, name in walk(hostedcluster, path):
                refs.append(
                    {"kind": kind, "name": name, "field": _field(concrete), "owner": hc_owner, "required": required}
                )
    for pool in nodepools:
        owner = "NodePool/%s" % pool["metadata"]["name"]
        for path, kind in NODEPOOL_REFS:
            for concrete, name in walk(pool, path):
                refs.append({"kind": kind, "name": name, "field": _field(concrete), "owner": owner, "required": True})
    return refs
