"""ocp3_project_export: wrong names and paths refused before the API is asked (an empty namespace would
list every project's objects)."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_project_export

EXPORT = {"namespace": "myapp", "dest": "{ws}/export"}

BAD_INPUTS = [
    ("namespace empty", dict(EXPORT, namespace=""), ["namespace is empty", "myapp"]),
    ("namespace blank", dict(EXPORT, namespace=" "), "namespace is empty"),
    ("namespace missing", {"dest": "{ws}/export"}, "namespace"),
    ("namespace upper case", dict(EXPORT, namespace="MyApp"), ["namespace=", "not a valid Kubernetes"]),
    ("namespace with a slash", dict(EXPORT, namespace="my/app"), "not a valid Kubernetes"),
    ("namespace too long", dict(EXPORT, namespace="a" * 64), "at most 63"),
    ("dest empty", dict(EXPORT, dest=""), "dest is empty"),
    ("dest is a file", dict(EXPORT, dest="{file}"), ["dest=", "is a file"]),
    ("dest under a file", dict(EXPORT, dest="{file}/export"), "is a file"),
    ("dest read-only", dict(EXPORT, dest="{ro}/export"), "not writable"),
    ("include a kind not a resource", dict(EXPORT, include_resources=["Secret"]), "is not a resource type name"),
    ("exclude empty item", dict(EXPORT, exclude_resources=[""]), "exclude_resources"),
    ("include_owned not a bool", dict(EXPORT, include_owned="owned"), "include_owned"),
    ("API unreachable", dict(EXPORT, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp3_project_export.main, args, words)
