"""ocp3_inventory_host_remove: inputs that cannot work are refused before the inventory is read or written."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_inventory_host_remove

BAD_INPUTS = [
    ("path missing", {"hosts": ["m0"]}, "path"),
    ("hosts missing", {"path": "/etc/hosts"}, "hosts"),
    ("inventory does not exist", {"path": "/nonexistent/hosts", "hosts": ["m0"]}, "does not exist"),
    ("inventory is a directory", {"path": "/tmp", "hosts": ["m0"]}, "is a directory"),
    ("hosts empty", {"path": "/etc/hosts", "hosts": []}, "hosts"),
    ("groups empty", {"path": "/etc/hosts", "hosts": ["m0"], "groups": []}, "groups"),
    ("backup not a boolean", {"path": "/etc/hosts", "hosts": ["m0"], "backup": "maybe"}, "backup"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(ocp3_inventory_host_remove.main, args, words)
    assert "removed" not in result
