"""The AWX examples in docs/awx set only variables the roles declare.

Every job template (awx.awx.job_template task) in docs/awx/*.yml names a playbook of this repository; every
variable it sets (extra_vars and survey questions) must be declared in the meta/argument_specs.yml of a role that
playbook includes, be a collection-wide ocp_day2_* variable, or be a variable the playbook itself reads
(e.g. hostedcluster_hosts). Credential types may inject only collection-wide variables. A role without
argument_specs yet is skipped, with a warning.
"""

import glob
import os
import re
import warnings

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "docs", "awx", "*.yml")))
COLLECTION_WIDE = {
    "ocp_day2_kubeconfig",
    "ocp_day2_context",
    "ocp_day2_validate_certs",
    "ocp_day2_aws_access_key",
    "ocp_day2_aws_secret_key",
    "ocp_day2_aws_session_token",
    "ocp_day2_aws_profile",
    "ocp_day2_aws_region",
    "ocp_day2_aws_endpoint_url",
}


def tasks_of(path, module):
    with open(path) as f:
        plays = yaml.safe_load(f)
    if not isinstance(plays, list):  # an inventory source, not a playbook
        return []
    found = []
    for play in plays:
        for task in play.get("tasks") or []:
            for key in (module, module.rsplit(".", 1)[-1]):
                if key in task:
                    found.append((task.get("name", "?"), task[key]))
    return found


def job_templates():
    out = []
    for path in EXAMPLES:
        for name, args in tasks_of(path, "awx.awx.job_template"):
            out.append(pytest.param(path, args, id="%s:%s" % (os.path.basename(path), args.get("name", name))))
    return out


def playbook_roles(playbook):
    """Roles a playbook of the collection includes, and the variables its play header reads."""
    with open(os.path.join(ROOT, playbook)) as f:
        text = f.read()
    roles = sorted(set(re.findall(r"name:\s*ocp\.day2\.([a-z0-9_]+)", text)))
    header_vars = set()
    for play in yaml.safe_load(text):
        header_vars |= set(re.findall(r"\{\{\s*([a-z_][a-z0-9_]*)", str(play.get("hosts", ""))))
    return roles, header_vars


def role_options(role):
    path = os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        specs = yaml.safe_load(f)["argument_specs"]
    options = set()
    for entry in specs.values():
        options |= set((entry.get("options") or {}).keys())
    return options


def variables_set(args):
    names = set((args.get("extra_vars") or {}).keys())
    for question in (args.get("survey_spec") or {}).get("spec") or []:
        names.add(question["variable"])
    return names


def undeclared(args):
    """(roles without argument_specs, variables not declared anywhere) for one job template."""
    roles, header_vars = playbook_roles(args["playbook"])
    assert roles, "%s includes no ocp.day2 role" % args["playbook"]
    declared, missing_specs = set(COLLECTION_WIDE) | header_vars, []
    for role in roles:
        options = role_options(role)
        if options is None:
            missing_specs.append(role)
        else:
            declared |= options
    return missing_specs, sorted(variables_set(args) - declared)


def test_examples_exist():
    assert job_templates(), "no awx.awx.job_template task in docs/awx/*.yml"
    playbooks = {p.values[1]["playbook"] for p in job_templates()}
    assert {
        "playbooks/hostedcluster_etcd_backup.yml",
        "playbooks/hostedcluster_etcd_restore.yml",
        "playbooks/hostedcluster_migrate.yml",
        "playbooks/hostedcluster_upgrade.yml",
    } <= playbooks


@pytest.mark.parametrize("path,args", job_templates())
def test_job_template_variables_are_declared(path, args):
    assert os.path.exists(os.path.join(ROOT, args["playbook"])), "%s: no playbook %s" % (path, args["playbook"])
    missing_specs, wrong = undeclared(args)
    if missing_specs:
        message = "%s: role(s) %s have no meta/argument_specs.yml yet; variables %s NOT CHECKED" % (
            args["name"],
            ", ".join(missing_specs),
            ", ".join(sorted(variables_set(args))),
        )
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    assert not wrong, "%s (%s) sets variables no role of %s declares: %s" % (
        args["name"],
        os.path.basename(path),
        args["playbook"],
        ", ".join(wrong),
    )
    for question in (args.get("survey_spec") or {}).get("spec") or []:
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question.get("choices"), "%s: %s has no choices" % (args["name"], question["variable"])


def test_the_check_can_fail():
    """A job template with a misspelt variable is caught."""
    args = {
        "name": "bad",
        "playbook": "playbooks/hostedcluster_etcd_backup.yml",
        "extra_vars": {"hostedcluster_etcd_backup_s3_bukket": "x", "ocp_day2_aws_region": "eu-west-1"},
        "survey_spec": {"spec": [{"variable": "hostedcluster_hosts", "type": "text"}]},
    }
    assert undeclared(args) == ([], ["hostedcluster_etcd_backup_s3_bukket"])


def test_credential_types_inject_collection_wide_variables():
    injected = set()
    for path in EXAMPLES:
        for _name, args in tasks_of(path, "awx.awx.credential_type"):
            injected |= set(((args.get("injectors") or {}).get("extra_vars") or {}).keys())
            env = (args.get("injectors") or {}).get("env") or {}
            assert set(env) <= {"K8S_AUTH_KUBECONFIG", "AWS_CA_BUNDLE"}, env
    assert injected and injected <= COLLECTION_WIDE, injected - COLLECTION_WIDE


def test_inventory_source_options_exist():
    """The example inventory source uses only options the plugin documents."""
    from ansible_collections.ocp.day2.plugins.inventory import hostedclusters

    doc = yaml.safe_load(hostedclusters.DOCUMENTATION)
    known = set(doc["options"]) | {"compose", "groups", "keyed_groups", "strict", "leading_separator"}
    known |= {"use_extra_vars", "cache", "cache_plugin", "cache_timeout", "cache_connection", "cache_prefix"}
    for path in EXAMPLES:
        with open(path) as f:
            data = yaml.safe_load(f)
        if isinstance(data, dict) and data.get("plugin") == "ocp.day2.hostedclusters":
            assert set(data) <= known, set(data) - known
            for entry in data["management_clusters"]:
                assert set(entry) <= {"name", "kubeconfig", "context", "validate_certs", "namespaces", "vars"}
