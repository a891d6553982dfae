# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which pending CSRs may be approved after a restore or with expired certificates (003 §5.4.2.2, §5.4.3.1).

Only the two kinds the seed approves, and only when the request itself says what the requestor claims:
- kubernetes.io/kube-apiserver-client-kubelet from the node-bootstrapper service account (or a node renewing its
  own client certificate), subject CN system:node:<expected node>, O system:nodes, no SANs, client usages;
- kubernetes.io/kubelet-serving from system:node:<name> for its own name, subject as above, every SAN an
  address or DNS name of that node (Node object or the admin's inventory), server usages.
Everything else is left alone with the reason.
"""

from __future__ import annotations

import base64
import ipaddress

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # reported by the module
    HAS_CRYPTOGRAPHY = False

CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
SERVING_SIGNER = "kubernetes.io/kubelet-serving"
BOOTSTRAPPER = "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper"
NODE_PREFIX = "system:node:"
NODES_GROUP = "system:nodes"
CLIENT_USAGES = {"digital signature", "key encipherment", "client auth"}
SERVING_USAGES = {"digital signature", "key encipherment", "server auth"}
DNS_ADDRESS_TYPES = ("Hostname", "InternalDNS", "ExternalDNS")
IP_ADDRESS_TYPES = ("InternalIP", "ExternalIP")


class Leave(Exception):
    """This CSR is left alone; the message says why."""


def is_pending(csr):
    types = {c.get("type") for c in (csr.get("status") or {}).get("conditions") or []}
    return not types & {"Approved", "Denied", "Failed"}


def node_table(expected, node_objects):
    """{name: {"ips": set, "dns": set}} for the expected nodes: addresses from the admin's list and Node objects."""
    table = {}
    for entry in expected:
        name = entry["name"]
        known = table.setdefault(name, {"ips": set(), "dns": {name}})
        for addr in entry.get("addresses") or []:
            try:
                known["ips"].add(str(ipaddress.ip_address(addr)))
            except ValueError:
                known["dns"].add(addr.lower())
    for node in node_objects:
        name = (node.get("metadata") or {}).get("name")
        if name not in table:
            continue
        for addr in (node.get("status") or {}).get("addresses") or []:
            if addr.get("type") in IP_ADDRESS_TYPES:
                table[name]["ips"].add(str(ipaddress.ip_address(addr["address"])))
            elif addr.get("type") in DNS_ADDRESS_TYPES:
                table[name]["dns"].add(addr["address"].lower())
    return table


def _parse(csr):
    try:
        pem = base64.b64decode((csr.get("spec") or {}).get("request") or "", validate=True)
        req = x509.load_pem_x509_csr(pem)
    except (ValueError, TypeError) as exc:
        raise Leave("its request is not a PEM certificate signing request (%s)" % exc) from exc
    if not req.is_signature_valid:
        raise Leave("its request's signature does not verify")
    return req


def _subject(req):
    """(node name, organizations) from subject CN system:node:<name> and O; Leave on anything else."""
    cns = [a.value for a in req.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = sorted(a.value for a in req.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    others = [a.oid.dotted_string for a in req.subject if a.oid not in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)]
    if len(cns) != 1 or not cns[0].startswith(NODE_PREFIX) or len(cns[0]) == len(NODE_PREFIX):
        raise Leave("its subject CN %s is not system:node:<name>" % (cns or "(none)"))
    if orgs != [NODES_GROUP]:
        raise Leave("its subject O %s is not exactly [system:nodes]" % orgs)
    if others:
        raise Leave("its subject carries other attributes (%s)" % ", ".join(others))
    return cns[0][len(NODE_PREFIX) :]


def _sans(req):
    try:
        ext = req.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], [], []
    ips = [str(v) for v in ext.get_values_for_type(x509.IPAddress)]
    dns = [v.lower() for v in ext.get_values_for_type(x509.DNSName)]
    other = [g for g in ext if not isinstance(g, (x509.IPAddress, x509.DNSName))]
    return ips, dns, other


def _usages(csr, allowed, needed):
    usages = set((csr.get("spec") or {}).get("usages") or [])
    if needed not in usages or not usages <= allowed:
        raise Leave("its usages %s are not %s (with %s)" % (sorted(usages), sorted(allowed), needed))


def classify(csr, table):
    """("approve", node name, rule) for a CSR the seed approves; Leave (with the reason) otherwise."""
    spec = csr.get("spec") or {}
    signer, user = spec.get("signerName"), spec.get("username") or ""
    if signer not in (CLIENT_SIGNER, SERVING_SIGNER):
        raise Leave("signer %s is not one this procedure approves (%s, %s)" % (signer, CLIENT_SIGNER, SERVING_SIGNER))
    req = _parse(csr)
    node = _subject(req)
    if node not in table:
        raise Leave("it is for node %s, which is not among the expected nodes (%s)" % (node, ", ".join(sorted(table))))
    ips, dns, other = _sans(req)
    if signer == CLIENT_SIGNER:
        if user not in (BOOTSTRAPPER, NODE_PREFIX + node):
            raise Leave("a kubelet client certificate requested by %s, not the node-bootstrapper or the node" % user)
        if ips or dns or other:
            raise Leave("a kubelet client certificate request must not carry subject alternative names")
        _usages(csr, CLIENT_USAGES, "client auth")
        rule = "node-bootstrapper client CSR" if user == BOOTSTRAPPER else "client certificate renewal by the node"
        return "approve", node, rule
    if user != NODE_PREFIX + node:
        raise Leave("a serving certificate for node %s requested by %s, not by system:node:%s" % (node, user, node))
    if NODES_GROUP not in (spec.get("groups") or []):
        raise Leave("its requestor is not in the system:nodes group")
    if other:
        raise Leave("it carries subject alternative names other than DNS names and IP addresses")
    if not ips and not dns:
        raise Leave("a serving certificate request without any DNS name or IP address")
    known = table[node]
    foreign = [a for a in ips if a not in known["ips"]] + [d for d in dns if d not in known["dns"]]
    if foreign:
        raise Leave("its addresses %s do not belong to node %s (known: %s)"
                    % (", ".join(foreign), node, ", ".join(sorted(known["ips"] | known["dns"]))))  # fmt: skip
    _usages(csr, SERVING_USAGES, "server auth")
    return "approve", node, "kubelet serving CSR with the node's own addresses"
