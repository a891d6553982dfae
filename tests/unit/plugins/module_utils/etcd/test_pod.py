"""Pod mode: exec frame handling, streaming, status fallbacks and failure messages (fake exec boundary)."""

import hashlib
import json
from types import SimpleNamespace
from unittest import mock

import pytest
from kubernetes.client.rest import ApiException
from websocket import WebSocketProtocolException, WebSocketTimeoutException

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import Delivery
from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec, PodSource, parse_exec_status
from tests.unit.plugins.modules.etcd_snapshot.fakes import STATUS, FakePod, FakePodExec, FakeWSClient, exit_frames, out

PARAMS = {
    "namespace": "clusters-example",
    "pod": "etcd-0",
    "container": "etcd",
    "pod_cacert": "/etc/etcd/tls/etcd-ca/ca.crt",
    "pod_cert": "/etc/etcd/tls/client/etcd-client.crt",
    "pod_key": "/etc/etcd/tls/client/etcd-client.key",
    "pod_endpoint": "https://localhost:2379",
    "pod_tmp_dir": "/var/lib/data",
    "etcdctl_path": None,
    "etcdutl_path": None,
    "member": None,
}


class Sink:
    name = "mem"

    def __init__(self):
        self.data = bytearray()
        self.sizes = []

    def write(self, chunk):
        self.sizes.append(len(chunk))
        self.data += chunk

    def commit(self, sha256, size):
        return {"sha256": sha256, "size": size}

    def abort(self):
        pass


def source(pod=None, **params):
    return PodSource(FakePodExec(pod or FakePod()), dict(PARAMS, **params))


def test_parse_exec_status():
    assert parse_exec_status(b'{"status":"Success"}') == (0, "")
    code, msg = parse_exec_status(
        b'{"status":"Failure","message":"terminated","details":{"causes":[{"reason":"ExitCode","message":"2"}]}}'
    )
    assert (code, msg) == (2, "terminated")
    assert parse_exec_status(b'{"status":"Failure","message":"container not found"}') == (-1, "container not found")
    assert parse_exec_status(b"")[0] is None


def test_run_separates_channels_and_closes():
    pexec = FakePodExec(FakePod())
    pexec._open = lambda cmd: pexec.clients.append(FakeWSClient([out(1, b"abc"), out(2, b"warn"), out(1, b"def"),
                                                                 *exit_frames(0)])) or pexec.clients[-1]  # fmt: skip
    result = pexec.run(["x"], Deadline(10), "testing")
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"abcdef", "warn")
    assert pexec.clients[-1].closed


def test_run_times_out_with_the_step_named():
    pexec = FakePodExec(FakePod())
    clock = [0.0]
    deadline = Deadline(5, clock=lambda: clock[0])

    def slow_frames(cmd):
        client = FakeWSClient([WebSocketTimeoutException("t")] * 3)
        orig = client.sock.recv_data_frame

        def recv(control_frame=False):
            clock[0] += 3
            return orig(control_frame)

        client.sock.recv_data_frame = recv
        pexec.clients.append(client)
        return client

    pexec._open = slow_frames
    with pytest.raises(Day2Timeout, match="copying the snapshot"):
        pexec.run(["cat", "/x"], deadline, "copying the snapshot")
    assert pexec.clients[-1].closed


def test_broken_stream_is_explained():
    pexec = FakePodExec(FakePod())
    pexec._open = lambda cmd: FakeWSClient([out(1, b"abc"), WebSocketProtocolException("Invalid close opcode")])
    with pytest.raises(Day2Error, match="exec stream from container etcd of pod .* broke while copying: Invalid close"):
        pexec.run(["cat", "/x"], Deadline(10), "copying", lambda chunk: None)


def test_full_flow_streams_binary_in_frames_and_verifies():
    data = bytes(range(256)) * 4096 + b"\r\n\x00"  # binary, 1 MiB + 3
    pod = FakePod(snapshot=data, frame_size=32 * 1024)
    src = source(pod)
    d = Deadline(60)
    src.take(d)
    assert src.status(d) == STATUS and src.tool == "etcdctl"  # etcdutl missing -> exit 127 -> etcdctl
    sha = src.sha256(d)
    assert sha == hashlib.sha256(data).hexdigest()
    sink = Sink()
    delivery = Delivery([sink], d)
    src.stream(delivery, d)
    assert delivery.finish(sha)["mem"]["size"] == len(data)
    assert bytes(sink.data) == data and max(sink.sizes) <= 32 * 1024
    assert src.cleanup(d) is None and pod.files == {}
    probe, save = pod.commands[0], pod.commands[1]
    assert probe[-2:] == ["endpoint", "status"] and "--command-timeout=5s" in probe and probe[0] == "env"
    assert (
        save[0] == "env" and save[9:11] == ["ETCDCTL_API=3", "etcdctl"] and "--endpoints=https://localhost:2379" in save
    )
    assert set(pod.unset) == {"ETCDCTL_CACERT", "ETCDCTL_CERT", "ETCDCTL_KEY", "ETCDCTL_ENDPOINTS"}
    assert "--cacert=/etc/etcd/tls/etcd-ca/ca.crt" in save and src.path.startswith("/var/lib/data/")
    assert pod.commands[-1] == ["rm", "-f", src.path, src.path + ".part"]


def test_etcdutl_used_when_present():
    pod = FakePod(has_etcdutl=True)
    src = source(pod)
    d = Deadline(60)
    src.take(d)
    src.status(d)
    assert src.tool == "etcdutl" and not any("ETCDCTL_API=3" in c for c in pod.commands[2:])  # probe, save, status


def test_corrupted_stream_is_a_mismatch():
    pod = FakePod()
    pod.corrupt_cat = True
    src = source(pod)
    d = Deadline(60)
    src.take(d)
    sha = src.sha256(d)
    delivery = Delivery([Sink()], d)
    src.stream(delivery, d)
    with pytest.raises(Day2Error, match="Checksum mismatch in transfer"):
        delivery.finish(sha)


def test_save_failure_shows_stderr_and_hint():
    pod = FakePod()
    pod.save_error = "Error: context deadline exceeded\n"
    src = source(pod)
    with pytest.raises(Day2Error) as err:
        src.take(Deadline(60))
    assert (
        "etcdctl snapshot save failed in container etcd of pod clusters-example/etcd-0 (exit code 1)" in err.value.msg
    )
    assert "context deadline exceeded" in err.value.msg and "etcd did not answer" in err.value.msg


def raw(pod):
    return SimpleNamespace(data=json.dumps(pod).encode())


def test_check_pod_messages():
    pexec = PodExec(None, "ns", "etcd-9", "etcd")
    pexec.core = mock.Mock()
    pexec.core.read_namespaced_pod.side_effect = ApiException(status=404, reason="Not Found")
    with pytest.raises(Day2Error, match="Pod etcd-9 not found in namespace ns"):
        pexec.check_pod()
    pod = {"spec": {"containers": [{"name": "etcd-metrics"}]}, "status": {"phase": "Running"}}
    pexec.core.read_namespaced_pod.side_effect = lambda *a, **k: raw(pod)
    with pytest.raises(Day2Error, match="Container etcd not found in pod ns/etcd-9; it has: etcd-metrics"):
        pexec.check_pod()
    pod["spec"]["containers"].append({"name": "etcd"})
    pod["status"]["phase"] = "Pending"
    with pytest.raises(Day2Error, match="is Pending, not Running"):
        pexec.check_pod()
    pod["status"]["phase"] = "Running"
    pexec.check_pod()
    assert pexec.core.read_namespaced_pod.call_args.kwargs == {"_preload_content": False}


def test_check_pod_api_error():
    pexec = PodExec(None, "ns", "etcd-0", "etcd")
    pexec.core = mock.Mock()
    body = json.dumps({"kind": "Status", "message": 'pods "etcd-0" is forbidden: User "dev" cannot get'})
    pexec.core.read_namespaced_pod.side_effect = ApiException(status=403, reason="Forbidden")
    pexec.core.read_namespaced_pod.side_effect.body = body
    with pytest.raises(Day2Error, match="Reading pod ns/etcd-0 failed: pods .* is forbidden.*HTTP 403"):
        pexec.check_pod()


def test_exec_handshake_failure_is_explained():
    pexec = FakePodExec(FakePod())

    def refuse(cmd):
        raise ApiException(status=0, reason="Handshake status 403 Forbidden")

    pexec._open = refuse
    with pytest.raises(Day2Error, match="Could not exec in container etcd.*403 Forbidden.*pods/exec"):
        pexec.run(["true"], Deadline(5), "testing")


def test_cleanup_reports_instead_of_raising():
    pexec = FakePodExec(FakePod())

    def refuse(cmd):
        raise ApiException(status=0, reason="gone")

    pexec._open = refuse
    src = PodSource(pexec, dict(PARAMS))
    assert "Could not remove" in src.cleanup(Deadline(5))


def test_unreachable_etcd_fails_fast_before_the_snapshot():
    pod = FakePod()
    pod.probe_error = "Error: context deadline exceeded"
    src = source(pod)
    with pytest.raises(Day2Error) as err:
        src.take(Deadline(900))
    assert "etcd at https://localhost:2379 did not answer within 5s" in err.value.msg
    assert "etcd did not answer" in err.value.msg  # the hint
    assert len(pod.commands) == 1 and pod.files == {}  # no snapshot save was started


class FakeApiClient:
    """An ApiClient that serializes like kubernetes' and answers from a table of paths."""

    def __init__(self, answers):
        self.answers = answers
        self.configuration = SimpleNamespace(host="https://api.example:6443")
        self.calls = []

    def param_serialize(self, method, path, path_params=None, header_params=None, auth_settings=None, **_kw):
        for key, value in (path_params or {}).items():
            path = path.replace("{%s}" % key, value)
        assert auth_settings == ["BearerToken"]
        return method, self.configuration.host + path, dict(header_params or {}), None, []

    def call_api(self, method, url, headers):
        self.calls.append((method, url, headers))
        status, body = self.answers[url.split("6443", 1)[1]]
        resp = SimpleNamespace(status=status, reason="R%d" % status, headers={}, data=None)
        resp.read = lambda: setattr(resp, "data", body.encode()) or resp.data
        return resp


def test_raw_api_reads_without_the_typed_classes():
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import RawApi, core_api

    pod = {"spec": {"containers": [{"name": "etcd"}]}, "status": {"phase": "Running"}}
    client = FakeApiClient(
        {
            "/api/v1/namespaces/ns/pods/etcd-0": (200, json.dumps(pod)),
            "/api/v1/namespaces/ns/pods?labelSelector=app%3Detcd": (200, '{"items": []}'),
            "/apis/apps/v1/namespaces/ns/statefulsets/etcd": (404, '{"kind": "Status", "message": "not found"}'),
        }
    )
    api = core_api(client)
    assert isinstance(api, RawApi)
    pexec = PodExec(client, "ns", "etcd-0", "etcd")
    pexec.check_pod()
    assert json.loads(api.list_namespaced_pod("ns", label_selector="app=etcd").data) == {"items": []}
    with pytest.raises(ApiException) as err:
        api.read_namespaced_stateful_set("etcd", "ns")
    assert err.value.status == 404 and "not found" in err.value.body
    assert all(headers == {"Accept": "application/json"} for _m, _u, headers in client.calls)


def test_exec_opens_the_websocket_with_the_command(monkeypatch):
    from ansible_collections.ocp.day2.plugins.module_utils.etcd import pod as etcd_pod

    opened = []
    monkeypatch.setattr(
        etcd_pod.ws_client, "websocket_call", lambda conf, method, url, **kw: opened.append((method, url, kw)) or "ws"
    )
    pexec = PodExec(FakeApiClient({}), "ns", "etcd-1", "etcd")
    assert pexec._open(["etcdctl", "endpoint", "status"]) == "ws"
    [(method, url, kw)] = opened
    assert method == "GET" and url == "https://api.example:6443/api/v1/namespaces/ns/pods/etcd-1/exec"
    assert kw["query_params"][:2] == [("command", ["etcdctl", "endpoint", "status"]), ("container", "etcd")]
    assert ("tty", "false") in kw["query_params"] and kw["binary"] and not kw["_preload_content"]
    assert kw["headers"] == {"Accept": "*/*"}


def test_old_clients_get_the_typed_api():
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import core_api

    class OldClient:  # no param_serialize: kubernetes before the pydantic generator
        configuration = None

    assert type(core_api(OldClient())).__name__ == "CoreV1Api"
    assert type(core_api(OldClient(), "apps_v1_api")).__name__ == "AppsV1Api"


def test_exec_that_cannot_connect_names_the_unreachable_api_server():
    # The kubernetes client wraps a refused websocket connection as ApiException(status=0) without a handshake:
    # the admin must read "cannot reach the API server", not "check the pod".
    pexec = FakePodExec(FakePod())

    def refuse(cmd):
        raise ApiException(status=0, reason="[Errno 111] Connection refused")

    pexec._open = refuse
    with pytest.raises(Day2Error) as exc:
        pexec.run(["true"], Deadline(5), "testing")
    assert exc.value.msg.startswith("Cannot reach the Kubernetes API server")
    assert "Connection refused" in exc.value.msg and "pods/exec" not in exc.value.msg
