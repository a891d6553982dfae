"""hostedcluster_pause: every option given the wrong way is refused before the API is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import hostedcluster_pause

BASE = {"name": "example", "namespace": "clusters", "state": "paused", "until": "1h"}

BAD_INPUTS = [
    ("name missing", {k: v for k, v in BASE.items() if k != "name"}, "name"),
    ("name empty", dict(BASE, name=""), ["name is empty", "example"]),
    ("name blank", dict(BASE, name="  "), "name is empty"),
    ("name upper case", dict(BASE, name="Example"), ["name=", "not a valid Kubernetes"]),
    ("name with a slash", dict(BASE, name="clusters/example"), "not a valid Kubernetes"),
    ("name too long", dict(BASE, name="x" * 64), "at most 63"),
    ("namespace empty", dict(BASE, namespace=""), "namespace is empty"),
    ("namespace with dots", dict(BASE, namespace="clusters.example"), "namespace="),
    ("state misspelt", dict(BASE, state="pause"), ["state", "paused, resumed, restored"]),
    ("until missing", {k: v for k, v in BASE.items() if k != "until"}, "until"),
    ("until empty", dict(BASE, until=""), "until"),
    ("until negative", dict(BASE, until="-1h"), "until"),
    ("until without a zone", dict(BASE, until="2030-01-01T00:00:00"), "until"),
    ("until with resume", dict(BASE, state="resumed"), "until is only used with state=paused"),
    ("restored without previous", dict(BASE, state="restored", until=None), "previous"),
    ("previous a string", dict(BASE, state="restored", until=None, previous="x"), "previous"),
    ("previous with paused", dict(BASE, previous={"hostedcluster": None}), "previous is only used"),
    ("wait_timeout negative", dict(BASE, wait_timeout=-1), "wait_timeout"),
    ("wait_timeout not a number", dict(BASE, wait_timeout="2m"), "wait_timeout"),
    ("wait not a bool", dict(BASE, wait="maybe"), "wait"),
    ("nodepools all and names", dict(BASE, nodepools=["all", "example-np0"]), "'all' cannot be combined"),
    ("nodepool empty", dict(BASE, nodepools=[""]), "nodepools is empty"),
    ("nodepool malformed", dict(BASE, nodepools=["NP_0"]), ["nodepools=", "not a valid Kubernetes"]),
    # unreachable endpoint: the API server's port refuses connections
    ("API unreachable", dict(BASE, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(hostedcluster_pause.main, {k: v for k, v in args.items() if v is not None}, words)
