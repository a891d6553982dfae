"""ocp4_backup_check and ocp4_csr_approve: every option given the wrong way is refused before the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp4_backup_check

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
