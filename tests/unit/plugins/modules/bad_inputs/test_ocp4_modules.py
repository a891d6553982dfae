"""ocp4_backup_check and ocp4_csr_approve: every option given the wrong way is refused before the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp4_backup_check, ocp4_csr_approve

CHECK = {"path": "{dir}"}

BAD_INPUTS = [
    ("backup path missing", {}, "path"),
    ("backup path absent", {"path": "{missing}"}, "does not exist"),
    ("backup path a file", {"path": "{file}"}, "is a file"),
    ("backup dir without a backup", CHECK, ["exactly one snapshot_<timestamp>.db", "found snapshots none"]),
    ("write_manifest not a bool", dict(CHECK, write_manifest="maybe"), "write_manifest"),
    ("expected_sha256 without write", dict(CHECK, expected_sha256={"a": "b"}), "only used with write_manifest"),
    ("expected_sha256 not hex", dict(CHECK, write_manifest=True, expected_sha256={"a": "xyz"}), "lower-case hex"),
    ("expected_sha256 not a dict", dict(CHECK, write_manifest=True, expected_sha256="abc"), "expected_sha256"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_ocp4_backup_check_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp4_backup_check.main, args, words)


CSR = {"nodes": ["master-0"]}
BAD_CSR_INPUTS = [
    ("csr nodes missing", {}, "nodes"),
    ("csr nodes empty", {"nodes": []}, "nodes"),
    ("csr node name upper case", {"nodes": ["Master-0"]}, ["nodes[0].name", "not a valid Kubernetes"]),
    ("csr node name empty", {"nodes": [""]}, "nodes[0].name is empty"),
    ("csr node a number", {"nodes": [3]}, "must be a node name or a dict"),
    ("csr node dict extra key", {"nodes": [{"name": "m", "ips": []}]}, "must be a node name or a dict"),
    ("csr node addresses a string", {"nodes": [{"name": "m", "addresses": "10.0.0.1"}]}, "addresses must be a list"),
    ("csr timeout negative", dict(CSR, timeout=-1), "timeout"),
    ("csr settle not a number", dict(CSR, settle="soon"), "settle"),
    ("csr interval zero", dict(CSR, interval=0), "interval"),
    ("csr API unreachable", dict(CSR, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_CSR_INPUTS, ids=[c[0] for c in BAD_CSR_INPUTS])
def test_ocp4_csr_approve_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp4_csr_approve.main, args, words)
