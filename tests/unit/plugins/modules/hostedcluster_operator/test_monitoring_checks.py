"""The checks of ocp.day2.hostedcluster_monitoring (monitoring_checks.py) and its merge-patch builder."""

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import monitoring_checks as checks
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.monitoring import merge_body

DROP = {"action": "drop", "regex": "etcd_(debugging|disk|server).*", "sourceLabels": ["__name__"]}


@pytest.mark.parametrize(
    "config, words",
    [({}, "sre_config is empty"),
     ({"kubeApiServer": [DROP]}, "component 'kubeApiServer'"),
     ({"etcd": DROP}, "must be a list"),
     ({"etcd": [dict(DROP, source_labels=["x"])]}, "has source_labels"),
     ({"etcd": [dict(DROP, action="delete")]}, "action 'delete' is not one of"),
     ({"etcd": [dict(DROP, regex="etcd_(")]}, "does not compile"),
     ({"etcd": [dict(DROP, sourceLabels=["__name__", "1le"])]}, "label names"),
     ({"etcd": [{"action": "keep", "regex": "x"}]}, "needs sourceLabels"),
     ({"etcd": [{"action": "hashmod", "sourceLabels": ["a"], "targetLabel": "t"}]}, "needs modulus"),
     ({"etcd": [{"action": "lowercase", "sourceLabels": ["a"]}]}, "needs targetLabel")],
)  # fmt: skip
def test_sre_config_refusals(config, words):
    with pytest.raises(Day2Error, match=words):
        checks.check_sre_config(config)


def test_sre_config_of_the_seed_passes():
    checks.check_sre_config({"kubeAPIServer": [DROP, dict(DROP, action="Drop", sourceLabels=["__name__", "le"])],
                             "cvo": [DROP], "hostedClusterConfigOperator": []})  # fmt: skip


def test_template_and_clusters():
    warnings = []
    checks.check_template('{"title": "x"}', warnings)
    assert "none of __NAME__" in warnings[0]
    with pytest.raises(Day2Error, match="not JSON"):
        checks.check_template("title: x", [])
    with pytest.raises(Day2Error, match="metrics_forwarding='Yes'"):
        checks.check_hosted_clusters([{"name": "a", "metrics_forwarding": "Yes"}])
    with pytest.raises(Day2Error, match="sets nothing"):
        checks.check_hosted_clusters([{"name": "a"}])
    with pytest.raises(Day2Error, match="goes with metrics_forwarding=Forward"):
        checks.check_hosted_clusters([{"name": "a", "metrics_forwarding": "None", "forwarding_metrics_set": "All"}])
    entry = {"name": "a", "metrics_set": "SRE", "metrics_forwarding": "Forward", "forwarding_metrics_set": "All"}
    checks.check_hosted_clusters([entry])
    forwarding = {"mode": "Forward", "metricsSet": "All"}
    assert checks.wanted_monitoring(entry) == {"metricsSet": "SRE", "metricsForwarding": forwarding}


def test_flags_and_env():
    data = {"installFlagsToAdd": "--a --monitoring-dashboards", "installFlagsToRemove": "--monitoring-dashboards --b"}
    assert checks.flags_after(data, True) == {"installFlagsToAdd": "--a --monitoring-dashboards",
                                              "installFlagsToRemove": "--b"}  # fmt: skip
    assert checks.flags_after(data, False)["installFlagsToAdd"] == "--a"
    only = {"installFlagsToAdd": "--monitoring-dashboards", "installFlagsToRemove": ""}
    assert checks.flags_after(None, True) == only
    dep = {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar"}, {"name": "operator", "env": [{"name": "METRICS_SET", "value": "All"}]}]}}}}  # fmt: skip
    assert checks.env_value(dep, "METRICS_SET", "operator") == "All"
    out = checks.containers_with_env(dep, "METRICS_SET", None, "operator")
    assert out[1]["env"] == [] and out[0] == {"name": "sidecar"}
    assert checks.same_set("", "telemetry") and checks.same_set("sre", "SRE") and not checks.same_set("All", "SRE")


def test_merge_body_removes_what_is_gone():
    old = {"metricsSet": "All", "metricsForwarding": {"mode": "Forward", "metricsSet": "SRE"}}
    new = {"metricsForwarding": {"mode": "None"}}
    assert merge_body(old, new) == {"metricsSet": None, "metricsForwarding": {"mode": "None", "metricsSet": None}}
