"""The helpers behind clean refusals: stderr trimming, exec refusals, the TCP pre-check, signals, AWS fallbacks."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from kubernetes.client.rest import ApiException

from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import apply_env_fallbacks
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Interrupted
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import clean_stderr, connect_error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import exec_refusal_text
from ansible_collections.ocp.day2.plugins.module_utils.files import signals_raise

# What etcdctl 3.4.23 prints for `snapshot save` against a refused endpoint (shortened stack, same shape).
ETCDCTL_34_STDERR = (
    b'{"level":"info","ts":1795688026.86,"caller":"snapshot/v3_snapshot.go:119","msg":"created temporary db file",'
    b'"path":"/tmp/x.db.part"}\n'
    b'{"level":"error","ts":"2026-11-26T10:13:50.862Z","caller":"clientv3/retry_interceptor.go:129","msg":"streamer '
    b'failed to create ClientStream","error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all '
    b'SubConns are in TransientFailure","stacktrace":"go.etcd.io/etcd/clientv3.(*Client).streamClientInterceptor.'
    b"func1\\n\\tgo.etcd.io/etcd/clientv3/retry_interceptor.go:129\\ngoogle.golang.org/grpc.(*ClientConn).NewStream"
    b"\\n\\tgoogle.golang.org/grpc/stream.go:148\\nmain.main\\n\\tgo.etcd.io/etcd/etcdctl/main.go:35\\nruntime.main"
    b'\\n\\truntime/proc.go:250"}\n'
    b"Error: context deadline exceeded\n"
)
GO_PANIC = (
    b"panic: runtime error: invalid memory address\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n"
)


def test_etcdctl_stack_trace_is_trimmed_to_what_explains_the_failure():
    text = clean_stderr(ETCDCTL_34_STDERR)
    assert text == (
        "streamer failed to create ClientStream: rpc error: code = DeadlineExceeded desc = latest balancer error: all "
        "SubConns are in TransientFailure; Error: context deadline exceeded"
    )
    assert "stacktrace" not in text and ".go:" not in text and "created temporary db file" not in text


def test_go_panic_keeps_the_panic_line_only():
    assert clean_stderr(GO_PANIC + b"Error: boom\n") == "panic: runtime error: invalid memory address; Error: boom"


def test_plain_stderr_is_kept():
    assert clean_stderr(b"Error: dial tcp 10.0.0.1:2379: connect: connection refused\n") == (
        "Error: dial tcp 10.0.0.1:2379: connect: connection refused"
    )


def test_exec_refusal_without_the_handshake_dump():
    body = '{"kind":"Status","message":"pods \\"etcd-0\\" is forbidden: cannot create pods/exec","code":403}'
    headers = "{'audit-id': 'a1', 'content-type': 'application/json'}"
    for shown in (body, repr(body.encode())):  # websocket-client 1.x prints the text, older ones the bytes' repr
        reason = "Handshake status 403 Forbidden -+-+- %s -+-+- %s" % (headers, shown)
        text = exec_refusal_text(ApiException(status=0, reason=reason))
        assert text == 'HTTP 403 Forbidden: pods "etcd-0" is forbidden: cannot create pods/exec'
        assert "audit-id" not in text and "-+-+-" not in text
    assert exec_refusal_text(ApiException(status=0, reason="x" * 1000)).endswith("...")


def test_connect_error_is_immediate_for_a_closed_port_and_none_for_a_listener():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        assert connect_error("https://127.0.0.1:%d" % port) is None
    started = time.monotonic()
    error = connect_error("https://127.0.0.1:%d" % port)
    assert "Connection refused" in error and time.monotonic() - started < 2


def test_apply_env_fallbacks_fills_only_what_no_option_gave(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_URL", "http://127.0.0.1:9000")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert apply_env_fallbacks({"region": "us-east-2", "endpoint_url": None}) == {
        "region": "us-east-2",
        "endpoint_url": "http://127.0.0.1:9000",
    }
    assert apply_env_fallbacks({"region": None, "endpoint_url": None})["region"] == "eu-west-1"


def test_signal_unwinds_through_finally_then_handlers_are_restored():
    cleaned = []
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Day2Interrupted) as exc, signals_raise():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        finally:
            cleaned.append(True)
    assert cleaned == [True] and "SIGTERM" in exc.value.msg and "temporary files were removed" in exc.value.msg
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_kills_the_child_and_removes_the_temporary_directory(tmp_path):
    """A real process: a module-like runner with a temporary directory and a child, terminated mid-way."""
    script = tmp_path / "victim.py"
    marker = tmp_path / "tmpdir.txt"
    script.write_text(textwrap.dedent("""\
        import shutil, subprocess, sys, tempfile
        from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Interrupted
        from ansible_collections.ocp.day2.plugins.module_utils.files import signals_raise
        try:
            with signals_raise():
                tmp = tempfile.mkdtemp(dir=%r)
                open(%r, "w").write(tmp)
                try:
                    subprocess.run(["sleep", "30"], check=False)
                finally:
                    shutil.rmtree(tmp)
        except Day2Interrupted as exc:
            print(exc.msg)
            sys.exit(1)
        """) % (str(tmp_path), str(marker)))  # fmt: skip
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the child `sleep` is running now
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "Interrupted by SIGTERM" in out
    assert not os.path.exists(marker.read_text())
    leftover = subprocess.run(["pgrep", "-f", "sleep 30", "-P", str(proc.pid)], capture_output=True, check=False)
    assert leftover.returncode != 0


def test_exec_refused_during_a_run_names_the_pod_and_the_reason():
    from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec

    class Refused(PodExec):
        def _open(self, command):
            body = '{"kind":"Status","message":"pods \\"etcd-0\\" is forbidden","code":403}'
            raise ApiException(status=0, reason="Handshake status 403 Forbidden -+-+- {'a': 'b'} -+-+- %s" % body)

    with pytest.raises(Day2Error) as exc:
        Refused(None, "clusters-example", "etcd-0", "etcd").run(["etcdctl"], Deadline(10), "taking the snapshot")
    assert exc.value.msg == (
        "Could not exec in container etcd of pod clusters-example/etcd-0 while taking the snapshot: HTTP 403 "
        'Forbidden: pods "etcd-0" is forbidden. Check that the pod is running and that you may create pods/exec there.'
    )
