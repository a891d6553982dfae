"""hostedcluster_nodepool_config, hostedcluster_nodepool_scale, hostedcluster_must_gather, hostedcluster_delete:
every option given the wrong way is refused before the API, a command or the disk is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import (
    hostedcluster_configuration,
    hostedcluster_delete,
    hostedcluster_must_gather,
    hostedcluster_nodepool_config,
    hostedcluster_nodepool_scale,
)

MAIN = {
    "config": hostedcluster_nodepool_config.main,
    "scale": hostedcluster_nodepool_scale.main,
    "gather": hostedcluster_must_gather.main,
    "delete": hostedcluster_delete.main,
    "configuration": hostedcluster_configuration.main,
}
MC = {
    "apiVersion": "machineconfiguration.openshift.io/v1",
    "kind": "MachineConfig",
    "metadata": {"name": "99-worker-motd"},
    "spec": {"config": {"ignition": {"version": "3.2.0"}}},
}
TUNED = {
    "apiVersion": "tuned.openshift.io/v1",
    "kind": "Tuned",
    "metadata": {"name": "tuned-1"},
    "spec": {"profile": [{"name": "p", "data": "[main]\n"}], "recommend": [{"priority": 20, "profile": "p"}]},
}
CONFIG = {"name": "example", "machine_configs": [MC]}
SCALE = {"name": "example"}
GATHER = {"name": "example", "dest": "{dir}"}
DELETE = {"name": "example"}
OIDC = {"name": "IAM", "type": "OpenID", "openID": {"clientID": "c", "clientSecret": {"name": "s"},
                                                    "issuer": "https://idp.example.com"}}  # fmt: skip


def _idp(**changes):
    return {"name": "example", "identity_providers": [dict(OIDC, **changes)]}


def _oidc(**changes):
    return _idp(openID=dict(OIDC["openID"], **changes))


def _mc(**changes):
    obj = {k: (dict(v) if isinstance(v, dict) else v) for k, v in MC.items()}
    obj.update(changes)
    return dict(CONFIG, machine_configs=[obj])


BAD_INPUTS = [
    ("config: name upper case", dict(CONFIG, name="Example"), ["name=", "not a valid Kubernetes"]),
    ("config: nothing to apply", dict(CONFIG, machine_configs=[]), "at least one object"),
    ("config: wrong kind", _mc(kind="KubeletConfig"), ["kind MachineConfig"]),
    ("config: wrong apiVersion", _mc(apiVersion="machineconfiguration.openshift.io/v2"), "apiVersion"),
    ("config: no name", _mc(metadata={}), "metadata.name"),
    ("config: name not DNS", _mc(metadata={"name": "Motd_1"}), "not a valid Kubernetes"),
    (
        "config: master role",
        _mc(metadata={"name": "m", "labels": {"machineconfiguration.openshift.io/role": "master"}}),
        "role 'worker'",
    ),  # fmt: skip
    ("config: namespaced", _mc(metadata={"name": "m", "namespace": "clusters"}), "cluster-scoped"),
    ("config: ignition 2", _mc(spec={"config": {"ignition": {"version": "2.2.0"}}}), "3.0.0 to 3.5.0"),
    ("config: no ignition", _mc(spec={}), "spec.config.ignition.version"),
    ("config: twice", dict(CONFIG, machine_configs=[MC, MC]), "given twice"),
    ("config: tuned without profile", dict(CONFIG, tuned=[dict(TUNED, spec={})]), "spec.profile"),
    (
        "config: tuned profile without data",
        dict(CONFIG, tuned=[dict(TUNED, spec={"profile": [{"name": "p"}]})]),
        "name and its data",
    ),  # fmt: skip
    (
        "config: tuned other namespace",
        dict(CONFIG, tuned=[dict(TUNED, metadata={"name": "t", "namespace": "x"})]),
        "openshift-cluster-node-tuning-operator",
    ),  # fmt: skip
    (
        "config: tuned recommend without profile",
        dict(CONFIG, tuned=[dict(TUNED, spec=dict(TUNED["spec"], recommend=[{}]))]),
        "spec.recommend[0]",
    ),  # fmt: skip
    ("config: object not a mapping", dict(CONFIG, machine_configs=["99-worker-motd"]), "machine_configs"),
    ("config: restored without previous", dict(CONFIG, state="restored", machine_configs=[]), "needs previous"),
    ("config: previous with present", dict(CONFIG, previous={"configmaps": {}}), "only used with state=restored"),
    ("config: poll_interval 0", dict(CONFIG, poll_interval=0), "poll_interval"),
    ("config: wait_timeout negative", dict(CONFIG, wait_timeout=-1), "wait_timeout"),
    ("config: all and names", dict(CONFIG, nodepools=["all", "np-0"]), "'all' cannot be combined"),
    ("config: API unreachable", dict(CONFIG, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API"),
    ("scale: state misspelt", dict(SCALE, state="down"), ["state", "zero, restored"]),
    ("scale: drain 0s", dict(SCALE, drain_timeout="0s"), ["drain_timeout", "above 0"]),
    ("scale: drain in days", dict(SCALE, drain_timeout="1d"), "Go duration"),
    ("scale: drain without unit", dict(SCALE, drain_timeout="60"), "Go duration"),
    ("scale: nodepool malformed", dict(SCALE, nodepools=["NP_0"]), "nodepools="),
    ("scale: poll_interval negative", dict(SCALE, poll_interval=-1), "poll_interval"),
    ("scale: API unreachable", dict(SCALE, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API"),
    ("gather: dest is a file", dict(GATHER, dest="{file}"), ["dest=", "is a file"]),
    ("gather: dest read-only", dict(GATHER, dest="{ro}/mg"), "cannot be written"),
    ("gather: dest missing", {"name": "example"}, "dest"),
    ("gather: mce_version 2", dict(GATHER, mce_version="2"), "X.Y"),
    ("gather: oc misspelt", dict(GATHER, oc_must_gather="yes"), "oc_must_gather"),
    ("gather: negative tail", dict(GATHER, log_tail_lines=-5), "log_tail_lines"),
    ("gather: empty image", dict(GATHER, must_gather_image=""), "must_gather_image is empty"),
    ("gather: API unreachable", dict(GATHER, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API"),
    ("delete: name empty", dict(DELETE, name=""), "name is empty"),
    ("delete: namespace too long", dict(DELETE, namespace="n" * 60), "longer than 63"),
    ("delete: wait_timeout negative", dict(DELETE, wait_timeout=-1), "wait_timeout"),
    ("delete: strip not a bool", dict(DELETE, strip_finalizers="maybe"), "strip_finalizers"),
    ("configuration: nothing to do", {"name": "example"}, "identity_providers and/or feature_set"),
    ("configuration: issuer http", _oidc(issuer="http://idp.example.com"), ["issuer", "https"]),
    ("configuration: issuer with query", _oidc(issuer="https://idp.example.com/?a=b"), "without query or fragment"),
    ("configuration: issuer with fragment", _oidc(issuer="https://idp.example.com/#x"), "without query or fragment"),
    ("configuration: no client secret", _oidc(clientSecret={}), "clientSecret.name"),
    ("configuration: unknown type", _idp(type="SAML"), "type 'SAML' is not one of"),
    ("configuration: settings under another key", _idp(type="HTPasswd"), "settings under htpasswd"),
    ("configuration: two kinds of settings", _idp(htpasswd={"fileData": {"name": "h"}}), "only openID may be set"),
    ("configuration: name with a colon", _idp(name="a:b"), "without '/', ':'"),
    ("configuration: mapping method", _idp(mappingMethod="merge"), "mappingMethod"),
    ("configuration: same name twice", {"name": "example", "identity_providers": [OIDC, OIDC]}, "used twice"),
    ("configuration: ldap url", _idp(type="LDAP", ldap={"url": "http://ldap"}, openID=None), "ldap:// or ldaps://"),
    ("configuration: feature set misspelt", {"name": "example", "feature_set": "TechPreview"}, "feature_set"),
    (
        "configuration: custom gates without CustomNoUpgrade",
        {"name": "example", "feature_set": "", "custom_feature_gates": {"enabled": ["X"]}},
        "only with it",
    ),  # fmt: skip
    (
        "configuration: CustomNoUpgrade without gates",
        {"name": "example", "feature_set": "CustomNoUpgrade"},
        "only with it",
    ),
    (
        "configuration: API unreachable",
        dict(_idp(), host="{closed}", api_key="unit-token"),
        "Cannot reach the Kubernetes",
    ),
    ("delete: API unreachable", dict(DELETE, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(MAIN[case.split(":", 1)[0]], args, words)
