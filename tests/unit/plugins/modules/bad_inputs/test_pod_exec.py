"""pod_exec: every option given the wrong way is refused before the API is touched; an unreachable API is named."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import pod_exec

GOOD = {"namespace": "clusters-example", "pod": "etcd-data-1", "container": "access", "command": "true"}

BAD_INPUTS = [
    ("namespace missing", dict(GOOD, namespace=None), "namespace"),
    ("namespace malformed", dict(GOOD, namespace="clusters/example"), ["namespace=", "not a valid Kubernetes"]),
    ("pod malformed", dict(GOOD, pod="Etcd Data"), ["pod=", "not a valid Kubernetes"]),
    ("container malformed", dict(GOOD, container="a_b"), "container"),
    ("command missing", dict(GOOD, command=None), "command"),
    ("command empty", dict(GOOD, command="   "), "`command` is empty"),
    ("command unbalanced quotes", dict(GOOD, command="sh -c 'echo"), "check its quotes"),
    ("timeout zero", dict(GOOD, timeout=0), "timeout"),
    ("timeout not a number", dict(GOOD, timeout="5m"), "timeout"),
    ("read_only not a bool", dict(GOOD, read_only="perhaps"), "read_only"),
    ("API unreachable", dict(GOOD, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(pod_exec.main, {k: v for k, v in args.items() if v is not None}, words)
