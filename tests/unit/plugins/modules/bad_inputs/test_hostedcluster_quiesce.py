"""hostedcluster_quiesce: inputs the existing table (tests/unit/plugins/modules/hostedcluster_quiesce) does not
cover, refused before the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import hostedcluster_quiesce

BASE = {"name": "example", "until": "2h", "deployments": ["kube-apiserver"], "run_id": "run-1"}

BAD_INPUTS = [
    ("name upper case", dict(BASE, name="Example"), ["name=", "not a valid Kubernetes"]),
    ("name blank", dict(BASE, name=" "), "name is empty"),
    ("namespace with a slash", dict(BASE, namespace="clusters/x"), "namespace="),
    ("deployment with blanks", dict(BASE, deployments=["kube apiserver"]), "deployments="),
    ("statefulset upper case", dict(BASE, statefulsets=["ETCD"]), "statefulsets="),
    ("nodepool malformed", dict(BASE, nodepools=["np_0"]), "nodepools="),
    ("run_id empty", dict(BASE, run_id=""), "run_id is empty"),
    ("verify not a bool", dict(BASE, verify="perhaps"), "verify"),
    ("until with restored", dict(BASE, state="restored"), "until is not used with state=restored"),
    ("API unreachable", dict(BASE, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(hostedcluster_quiesce.main, args, words)
