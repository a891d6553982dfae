"""ocp3_host_check's main(): options, result shape, and that a bad option is a message, not a traceback."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ocp.day2.plugins.modules import ocp3_host_check


def _main(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        ocp3_host_check.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def test_disk_only_on_this_host(capsys, tmp_path):
    code, out = _main(
        {"checks": ["disk"], "disks": [{"path": str(tmp_path), "min_gb": 0.001}], "disk_free_warn_percent": 0}, capsys
    )
    assert code == 0 and out["changed"] is False
    assert [c["name"] for c in out["checks"]] == ["disk:%s" % tmp_path]
    assert out["status"] == "ok" and out["counts"] == {"ok": 1, "warn": 0, "fail": 0, "skipped": 0}
    assert set(out["checks"][0]) == {"name", "status", "observed", "threshold", "message", "remedy"}


def test_disabled_wins_over_checks(capsys):
    code, out = _main({"checks": ["entropy", "ports"], "disabled": ["entropy"]}, capsys)
    assert code == 0 and [c["name"] for c in out["checks"]] == ["ports"]
    assert out["checks"][0]["status"] == "skipped"


def test_inverted_thresholds_fail_with_a_message(capsys):
    code, out = _main({"ntp_offset_warn_ms": 900, "ntp_offset_fail_ms": 100}, capsys)
    assert code == 1 and out["failed"] is True
    assert "ntp_offset_warn_ms must not be above ntp_offset_fail_ms" in out["msg"]


@pytest.mark.parametrize(
    "args, words",
    [
        ({"probe_timeout": 0}, "probe_timeout must be at least 1 second"),
        ({"probe_timeout": -1}, "probe_timeout must be at least 1 second"),
        ({"port_targets": [{"host": "master-0", "port": 70000}]}, "port 70000 of master-0 is not between 1 and 65535"),
        ({"port_targets": [{"host": "master-0", "port": 0}]}, "port 0 of master-0 is not between 1 and 65535"),
        ({"entropy_ok": 500, "entropy_fail": 900}, "entropy_fail (900) must not be above entropy_ok (500)"),
    ],
)
def test_impossible_options_are_refused_before_any_check(capsys, args, words):
    code, out = _main(dict(args, checks=["ports"]), capsys)
    assert code == 1 and out["failed"] is True and "checks" not in out
    assert words in out["msg"] and out["msg"].startswith("Invalid options:")


def test_unknown_check_is_rejected(capsys):
    code, out = _main({"checks": ["ntpp"]}, capsys)
    assert code == 1 and "ntpp" in out["msg"]


def test_argument_spec_matches_the_documented_options():
    import yaml

    documented = yaml.safe_load(ocp3_host_check.DOCUMENTATION)["options"]
    assert set(documented) == set(ocp3_host_check.argument_spec())
    for name, spec in ocp3_host_check.argument_spec().items():
        assert documented[name].get("default") == spec.get("default"), name
