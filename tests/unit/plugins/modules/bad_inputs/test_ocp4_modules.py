"""ocp4_backup_check and ocp4_csr_approve: every option given the wrong way is refused before the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import (
    ocp4_backup_check,
    ocp4_csr_approve,
    ocp4_force_redeploy,
    ocp4_restore_plan,
)

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


PLAN = {"hosts": [{"name": "m0", "node": "master-0"}], "recovery_host": "m0", "progress_file": "{ws}/progress"}
BAD_PLAN_INPUTS = [
    ("plan hosts missing", {k: v for k, v in PLAN.items() if k != "hosts"}, "hosts"),
    ("plan hosts empty", dict(PLAN, hosts=[]), "hosts is empty"),
    ("plan host extra key", dict(PLAN, hosts=[{"name": "m0", "ip": "x"}]), "give name and node"),
    ("plan host node upper case", dict(PLAN, hosts=[{"name": "m0", "node": "Master-0"}]), "hosts[0].node"),
    ("plan recovery host empty", dict(PLAN, recovery_host=""), "recovery_host is empty"),
    ("plan recreate bad name", dict(PLAN, recreate_machines=["Master_2"]), "recreate_machines="),
    ("plan progress file a directory", dict(PLAN, progress_file="{dir}"), "progress_file"),
    ("plan progress file missing", {k: v for k, v in PLAN.items() if k != "progress_file"}, "progress_file"),
]


@pytest.mark.parametrize("case, args, words", BAD_PLAN_INPUTS, ids=[c[0] for c in BAD_PLAN_INPUTS])
def test_ocp4_restore_plan_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp4_restore_plan.main, args, words)


BAD_REDEPLOY_INPUTS = [
    ("redeploy kind missing", {}, "kind"),
    ("redeploy kind misspelt", {"kind": "etcd"}, ["kind", "Etcd, KubeAPIServer"]),
    ("redeploy reason blank", {"kind": "Etcd", "reason": "  "}, "reason is empty"),
    ("redeploy timeout zero", {"kind": "Etcd", "timeout": 0}, "timeout"),
    ("redeploy interval zero", {"kind": "Etcd", "interval": 0}, "interval"),
    ("redeploy wait not a bool", {"kind": "Etcd", "wait": "soon"}, "wait"),
]


@pytest.mark.parametrize("case, args, words", BAD_REDEPLOY_INPUTS, ids=[c[0] for c in BAD_REDEPLOY_INPUTS])
def test_ocp4_force_redeploy_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp4_force_redeploy.main, args, words)
