"""The schedule examples are valid: every YAML block of docs/backup_schedules.md parses, the CronJob is a sound
batch/v1 CronJob running a playbook of this collection with variables its roles declare, and the AWX schedule in
docs/awx/schedules.yml points at a job template that exists, with a valid rule and retention policy."""

import glob
import os
import re

import pytest
import yaml

from ansible_collections.ocp.day2.plugins.module_utils.retention import check_policy

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))
DOC = os.path.join(ROOT, "docs", "backup_schedules.md")
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
COLLECTION_WIDE = {"ocp_day2_kubeconfig", "ocp_day2_context", "ocp_day2_validate_certs", "ocp_day2_aws_region",
                   "ocp_day2_aws_endpoint_url", "ocp_day2_aws_profile"}  # fmt: skip


def yaml_blocks(path=DOC):
    with open(path) as f:
        text = f.read()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks, "no yaml block in %s" % path
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc is not None]


def role_options(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as f:
        specs = yaml.safe_load(f)["argument_specs"]
    return {name for entry in specs.values() for name in (entry.get("options") or {})}


def cronjob_problems(docs):
    """Everything wrong with the CronJob example and what it mounts, as a list of texts."""
    problems = []
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    [cron] = by_kind["CronJob"]
    spec = cron["spec"]
    fields = spec["schedule"].split()
    if len(fields) != 5 or not all(CRON_FIELD.match(f) for f in fields):
        problems.append("schedule %r is not a 5-field cron expression" % spec["schedule"])
    if spec.get("concurrencyPolicy") != "Forbid":
        problems.append("two backups of a cluster must never run at once: concurrencyPolicy Forbid")
    job = spec["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    if not job.get("activeDeadlineSeconds"):
        problems.append("no activeDeadlineSeconds: a hung run would hold the schedule")
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problems.append("restartPolicy must be Never or OnFailure")
    [container] = pod["containers"]
    argv = container["command"] + container["args"]
    if argv[0] != "ansible-playbook":
        problems.append("the container does not run ansible-playbook")
    playbook = [a for a in argv if a.startswith("ocp.day2.")]
    if len(playbook) != 1 or not os.path.exists(os.path.join(ROOT, "playbooks", playbook[0][9:] + ".yml")):
        problems.append("no playbook of the collection in %s" % argv)
    mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts") or []}
    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    for volume in pod.get("volumes") or []:
        cm = configmaps.get((volume.get("configMap") or {}).get("name"))
        if volume["name"] not in mounts or cm is None:
            problems.append("volume %s is not mounted or its ConfigMap is not in the example" % volume["name"])
            continue
        for arg in argv:
            path = arg.lstrip("@")
            if path.startswith(mounts[volume["name"]] + "/") and os.path.basename(path) not in cm["data"]:
                problems.append("%s is not a key of ConfigMap %s" % (path, cm["metadata"]["name"]))
        if "vars.yml" in cm["data"]:
            variables = yaml.safe_load(cm["data"]["vars.yml"])
            wrong = set(variables) - role_options("hostedcluster_etcd_backup") - COLLECTION_WIDE
            if wrong:
                problems.append("vars.yml sets variables no role declares: %s" % ", ".join(sorted(wrong)))
            check_policy(variables.get("hostedcluster_etcd_backup_retention"))
        if "hostedclusters.yml" in cm["data"]:
            inventory = yaml.safe_load(cm["data"]["hostedclusters.yml"])
            if inventory.get("plugin") != "ocp.day2.hostedclusters":
                problems.append("the inventory is not the ocp.day2.hostedclusters plugin")
    account = pod.get("serviceAccountName")
    bound = [s for b in by_kind.get("ClusterRoleBinding", []) for s in b["subjects"] if s["name"] == account]
    if account not in {a["metadata"]["name"] for a in by_kind.get("ServiceAccount", [])} or not bound:
        problems.append("service account %s is not defined and bound in the example" % account)
    return problems


def test_cronjob_example_is_sound():
    assert cronjob_problems(yaml_blocks()) == []


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("spec", "schedule"), "every 6 hours", "cron"),
        (("spec", "concurrencyPolicy"), "Allow", "Forbid"),
        (("spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "args", 4), "ocp.day2.nope", "playbook"),
    ],
)
def test_the_check_can_fail(path, value, words):
    docs = yaml_blocks()
    cron = next(d for d in docs if d["kind"] == "CronJob")
    node = cron
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert any(words in p for p in cronjob_problems(docs))


def test_awx_schedule_points_at_a_job_template_with_a_valid_rule_and_policy():
    templates, schedules = {}, []
    for path in glob.glob(os.path.join(ROOT, "docs", "awx", "*.yml")):
        with open(path) as f:
            plays = yaml.safe_load(f)
        if not isinstance(plays, list):
            continue
        for task in (t for play in plays for t in play.get("tasks") or []):
            if "awx.awx.job_template" in task:
                templates[task["awx.awx.job_template"]["name"]] = task["awx.awx.job_template"]
            if "awx.awx.schedule" in task:
                schedules.append(task["awx.awx.schedule"])
    assert schedules
    for schedule in schedules:
        template = templates[schedule["unified_job_template"]]
        assert re.match(r"^DTSTART:\d{8}T\d{6}Z RRULE:FREQ=(HOURLY|DAILY|WEEKLY);INTERVAL=\d+$", schedule["rrule"])
        policy = template["extra_vars"].get("hostedcluster_etcd_backup_retention")
        assert policy and check_policy(policy)
    preview = templates["ocp.day2 backup retention preview"]
    assert preview["job_type"] == "check" and check_policy(preview["extra_vars"]["backup_retention_policy"])
