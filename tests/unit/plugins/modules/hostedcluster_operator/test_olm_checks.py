"""The decisions of ocp.day2.hostedcluster_operator (olm_checks.py): catalog, install modes, approval, failures."""

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import olm_checks as checks

HEAD = "sriov-network-operator.v4.14.0-202211021237"


def _pm(name="sriov-network-operator", source="redhat-operators", modes=("OwnNamespace", "SingleNamespace")):
    modes_list = [{"type": m, "supported": m in modes} for m in checks_modes()]
    channel = {"name": "stable", "currentCSV": HEAD, "currentCSVDesc": {"installModes": modes_list}}
    status = {"packageName": name, "catalogSource": source, "defaultChannel": "stable", "channels": [channel]}
    return {"metadata": {"name": name}, "status": status}


def checks_modes():
    return ("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces")


@pytest.mark.parametrize(
    "targets, mode",
    [(["ns"], "OwnNamespace"), (["other"], "SingleNamespace"), (["a", "b"], "MultiNamespace"), ([], "AllNamespaces"),
     ([""], "AllNamespaces"), (None, "AllNamespaces")],
)  # fmt: skip
def test_install_mode(targets, mode):
    assert checks.install_mode("ns", targets) == mode


def test_catalog_package_channel_and_mode():
    pm = checks.pick_package([_pm("other"), _pm()], "sriov-network-operator", "redhat-operators")
    assert checks.pick_channel(pm, None)[:2] == ("stable", HEAD)
    assert checks.pick_channel(pm, "stable")[2]["OwnNamespace"] is True
    with pytest.raises(Day2Error, match="not in catalog redhat-operators .*e.g. other, sriov"):
        checks.pick_package([_pm("other"), _pm()], "nope", "redhat-operators")
    with pytest.raises(Day2Error, match="not in catalog certified"):
        checks.pick_package([_pm()], "sriov-network-operator", "certified")
    with pytest.raises(Day2Error, match="no channel 4.99 .*channels: stable; default stable"):
        checks.pick_channel(pm, "4.99")
    modes = checks.pick_channel(pm, None)[2]
    checks.check_mode_supported(modes, "OwnNamespace", HEAD, "ns", ["ns"])
    with pytest.raises(Day2Error, match="does not support the install mode AllNamespaces .*UnsupportedOperatorGroup"):
        checks.check_mode_supported(modes, "AllNamespaces", HEAD, "ns", [])


def test_og_targets_status_first():
    assert checks.og_targets({"spec": {"targetNamespaces": ["a"]}, "status": {"namespaces": [""]}}) == []
    assert checks.og_targets({"spec": {"targetNamespaces": ["a"]}}) == ["a"]


def _ip(csvs, approved=False, phase="RequiresApproval"):
    return {"metadata": {"name": "install-abcde"}, "spec": {"clusterServiceVersionNames": csvs, "approved": approved},
            "status": {"phase": phase}}  # fmt: skip


def test_approval_only_for_the_expected_csv():
    assert checks.approval_decision(_ip([HEAD]), HEAD, True) == "approve"
    assert checks.approval_decision(_ip([HEAD]), HEAD, False) == "pending"
    assert checks.approval_decision(_ip([HEAD], approved=True), HEAD, True) == "wait"
    assert checks.approval_decision(_ip([HEAD], phase="Installing"), "x", True) == "wait"
    with pytest.raises(Day2Error, match="would install .*v4.15.*not the expected .*was not approved"):
        checks.approval_decision(_ip(["sriov-network-operator.v4.15.0"]), HEAD, True)
    with pytest.raises(Day2Error, match="not the expected"):  # a plan with one more CSV (a dependency) is refused too
        checks.approval_decision(_ip([HEAD, "dep.v1"]), HEAD, True)


def test_failures_named_with_reason_and_message():
    conds = [
        {"type": "CatalogSourcesUnhealthy", "status": "False", "reason": "AllCatalogSourcesHealthy"},
        {"type": "ResolutionFailed", "status": "True", "reason": "ConstraintsNotSatisfiable", "message": "none"},
    ]
    sub = {"metadata": {"name": "s"}, "status": {"conditions": conds}}
    assert checks.sub_failure(sub) == "Subscription s: ResolutionFailed=True (ConstraintsNotSatisfiable): none"
    sub["status"]["conditions"][1]["status"] = "False"
    assert checks.sub_failure(sub) is None
    csv = {"metadata": {"name": "c"}, "status": {"phase": "Failed", "reason": "NoOperatorGroup", "message": "none"}}
    assert checks.csv_failure(csv) == "ClusterServiceVersion c is Failed (NoOperatorGroup): none"
    csv["status"]["phase"] = "Installing"
    assert checks.csv_failure(csv) is None
    assert "CSV c Installing (NoOperatorGroup: none)" in checks.describe(sub, _ip([HEAD]), csv)


def test_subscription_spec_and_changes():
    params = {"package": "p", "source": "s", "source_namespace": "m", "install_plan_approval": "Manual",
              "channel": "stable", "starting_csv": None, "config": {"nodeSelector": {"a": ""}}}  # fmt: skip
    spec = checks.wanted_subscription_spec(params)
    assert spec == {"name": "p", "source": "s", "sourceNamespace": "m", "installPlanApproval": "Manual",
                    "channel": "stable", "config": {"nodeSelector": {"a": ""}}}  # fmt: skip
    assert checks.spec_changes(dict(spec, channel="4.13"), spec) == ["channel"]
    assert checks.spec_changes(spec, spec) == []
