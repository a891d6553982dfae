"""Run hostedcluster_quiesce's main() against an in-memory Kubernetes client (the only thing mocked)."""

import json

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

from tests.unit.plugins.module_utils.hypershift.fake_k8s import FakeClient


@pytest.fixture
def fake_client():
    client = FakeClient()
    client.add_cluster(kube_apiserver=2, openshift_apiserver=2, etcd=3)
    return client


@pytest.fixture
def run_module(fake_client, capsys, monkeypatch):
    """run_module(args, check=False, diff=False) -> (failed, result dict)."""
    from ansible_collections.ocp.day2.plugins.module_utils import k8s
    from ansible_collections.ocp.day2.plugins.module_utils.hypershift import reconciliation, workloads
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_quiesce

    monkeypatch.setattr(k8s, "get_api_client", lambda module=None, **kw: fake_client)
    monkeypatch.setattr(_internal, "is_controller", False)
    monkeypatch.setattr(reconciliation, "POLL_SLEEP", 0.01)
    monkeypatch.setattr(workloads, "POLL_SLEEP", 0.01)
    monkeypatch.setattr(k8s, "RETRY_DELAY", 0)

    def run(args, check=False, diff=False):
        full = dict({"name": "example"}, **args)
        full.update(_ansible_check_mode=check, _ansible_diff=diff)
        with patch_module_args(full), pytest.raises(SystemExit) as exc:
            hostedcluster_quiesce.main()
        result = json.loads(capsys.readouterr().out)
        assert ("failed" in result) == (exc.value.code != 0)
        return result.get("failed", False), result

    return run
