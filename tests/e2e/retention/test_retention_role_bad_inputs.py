"""The backup_retention role's entry point refuses bad inputs before anything is listed or removed: one playbook
run, one host per case (each fails at its own first check), and the backups beside them are all still there."""

import json
import sys

from tests.harness.ansible import run_playbook, write_playbook

PLAY = "- hosts: all\n  gather_facts: false\n  roles:\n    - ocp.day2.backup_retention\n"

CASES = [
    ("no_policy", {"backup_retention_dir": "{dir}"}, "backup_retention_policy"),
    ("empty_policy", {"backup_retention_dir": "{dir}", "backup_retention_policy": {}}, "policy is empty"),
    ("no_place", {"backup_retention_policy": {"keep_last": 1}}, "Set backup_retention_dir"),
    ("keep_last_zero", {"backup_retention_dir": "{dir}", "backup_retention_policy": {"keep_last": 0}}, "at least 1"),
    ("unknown_rule", {"backup_retention_dir": "{dir}", "backup_retention_policy": {"yearly": 1}}, "yearly"),
    ("missing_dir", {"backup_retention_dir": "{dir}/nope", "backup_retention_policy": {"keep_last": 1}},
     "is not a directory"),
    ("bucket_without_prefix", {"backup_retention_s3_bucket": "b-retention", "backup_retention_policy": {"daily": 1}},
     "s3_prefix"),
]  # fmt: skip


def test_role_refuses_bad_inputs_and_removes_nothing(tmp_path, installed_collection):
    backups = tmp_path / "backups"
    for name in ("20240101T000000Z", "20240102T000000Z"):
        (backups / name).mkdir(parents=True)
        (backups / name / "manifest.json").write_text(json.dumps({"members": [{"restore_tested": True}]}))
    hosts = {}
    for name, variables, _words in CASES:
        text = json.dumps(variables).replace("{dir}", str(backups))
        hosts[name] = dict(json.loads(text), ansible_connection="local", ansible_python_interpreter=sys.executable)
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    result = run_playbook(write_playbook(tmp_path, PLAY), inventory=str(inventory))
    out = result.stdout + result.stderr
    assert result.rc != 0 and "PLAY RECAP" in out, out
    for name, _variables, words in CASES:
        failures = [ln for ln in out.splitlines() if ln.startswith("fatal: [%s]" % name)]
        assert len(failures) == 1 and words in failures[0], (name, failures)
        assert "changed=0" in next(ln for ln in out.splitlines() if ln.startswith(name + " "))
    assert sorted(p.name for p in backups.iterdir()) == ["20240101T000000Z", "20240102T000000Z"]
