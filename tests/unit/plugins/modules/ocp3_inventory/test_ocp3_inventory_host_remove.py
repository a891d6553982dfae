"""ocp3_inventory_host_remove (002 §5.2.1, §5.3.1): the retired host's lines leave [masters], [etcd], [nodes] and
[new_*] of an INI inventory; comments, host variables, other hosts, other groups and :vars/:children sections stay
byte for byte; a range pattern and a YAML inventory are refused; check mode, diff, backup 0600 and idempotence."""

import os

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.modules import ocp3_inventory_host_remove as mod

INVENTORY = """# cluster inventory
[OSEv3:children]
masters
nodes
etcd

[OSEv3:vars]
ansible_user=root
master-0.example.com=not-a-host-line

[masters]
master-0.example.com   # the first master
Master-2.example.com
master-1.example.com

[etcd]
master-0.example.com
master-1.example.com
master-2.example.com

[nodes]
; a semicolon comment naming master-2.example.com
master-0.example.com openshift_node_group_name='node-config-master'
master-2.example.com openshift_node_group_name='node-config-master' openshift_schedulable=true
master-20.example.com openshift_node_group_name='node-config-master'
node-1.example.com openshift_node_group_name='node-config-compute'

[new_nodes]
master-2.example.com

[lb]
master-2.example.com
"""
GROUPS = ["masters", "etcd", "nodes", "new_*"]
EXPECTED = (
    INVENTORY.replace("Master-2.example.com\n", "")
    .replace("master-1.example.com\nmaster-2.example.com\n\n[nodes]", "master-1.example.com\n\n[nodes]")
    .replace("master-2.example.com openshift_node_group_name='node-config-master' openshift_schedulable=true\n", "")
    .replace("[new_nodes]\nmaster-2.example.com\n", "[new_nodes]\n")
)


def test_only_the_host_lines_of_the_groups_go():
    after, removed = mod.remove_hosts(INVENTORY, ["master-2.example.com"], GROUPS)
    assert [r["group"] for r in removed] == ["masters", "etcd", "nodes", "new_nodes"]
    assert removed[2]["line"].endswith("openshift_schedulable=true")
    assert after == EXPECTED
    assert "[lb]\nmaster-2.example.com\n" in after and "; a semicolon comment naming master-2.example.com" in after
    assert "master-20.example.com" in after and "master-0.example.com   # the first master" in after
    assert after.count("\n") == INVENTORY.count("\n") - 4
    again, none = mod.remove_hosts(after, ["master-2.example.com"], GROUPS)
    assert none == [] and again == after


def test_a_range_pattern_is_refused():
    text = "[nodes]\nnode[01:03].example.com\nnode-x.example.com\n"
    with pytest.raises(Day2Error, match=r"node\[01:03\].example.com in \[nodes\]"):
        mod.remove_hosts(text, ["node02.example.com"], GROUPS)
    assert mod.remove_hosts(text, ["node04.example.com"], GROUPS)[1] == []
    assert mod._expand("n[1:5:2]") == ["n1", "n3", "n5"]


@pytest.mark.parametrize(
    "name, text, yaml",
    [
        ("hosts", INVENTORY, False),
        ("hosts.yml", "[nodes]\na\n", True),
        ("hosts", "---\nall:\n  children: {}\n", True),
        ("hosts", "# c\nall:\n  hosts: {}\n", True),
        ("hosts", "ungrouped-host\n[nodes]\na\n", False),
    ],
)
def test_yaml_is_told_apart(name, text, yaml):
    assert mod.looks_like_yaml(name, text) is yaml


def test_module_check_mode_diff_backup_and_yaml_refusal(tmp_path, run_main):
    inv = tmp_path / "hosts"
    inv.write_text(INVENTORY)
    os.chmod(inv, 0o644)
    args = {"path": str(inv), "hosts": ["master-2", "master-2.example.com"]}
    planned = run_main(mod.main, args, check=True, diff=True)
    assert planned["changed"] and len(planned["removed"]) == 4 and inv.read_text() == INVENTORY, planned
    assert planned["diff"]["after"] == EXPECTED and planned["diff"]["before"] == INVENTORY
    done = run_main(mod.main, args)
    assert done["changed"] and done["backup_file"] and inv.read_text() == planned["diff"]["after"]
    with open(done["backup_file"]) as f:
        assert os.stat(done["backup_file"]).st_mode & 0o777 == 0o600 and f.read() == INVENTORY
    assert os.stat(inv).st_mode & 0o777 == 0o644
    again = run_main(mod.main, args)
    assert not again["changed"] and again["removed"] == [] and again["backup_file"] == ""
    yml = tmp_path / "hosts.yml"
    yml.write_text("all:\n  children:\n    masters:\n      hosts:\n        master-2.example.com: {}\n")
    refused = run_main(mod.main, dict(args, path=str(yml)))
    assert refused["failed"] and "by hand" in refused["msg"] and "master-2.example.com" in yml.read_text()
