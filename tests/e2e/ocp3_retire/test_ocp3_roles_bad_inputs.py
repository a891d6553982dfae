"""Bad variables of the issue-11 roles and options (ocp3_etcd_member, ocp3_e2e_check, ocp3_pvc_restore,
ocp3_registry_config, ocp3_host_retire, and the new variables of ocp3_host_restore, ocp3_etcd_restore,
ocp3_health_check, ocp3_project_restore): refused by argument_specs, or by the role's first check, before anything
is touched, the message naming the variable. One ansible-playbook run for all cases."""

from __future__ import annotations

import json

import pytest

from tests.harness.ansible import run_playbook, write_playbook

VALIDATION_TASK = "Validating arguments against arg spec"
MEMBER = {"ocp3_etcd_member_action": "add", "ocp3_etcd_member_host": "etcd-3"}
HOST_RESTORE = {"ocp3_host_restore_name": "master-0", "ocp3_host_restore_files": ["/etc/origin"]}
CASES = [
    ("ocp3_etcd_member", {"ocp3_etcd_member_host": "etcd-3"}, "ocp3_etcd_member_action"),
    ("ocp3_etcd_member", dict(MEMBER, ocp3_etcd_member_action="grow"), "add, remove"),
    ("ocp3_etcd_member", dict(MEMBER, ocp3_etcd_member_wait_timeout="2m"), "ocp3_etcd_member_wait_timeout"),
    ("ocp3_etcd_member", dict(MEMBER, ocp3_etcd_member_stop_method="kill"), "command, static_pod"),
    ("ocp3_etcd_member", MEMBER, "ocp3_etcd_member_host"),  # etcd-3 is not a host of the play
    ("ocp3_e2e_check", {"ocp3_e2e_check_timeout": "5m"}, "ocp3_e2e_check_timeout"),
    ("ocp3_e2e_check", {"ocp3_e2e_check_registry_insecure": "perhaps"}, "registry_insecure"),
    ("ocp3_pvc_restore", {}, "ocp3_pvc_restore_src"),
    ("ocp3_pvc_restore", {"ocp3_pvc_restore_src": "/x", "ocp3_pvc_restore_delete_extra": "maybe"}, "delete_extra"),
    ("ocp3_pvc_restore", {"ocp3_pvc_restore_src": "/x", "ocp3_pvc_restore_workload": "demo"}, "restore_workload"),
    ("ocp3_registry_config", {"ocp3_registry_config_format": "ini"}, "toml, yaml"),
    ("ocp3_registry_config", {"ocp3_registry_config_ca_certs": [{"registry": "r.example.com"}]}, "src"),
    ("ocp3_registry_config", {"ocp3_registry_config_registries": ["all"]}, "block list"),
    ("ocp3_host_retire", {}, "ocp3_host_retire_node"),
    ("ocp3_host_retire", {"ocp3_host_retire_node": "n1", "ocp3_host_retire_type": "infra"}, "node, master"),
    ("ocp3_host_retire", {"ocp3_host_retire_node": "n1", "ocp3_host_retire_min_remaining": "two"}, "min_remaining"),
    ("ocp3_host_restore", dict(HOST_RESTORE, ocp3_host_restore_node_action="halt"), "restart, reboot, none"),
    ("ocp3_host_restore", dict(HOST_RESTORE, ocp3_host_restore_type="infra"), "auto, master, node"),
    (
        "ocp3_etcd_restore",
        {"ocp3_etcd_restore_manifest": "/m.json", "ocp3_etcd_restore_stop_method": "kill"},
        "static_pod, command",
    ),  # fmt: skip
    ("ocp3_health_check", {"ocp3_health_check_api_port": "https"}, "ocp3_health_check_api_port"),
    ("ocp3_health_check", {"ocp3_health_check_checks": ["mtu_registri"]}, "mtu_registri"),
    ("ocp3_project_restore", {"ocp3_project_restore_src": "/x", "ocp3_project_restore_rename": "perhaps"}, "rename"),
]


def _play():
    blocks = []
    for index, (role, variables, _words) in enumerate(CASES):
        blocks.append(
            {
                "name": "Case %d" % index,
                "block": [{"ansible.builtin.include_role": {"name": "ocp.day2." + role}, "vars": dict(variables)}],
                "rescue": [
                    {
                        "ansible.builtin.set_fact": {
                            "seen": "{{ seen | combine({'%d': {'task': ansible_failed_task.name, "
                            "'msg': ansible_failed_result.msg | default(''), "
                            "'changed': ansible_failed_result.changed | default(false)}}) }}" % index
                        }
                    }
                ],
            }
        )
    blocks.append({"ansible.builtin.copy": {"content": "{{ seen | to_json }}", "dest": "{{ out }}", "mode": "0600"}})
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "vars": {"seen": {}}, "tasks": blocks}]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ocp3-roles")
    out = tmp / "seen.json"
    result = run_playbook(write_playbook(tmp, json.dumps(_play())), extra_vars={"out": str(out)}, timeout=600)
    assert result.rc == 0 and out.exists(), result
    seen = json.loads(out.read_text())
    return [seen.get(str(i)) for i in range(len(CASES))]


@pytest.mark.parametrize("index", range(len(CASES)), ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_bad_role_variables_are_refused_first(outcomes, index):
    role, _variables, words = CASES[index]
    got = outcomes[index]
    assert got is not None, "%s accepted the bad variables" % role
    first_check = got["task"].startswith("Check the") or "at step 'Check the" in got["msg"]
    assert got["task"].startswith(VALIDATION_TASK) or first_check, "%s failed later, in %r: %s" % (
        role,
        got["task"],
        got["msg"],
    )
    assert words in got["msg"], got
    assert not got["changed"]
