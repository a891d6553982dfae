"""The ocp.day2.oc_auth_args filter: the oc arguments the PVC backup and restore roles build for oc rsync."""

import pytest

from ansible_collections.ocp.day2.plugins.filter.oc_auth_args import FilterModule

OMIT = "__omit_place_holder__8f1c2d"


@pytest.mark.parametrize(
    "kubeconfig, context, expected",
    [
        ("/root/.kube/config", "admin", ["--kubeconfig=/root/.kube/config", "--context=admin"]),
        ("/root/.kube/config", None, ["--kubeconfig=/root/.kube/config"]),
        ("", "admin", ["--context=admin"]),
        (OMIT, OMIT, []),
        (None, "  ", []),
        (object(), 5, []),  # an Omit object or another non-string: oc keeps its own default
    ],
)
def test_only_given_settings_become_arguments(kubeconfig, context, expected):
    assert FilterModule().filters()["oc_auth_args"](kubeconfig, context) == expected
