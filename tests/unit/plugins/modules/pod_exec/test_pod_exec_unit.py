"""pod_exec's own logic with the exec stream faked: container default, check mode, exit codes."""

from types import SimpleNamespace

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.modules import pod_exec


class FakeExec:
    """Stands in for module_utils/etcd/pod.py's PodExec."""

    runs = []

    def __init__(self, api_client, namespace, pod, container):
        self.namespace, self.pod, self.container = namespace, pod, container

    @property
    def where(self):
        return "container %s of pod %s/%s" % (self.container, self.namespace, self.pod)

    def read_pod(self):
        return {"spec": {"containers": [{"name": "access"}, {"name": "sidecar"}]}}

    def run(self, argv, deadline, step):
        FakeExec.runs.append((self.container, argv))
        code = 3 if argv[0] == "false" else 0
        return SimpleNamespace(exit_code=code, stdout=b"out\nline2\n", stderr="boom" if code else "", message="")


@pytest.fixture
def module(monkeypatch):
    FakeExec.runs = []
    monkeypatch.setattr(pod_exec, "PodExec", FakeExec)

    def make(check_mode=False, **params):
        base = {"namespace": "ns", "pod": "p-1", "container": None, "read_only": False, "timeout": 30}
        base.update(params)
        client = SimpleNamespace(client=SimpleNamespace(client=object()))
        return SimpleNamespace(params=base, check_mode=check_mode, client=client)

    return make


def test_first_container_by_default_and_output_returned(module):
    result = pod_exec.execute(module(command="sh -c 'echo hi && true'"))
    assert FakeExec.runs == [("access", ["sh", "-c", "echo hi && true"])]
    assert result["rc"] == 0 and result["return_code"] == 0 and result["changed"] is True
    assert result["stdout_lines"] == ["out", "line2"] and result["container"] == "access"


def test_check_mode_runs_read_only_commands_only(module):
    result = pod_exec.execute(module(check_mode=True, command="rm -rf /x", container="access"))
    assert FakeExec.runs == [] and "would run rm -rf /x" in result["msg"]
    result = pod_exec.execute(module(check_mode=True, command="cat /x", container="access", read_only=True))
    assert FakeExec.runs == [("access", ["cat", "/x"])] and result["changed"] is False


def test_non_zero_exit_fails_with_rc_and_output(module):
    with pytest.raises(Day2Error) as caught:
        pod_exec.execute(module(command="false", container="access"))
    assert "exited with 3" in caught.value.msg and "boom" in caught.value.msg
    assert caught.value.result["rc"] == 3 and caught.value.result["stdout"] == "out\nline2\n"
