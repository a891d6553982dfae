# ruff: noqa: E501 - one table row per line
"""The CSR rules of ocp4_csr_approve on real CSRs (made with cryptography as kubelets make them)."""

import base64

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import csr_rules
from tests.sim.ocp4_csr import (
    BOOTSTRAPPER,
    CLIENT_SIGNER,
    SERVING_SIGNER,
    client_csr,
    csr_object,
    request_pem,
    serving_csr,
)

NODES = [
    {"metadata": {"name": "master-0"}, "status": {"addresses": [
        {"type": "InternalIP", "address": "10.0.0.10"}, {"type": "Hostname", "address": "master-0.example.com"}]}},
    {"metadata": {"name": "stranger"}, "status": {"addresses": [{"type": "InternalIP", "address": "10.9.9.9"}]}},
]  # fmt: skip
EXPECTED = [{"name": "master-0"}, {"name": "master-1", "addresses": ["10.0.0.11", "Master-1.Example.com"]}]
TABLE = csr_rules.node_table(EXPECTED, NODES)


def test_node_table_joins_api_and_inventory_addresses_of_expected_nodes_only():
    assert {
        "master-0": {"ips": {"10.0.0.10"}, "dns": {"master-0", "master-0.example.com"}},
        "master-1": {"ips": {"10.0.0.11"}, "dns": {"master-1", "master-1.example.com"}},
    } == TABLE


APPROVE = [
    ("bootstrapper client CSR", client_csr("a", "master-1"), "master-1", "node-bootstrapper"),
    ("client renewal by the node", client_csr("a", "master-0", username="system:node:master-0"), "master-0", "renewal"),
    ("serving with Node IP and DNS", serving_csr("a", "master-0", ["10.0.0.10", "master-0.example.com"]), "master-0", "serving"),
    ("serving with inventory IP", serving_csr("a", "master-1", ["10.0.0.11", "master-1"]), "master-1", "serving"),
    ("serving DNS case-insensitive", serving_csr("a", "master-1", ["MASTER-1.example.com"]), "master-1", "serving"),
]  # fmt: skip


@pytest.mark.parametrize("case, csr, node, rule", APPROVE, ids=[c[0] for c in APPROVE])
def test_approved(case, csr, node, rule):
    verdict, got, why = csr_rules.classify(csr, TABLE)
    assert (verdict, got) == ("approve", node) and rule in why


def _client_with(**kw):
    usages = kw.pop("usages", None)
    user = kw.pop("username", BOOTSTRAPPER)
    return csr_object("a", CLIENT_SIGNER, user, request_pem("system:node:master-1", **kw), usages=usages)


def _garbage():
    csr = client_csr("a", "master-1")
    csr["spec"]["request"] = base64.b64encode(b"-----BEGIN CERTIFICATE REQUEST-----\nnope\n").decode()
    return csr


def _serving_groups():
    csr = serving_csr("a", "master-0", ["10.0.0.10"])
    csr["spec"]["groups"] = ["system:authenticated"]
    return csr


LEAVE = [
    ("unexpected node name", client_csr("a", "intruder"), "node intruder, which is not among the expected nodes"),
    ("node known to the API but not expected", client_csr("a", "stranger"), "not among the expected"),
    ("client from another account", client_csr("a", "master-1", username="system:serviceaccount:default:x"), "not the node-bootstrapper"),
    ("client renewal for another node", client_csr("a", "master-1", username="system:node:master-0"), "not the node-bootstrapper"),
    ("client O system:masters", _client_with(organizations=("system:masters",)), "not exactly [system:nodes]"),
    ("client extra O", _client_with(organizations=("system:nodes", "system:masters")), "not exactly [system:nodes]"),
    ("client with SANs", _client_with(sans=("10.0.0.11",)), "must not carry subject alternative names"),
    ("client with server usage", _client_with(usages=["digital signature", "client auth", "server auth"]), "usages"),
    ("client without client usage", _client_with(usages=["digital signature"]), "usages"),
    ("CN not a node", csr_object("a", CLIENT_SIGNER, BOOTSTRAPPER, request_pem("admin")), "is not system:node:<name>"),
    ("serving foreign IP", serving_csr("a", "master-0", ["10.0.0.10", "10.6.6.6"]), "10.6.6.6 do not belong to node master-0"),
    ("serving another node's IP", serving_csr("a", "master-0", ["10.0.0.11"]), "do not belong"),
    ("serving foreign DNS", serving_csr("a", "master-0", ["evil.example.com"]), "evil.example.com do not belong"),
    ("serving for another node", serving_csr("a", "master-0", ["10.0.0.10"], username="system:node:master-1"), "not by system:node:master-0"),
    ("serving from the bootstrapper", serving_csr("a", "master-0", ["10.0.0.10"], username=BOOTSTRAPPER), "not by system:node"),
    ("serving without SANs", serving_csr("a", "master-0", []), "without any DNS name or IP address"),
    ("serving not in system:nodes", _serving_groups(), "system:nodes group"),
    ("another signer",
     csr_object("a", "kubernetes.io/kube-apiserver-client", "system:admin", request_pem("system:node:master-0")),
     "signer kubernetes.io/kube-apiserver-client is not one"),
    ("request not a CSR", _garbage(), "not a PEM certificate signing request"),
]  # fmt: skip


@pytest.mark.parametrize("case, csr, words", LEAVE, ids=[c[0] for c in LEAVE])
def test_left_alone(case, csr, words):
    with pytest.raises(csr_rules.Leave, match=None) as exc:
        csr_rules.classify(csr, TABLE)
    assert words in str(exc.value)


def test_pending():
    csr = serving_csr("a", "master-0", ["10.0.0.10"])
    assert csr_rules.is_pending(csr)
    csr["status"] = {"conditions": [{"type": "Approved", "status": "True"}]}
    assert not csr_rules.is_pending(csr)
    csr["status"] = {"conditions": [{"type": "Denied", "status": "True"}]}
    assert not csr_rules.is_pending(csr)


def test_serving_signer_constant_matches_the_sim():
    assert (csr_rules.CLIENT_SIGNER, csr_rules.SERVING_SIGNER, csr_rules.BOOTSTRAPPER) == (
        CLIENT_SIGNER,
        SERVING_SIGNER,
        BOOTSTRAPPER,
    )
