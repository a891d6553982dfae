"""Run hostedcluster_pause's main() against an in-memory Kubernetes client (the only thing mocked)."""

import json

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

from tests.unit.plugins.module_utils.hypershift.fake_k8s import FakeClient


@pytest.fixture
def fake_client():
    return FakeClient()


@pytest.fixture
def run_module(fake_client, capsys, monkeypatch):
    """run_module(args, check=False, diff=False) -> (failed, result dict)."""
    from ansible_collections.ocp.day2.plugins.module_utils import k8s
    from ansible_collections.ocp.day2.plugins.module_utils.hypershift import pause, reconciliation
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_pause

    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: fake_client)
    # Once any controller code is imported in this process (ansible.errors, say), module warnings would go
    # to the controller's display instead of the result; run the module as on a target.
    monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(pause, "WAIT_SLEEP", 0.01)
    monkeypatch.setattr(reconciliation, "POLL_SLEEP", 0.01)
    monkeypatch.setattr(k8s, "RETRY_DELAY", 0)

    def run(args, check=False, diff=False):
        full = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(full), pytest.raises(SystemExit) as exc:
            hostedcluster_pause.main()
        result = json.loads(capsys.readouterr().out)
        assert ("failed" in result) == (exc.value.code != 0)
        return result.get("failed", False), result

    return run
