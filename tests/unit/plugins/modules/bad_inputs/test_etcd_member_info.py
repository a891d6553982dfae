"""etcd_member_info: every option given the wrong way is refused before etcdctl or the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import etcd_member_info

HOST = {"mode": "host", "endpoints": ["https://10.0.0.1:2379"], "etcdctl": "{etcdctl}", "cacert": "{tls}/ca.crt"}
POD = {"mode": "pod", "namespace": "clusters-example"}

BAD_INPUTS = [
    ("mode misspelt", dict(HOST, mode="hots"), ["mode", "pod, host"]),
    ("command_timeout not a number", dict(HOST, command_timeout="10s"), "command_timeout"),
    ("wait_healthy not a bool", dict(HOST, wait_healthy="sometimes"), "wait_healthy"),
    ("expect_members not a number", dict(HOST, expect_members="three"), "expect_members"),
    ("timeout negative", dict(HOST, timeout=-5), "timeout"),
    ("command_timeout zero", dict(HOST, command_timeout=0), "command_timeout"),
    ("expect_members negative", dict(HOST, expect_members=-1), "expect_members"),
    ("host mode without endpoints", dict(HOST, endpoints=None), "endpoints"),
    ("endpoints empty list", dict(HOST, endpoints=[]), "endpoints"),
    ("endpoint not a url", dict(HOST, endpoints=["not a url"]), "is not an etcd client URL"),
    ("endpoint bad port", dict(HOST, endpoints=["https://10.0.0.1:0"]), "port"),
    ("witness endpoint without scheme", dict(POD, endpoint="localhost:2379"), "endpoint"),
    ("cacert is a directory", dict(HOST, cacert="{dir}"), ["cacert=", "is a directory"]),
    ("cacert empty", dict(HOST, cacert=""), "cacert is empty"),
    ("cert missing", dict(HOST, cert="{missing}/peer.crt"), "does not exist"),
    ("key is a directory", dict(HOST, key="{dir}"), "is a directory"),
    ("etcdctl is a directory", dict(HOST, etcdctl="{dir}"), "etcdctl not found"),
    ("etcdctl not executable", dict(HOST, etcdctl="{noexec}"), "etcdctl not found"),
    ("etcdctl empty", dict(HOST, etcdctl=""), "etcdctl is empty"),
    ("namespace malformed", dict(POD, namespace="clusters/example"), ["namespace=", "not a valid Kubernetes"]),
    ("namespace blank", dict(POD, namespace="  "), "namespace"),
    ("pod malformed", dict(POD, pod="Etcd-0"), ["pod=", "not a valid Kubernetes"]),
    ("statefulset malformed", dict(POD, statefulset="etcd set"), "statefulset"),
    ("container empty", dict(POD, container=""), "container is empty"),
    ("hostedcluster malformed", dict(POD, hostedcluster="Example"), ["hostedcluster=", "not a valid Kubernetes"]),
    ("hostedcluster empty", dict(POD, hostedcluster=""), "hostedcluster is empty"),
    (
        "hostedcluster_namespace malformed",
        dict(POD, hostedcluster="example", hostedcluster_namespace="a/b"),
        "hostedcluster_namespace",
    ),
    ("hostedcluster in host mode", dict(HOST, hostedcluster="example"), "pod mode only"),
    # unreachable endpoints: the witness refuses connections, or the API server does (pod mode)
    ("witness unreachable", dict(HOST, endpoints=["https://127.0.0.1:{closed_port}"]), "Connection refused"),
    ("API unreachable", dict(POD, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(etcd_member_info.main, {k: v for k, v in args.items() if v is not None}, words)
