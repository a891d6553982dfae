"""ocp3_project_import: wrong names and paths refused before the API is asked."""

import json
import os

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_project_import

IMPORT = {"src": "{ws}/exported", "namespace": "myapp-restored", "rename": True}

BAD_INPUTS = [
    ("src missing", dict(IMPORT, src="{missing}"), ["src=", "does not exist"]),
    ("src is a file", dict(IMPORT, src="{file}"), "is a file, not a directory"),
    ("src empty", dict(IMPORT, src=""), "src is empty"),
    ("src not an export", dict(IMPORT, src="{dir}"), "is not an export directory"),
    ("namespace empty", dict(IMPORT, namespace=""), "namespace is empty"),
    ("namespace malformed", dict(IMPORT, namespace="my_app"), ["namespace=", "not a valid Kubernetes"]),
    ("exported namespace malformed", dict(IMPORT, namespace=None, src="{ws}/bad-export"), "from export.json"),
    ("exclude empty item", dict(IMPORT, exclude_resources=[""]), "exclude_resources is empty"),
    ("renamed without rename", dict(IMPORT, rename=False), ["export is of project myapp", "rename=true"]),
    ("create_namespace not a bool", dict(IMPORT, create_namespace="yes please"), "create_namespace"),
    ("API unreachable", dict(IMPORT, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.fixture
def exports(workspace):
    for name, namespace in (("exported", "myapp"), ("bad-export", "My App")):
        os.mkdir(os.path.join(workspace.root, name))
        with open(os.path.join(workspace.root, name, "export.json"), "w") as f:
            json.dump({"namespace": namespace, "files": [], "skipped": [], "errors": []}, f)


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, exports, case, args, words):
    refuse(ocp3_project_import.main, {k: v for k, v in args.items() if v is not None}, words)
