"""ocp3_container_storage_plan: inputs that cannot work are refused before vgs/pvs run or a file is read."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_container_storage_plan

BASE = {"new_devices": ["/dev/xvdd"], "setup_file": "/nonexistent/docker-storage-setup"}

BAD_INPUTS = [
    ("new_devices missing", {"setup_file": "/etc/hosts"}, "new_devices"),
    ("new_devices empty", dict(BASE, new_devices=[]), "new_devices"),
    ("new_devices not a device path", dict(BASE, new_devices=["xvdd"]), "is not a device path"),
    ("grown_devices not a device path", dict(BASE, new_devices=[], grown_devices=["xvdb"]), "is not a device path"),
    ("grown_devices not a list of strings", dict(BASE, grown_devices={"a": 1}), "grown_devices"),
    ("vgs_command empty", dict(BASE, vgs_command=[]), "vgs_command"),
    ("pvs_command empty", dict(BASE, pvs_command=[]), "pvs_command"),
    ("setup file missing", BASE, "setup_file"),
    ("require_block_device not a boolean", dict(BASE, require_block_device="maybe"), "require_block_device"),
    ("storage_driver unknown", dict(BASE, storage_driver="aufs"), "overlay2"),
    ("storage_driver with new_devices", dict(BASE, storage_driver="overlay2"), "one procedure at a time"),
    ("lvs_command empty", dict(BASE, new_devices=[], storage_driver="overlay2", lvs_command=[]), "lvs_command"),
    ("backend setup file missing", dict(BASE, new_devices=[], storage_driver="overlay2"), "setup_file"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(ocp3_container_storage_plan.main, args, words)
    assert "steps" not in result
