"""Harness of the bad-input tables: run a module's main() with arguments, refuse any outside contact, and
check that the failure names the problem, reports no change, and left the workspace as it was.

Every table is a module-level list named BAD_INPUTS of (case id, arguments, words the message must hold);
scripts/count_bad_inputs.py counts them. "No outside contact" is enforced, not mocked away: a Kubernetes client,
an AWS client or a command run by the module fails the test, since a refused input must stop before any of them.
"""

import json
import os
import socket
import stat
import tempfile
from types import SimpleNamespace

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

# A directory this user cannot write into. root writes anywhere a mode allows, but not into /proc/1.
READ_ONLY_DIR = "/proc/1" if os.geteuid() == 0 else None


class Contact(AssertionError):
    """The module reached outside (API, AWS, a command) although the input should have been refused first."""


def _forbidden(what):
    def fail(*args, **kwargs):
        raise Contact("the module contacted %s before refusing the input" % what)

    return fail


def tree_state(root):
    """Every path under root with its type, size, mode and mtime: any write shows up as a difference."""
    state = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            st = os.lstat(path)
            state[os.path.relpath(path, root)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mode, st.st_mtime_ns)
    return state


@pytest.fixture
def workspace(tmp_path):
    """Paths of every kind an option can be given wrongly: a file, a directory, a missing path, a read-only place,
    and a tools directory with an etcdctl that records any call."""
    ws = tmp_path / "ws"
    (ws / "dir").mkdir(parents=True)
    (ws / "dir" / "inside.txt").write_text("keep")
    (ws / "file.txt").write_text("a file")
    (ws / "noexec").write_text("#!/bin/sh\n")
    tls = ws / "tls"
    tls.mkdir()
    for name in ("ca.crt", "peer.crt", "peer.key"):
        (tls / name).write_text("x")
    with socket.socket() as probe:  # a port nothing listens on: connections to it are refused at once
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    calls = tmp_path / "calls.log"
    tool = tmp_path / "etcdctl"
    tool.write_text('#!/bin/sh\necho "$@" >> %s\nexit 1\n' % calls)
    tool.chmod(0o755)
    ro = READ_ONLY_DIR
    if ro is None:
        ro_dir = tmp_path / "ro"
        ro_dir.mkdir()
        ro_dir.chmod(0o500)
        ro = str(ro_dir)
    return SimpleNamespace(
        root=str(ws),
        file=str(ws / "file.txt"),
        dir=str(ws / "dir"),
        missing=str(ws / "missing"),
        noexec=str(ws / "noexec"),
        read_only=ro,
        tls=str(tls),
        etcdctl=str(tool),
        calls=calls,
        closed_port=closed_port,
        closed="https://127.0.0.1:%d" % closed_port,
    )


def fill(value, ws):
    """Replace {file}, {dir}, {missing}, {ro}, {tls}, {etcdctl}, {ws}, {noexec}, {closed} (an https URL of a port
    nothing listens on) and {closed_port} in strings of a case's arguments."""
    if isinstance(value, str):
        return value.format(file=ws.file, dir=ws.dir, missing=ws.missing, ro=ws.read_only, tls=ws.tls,
                            etcdctl=ws.etcdctl, ws=ws.root, noexec=ws.noexec, closed=ws.closed,
                            closed_port=ws.closed_port)  # fmt: skip
    if isinstance(value, list):
        return [fill(v, ws) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ws) for k, v in value.items()}
    return value


@pytest.fixture
def refuse(workspace, capsys, monkeypatch, tmp_path_factory):
    """refuse(main, args, words, check=False) -> result: asserts a clean refusal that changed nothing."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

    from ansible_collections.ocp.day2.plugins.module_utils import k8s

    monkeypatch.setattr(_internal, "is_controller", False)
    real_get_api_client = k8s.get_api_client
    monkeypatch.setattr(k8s, "get_api_client", _forbidden("the Kubernetes API"))
    monkeypatch.setattr(k8s, "RETRY_DELAY", 0)
    monkeypatch.setattr(AnsibleAWSModule, "client", _forbidden("AWS"))
    monkeypatch.setattr(AnsibleAWSModule, "resource", _forbidden("AWS"))
    from ansible.module_utils.basic import AnsibleModule

    monkeypatch.setattr(AnsibleModule, "run_command", _forbidden("a command (run_command)"))
    # The admin's shell may hold AWS and etcdctl settings; a table must not depend on them.
    for name in list(os.environ):
        if name.startswith(("AWS_", "ETCDCTL_", "K8S_AUTH_")):
            monkeypatch.delenv(name)

    def run(main, args, words, check=False):
        # An unreachable endpoint is an input like the others, but reaching for it is the point: a client is
        # built against a port nothing listens on (still no real API, and nothing may be written).
        if "{closed}" in json.dumps(args) and "host" in args:
            monkeypatch.setattr(k8s, "get_api_client", real_get_api_client)
            # kubernetes.core keeps API discovery in <tempdir>/k8srcp-<hash of the URL>.json: a file left by an
            # earlier simulator on the same port would let the client skip the server and meet the refusal later.
            monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("discovery")))
        args = fill(args, workspace)
        before = tree_state(workspace.root)
        with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit) as exc:
            main()
        result = json.loads(capsys.readouterr().out)
        msg = result.get("msg", "")
        assert exc.value.code != 0 and result.get("failed") is True, result
        for word in [words] if isinstance(words, str) else words:
            assert word in msg, "expected %r in the message: %s" % (word, msg)
        assert "Traceback" not in msg and not msg.startswith("Module failed"), msg
        assert result.get("changed") is not True, result
        assert tree_state(workspace.root) == before, "the module wrote into the workspace"
        assert not workspace.calls.exists(), "etcdctl ran: %s" % workspace.calls.read_text()
        if os.environ.get("BAD_INPUTS_SHOW"):  # review the messages: BAD_INPUTS_SHOW=1 pytest -s ...
            print("\nMSG %s: %s" % (main.__module__.rsplit(".", 1)[-1], msg))
        return result

    return run
