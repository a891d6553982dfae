"""hostedcluster_upgrade and hostedcluster_upgrade_plan: every option given the wrong way is refused before the API
is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import hostedcluster_upgrade, hostedcluster_upgrade_plan

PLAN = {"name": "example", "namespace": "clusters", "target_version": "4.14.9"}
STEP = dict(PLAN, step="control_plane")

BAD_INPUTS = [
    ("plan: no target", {"name": "example"}, ["one of the following is required", "target_version"]),
    ("plan: both targets", dict(PLAN, target_image="quay.io/x:4.14.9"), "mutually exclusive"),
    ("plan: version not x.y.z", dict(PLAN, target_version="4.14"), "not a version x.y.z"),
    ("plan: version empty", dict(PLAN, target_version=""), "target_version is empty"),
    ("plan: image blank", {"name": "example", "target_image": " "}, "target_image is empty"),
    ("plan: name upper case", dict(PLAN, name="Example"), "not a valid Kubernetes"),
    ("plan: namespace empty", dict(PLAN, namespace=""), "namespace is empty"),
    ("plan: nodepools all and names", dict(PLAN, nodepools=["all", "np0"]), "'all' cannot be combined"),
    ("plan: nodepool malformed", dict(PLAN, nodepools=["NP_0"]), "not a valid Kubernetes"),
    ("plan: batch size negative", dict(PLAN, batch_size=-1), "batch_size=-1 is negative"),
    ("plan: channel empty", dict(PLAN, channel=""), "channel is empty"),
    ("plan: risk empty", dict(PLAN, accept_risks=[""]), "accept_risks is empty"),
    ("step missing", PLAN, "step"),
    ("step misspelt", dict(STEP, step="controlplane"), ["step", "channel, control_plane, nodepools"]),
    ("action misspelt", dict(STEP, action="begin"), ["action", "start, wait"]),
    ("drain timeout not a duration", dict(STEP, node_drain_timeout="10 minutes"), "node_drain_timeout="),
    ("drain timeout negative", dict(STEP, node_drain_timeout="-5m"), "node_drain_timeout="),
    ("backup max age not a duration", dict(STEP, backup_max_age="yesterday"), "is not a duration"),
    ("backup manifest a string", dict(STEP, backup_manifest="manifest.json"), "backup_manifest"),
    ("wait timeout negative", dict(STEP, wait_timeout=-1), "wait_timeout=-1 is negative"),
    ("timeout_at not a number", dict(STEP, timeout_at="soon"), "timeout_at"),
    ("API unreachable", dict(STEP, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    main = hostedcluster_upgrade_plan.main if case.startswith("plan:") else hostedcluster_upgrade.main
    refuse(main, args, words)
