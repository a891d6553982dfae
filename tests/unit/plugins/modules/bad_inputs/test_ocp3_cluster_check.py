"""ocp3_cluster_check: options that cannot work are refused before the API or etcdctl is asked."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_cluster_check

ETCD = {"etcd_endpoints": ["https://master-0.example.com:2379"], "etcd_cacert": "{tls}/ca.crt"}

BAD_INPUTS = [
    ("unknown check", {"checks": ["nodes"]}, "nodes"),
    ("unknown disabled check", {"disabled": ["etcd_health"]}, "etcd_health"),
    ("infra_namespace empty", {"infra_namespace": ""}, "infra_namespace is empty"),
    ("infra_namespace malformed", {"infra_namespace": "Default"}, ["infra_namespace=", "not a valid Kubernetes"]),
    ("router_name with a slash", {"router_name": "default/router"}, "router_name="),
    ("registry_name empty", {"registry_name": ""}, "registry_name is empty"),
    ("etcd endpoint not a url", dict(ETCD, etcd_endpoints=["master-0:2379"]), "is not an etcd client URL"),
    ("etcd endpoint bad port", dict(ETCD, etcd_endpoints=["https://master-0:99999"]), "port"),
    ("etcd endpoint empty", dict(ETCD, etcd_endpoints=[""]), "etcd_endpoints"),
    ("etcd_cacert is a directory", dict(ETCD, etcd_cacert="{dir}"), ["etcd_cacert=", "is a directory"]),
    ("etcd_cert missing", dict(ETCD, etcd_cert="{missing}/peer.crt"), "does not exist"),
    ("etcd_key empty", dict(ETCD, etcd_key=""), "etcd_key is empty"),
    ("etcd_expected_members zero", dict(ETCD, etcd_expected_members=0), "etcd_expected_members=0 is out of range"),
    ("etcd_expected_members not a number", dict(ETCD, etcd_expected_members="three"), "etcd_expected_members"),
    ("etcdctl_path empty", dict(ETCD, etcdctl_path=""), "etcdctl_path is empty"),
    ("etcd_endpoints a dict", {"etcd_endpoints": {"a": "b"}}, "etcd_endpoints"),
    ("API unreachable", {"host": "{closed}", "api_key": "unit-token", "checks": ["nodes_ready"]}, "Cannot reach"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(ocp3_cluster_check.main, args, words)
    assert "checks" not in result
