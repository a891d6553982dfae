"""hostedcluster_operator and hostedcluster_monitoring: every option given the wrong way is refused before
the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import hostedcluster_monitoring, hostedcluster_operator

MAIN = {"operator": hostedcluster_operator.main, "monitoring": hostedcluster_monitoring.main}
MON = {"metrics_set": "All"}
OP = {"namespace": "openshift-sriov-network-operator", "package": "sriov-network-operator"}

BAD_INPUTS = [
    ("operator: namespace upper case", dict(OP, namespace="SRIOV"), ["namespace=", "not a valid Kubernetes"]),
    ("operator: package empty", dict(OP, package=""), "package is empty"),
    ("operator: package missing", {"namespace": "x"}, "package"),
    ("operator: source with slash", dict(OP, source="s/qe-app-registry/redhat-operators"), "source="),
    ("operator: approval misspelt", dict(OP, install_plan_approval="manual"), "install_plan_approval"),
    ("operator: target namespace bad", dict(OP, target_namespaces=["Bad_NS"]), "target_namespaces="),
    ("operator: config unknown key", dict(OP, config={"nodeselector": {}}), "spec.config does not take"),
    ("operator: channel blank", dict(OP, channel=" "), "channel is empty"),
    ("operator: poll 0", dict(OP, poll_interval=0), "poll_interval"),
    ("operator: wait negative", dict(OP, wait_timeout=-1), "wait_timeout"),
    ("operator: expected csv name", dict(OP, expected_csv="CSV 1"), "expected_csv="),
    ("operator: expected csv, automatic", dict(OP, expected_csv="x.v1"), "install_plan_approval=Manual"),
    ("operator: API unreachable", dict(OP, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API"),
    ("monitoring: nothing to do", {}, "Nothing to do"),
    ("monitoring: metrics set misspelt", {"metrics_set": "all"}, "metrics_set"),
    ("monitoring: SRE component unknown", {"sre_config": {"apiserver": []}}, "component 'apiserver'"),
    (
        "monitoring: SRE regex broken",
        {"sre_config": {"etcd": [{"action": "drop", "regex": "(", "sourceLabels": ["__name__"]}]}},
        "does not compile",
    ),
    ("monitoring: template not JSON", {"dashboard_template": "<xml/>"}, "not JSON"),
    ("monitoring: forwarding mode", {"hosted_clusters": [{"name": "a", "metrics_forwarding": "On"}]}, "Forward, None"),
    ("monitoring: cluster name", {"hosted_clusters": [{"name": "A_1", "metrics_set": "All"}]}, "not a valid"),
    ("monitoring: poll 0", dict(MON, poll_interval=0), "poll_interval"),
    ("monitoring: operator namespace", dict(MON, operator_namespace="Hyper"), "operator_namespace="),
    ("monitoring: API unreachable", dict(MON, host="{closed}", api_key="unit-token"), "Cannot reach the"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(MAIN[case.split(":", 1)[0]], args, words)
