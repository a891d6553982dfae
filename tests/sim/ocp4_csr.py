"""Real certificate signing requests as kubelets send them (for the simulated OpenShift 4 cluster and unit tests)."""

import base64
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BOOTSTRAPPER = "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper"
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
SERVING_SIGNER = "kubernetes.io/kubelet-serving"


def request_pem(cn, organizations=("system:nodes",), sans=()):
    """A PEM CSR (P-256 key) with subject CN and O, and the SANs given (IP addresses or DNS names)."""
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    alt = []
    for san in sans:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            alt.append(x509.DNSName(san))
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    csr = builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def csr_object(name, signer, username, pem, groups=None, usages=None):
    if usages is None:
        usages = (
            ["digital signature", "client auth"] if signer == CLIENT_SIGNER else ["digital signature", "server auth"]
        )
    if groups is None:
        groups = (
            [
                "system:serviceaccounts",
                "system:serviceaccounts:openshift-machine-config-operator",
                "system:authenticated",
            ]
            if username == BOOTSTRAPPER
            else ["system:nodes", "system:authenticated"]
        )
    return {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": base64.b64encode(pem).decode(),
            "signerName": signer,
            "username": username,
            "groups": groups,
            "usages": usages,
        },
    }


def client_csr(name, node, username=BOOTSTRAPPER, **kw):
    """What a kubelet without a client certificate sends through the node-bootstrapper."""
    return csr_object(name, CLIENT_SIGNER, username, request_pem("system:node:%s" % node, **kw))


def serving_csr(name, node, sans, username=None, **kw):
    """What a kubelet sends for its serving certificate once it has a client certificate."""
    pem = request_pem("system:node:%s" % node, sans=sans, **kw)
    return csr_object(name, SERVING_SIGNER, username or "system:node:%s" % node, pem)
