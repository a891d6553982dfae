"""Things that need a real process: an unreachable etcd fails in seconds whatever `timeout` allows (through
ansible-playbook, with the real etcdctl), and a snapshot killed with SIGTERM or SIGINT leaves no temporary file and
no etcdctl behind."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.harness.ansible import ROOT, run_playbook, write_playbook
from tests.harness.net import free_port

# Upper bound for one task against an unreachable endpoint: the TCP pre-check takes at most 3 s per endpoint; the
# rest is margin for a loaded machine. Before the pre-check etcdctl 3.4 waited the whole command timeout (900 s).
UNREACHABLE_BOUND = 20

PLAY = """
- name: Unreachable etcd
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Time the snapshot of an etcd that is not there (default timeout, 900 s)
      block:
        - name: Start
          ansible.builtin.set_fact:
            started: "{{ lookup('ansible.builtin.pipe', 'date +%s.%N') | float }}"
        - name: Snapshot
          ocp.day2.etcd_snapshot:
            mode: host
            endpoints: "{{ endpoints }}"
            dest: "{{ out_dir }}/snap.db"
            tmp_dir: "{{ out_dir }}"
          register: snap
          ignore_errors: true
        - name: Members of an etcd that is not there
          ocp.day2.etcd_member_info:
            mode: host
            endpoints: "{{ endpoints[:1] }}"
          register: info
          ignore_errors: true
        - name: Save
          ansible.builtin.copy:
            content: "{{ {'snap': snap, 'info': info, 'took': (lookup('ansible.builtin.pipe', 'date +%s.%N') | float)
                         - started} | to_json }}"
            dest: "{{ out_dir }}/result.json"
            mode: "0600"
"""


def test_unreachable_etcd_fails_within_seconds(tmp_path, installed_collection):
    dead = free_port()
    out = tmp_path / "out"
    out.mkdir()
    play = write_playbook(tmp_path, PLAY)
    endpoints = ["https://127.0.0.1:%d" % dead, "https://127.0.0.1:%d" % free_port()]
    result = run_playbook(play, extra_vars={"endpoints": endpoints, "out_dir": str(out)}, timeout=300)
    assert result.rc == 0, result
    res = json.loads((out / "result.json").read_text())
    print("two tasks against an unreachable etcd took %.1f s" % res["took"])
    assert res["took"] < 2 * UNREACHABLE_BOUND, res["took"]
    for task in ("snap", "info"):
        msg = res[task]["msg"]
        assert res[task]["failed"] and not res[task]["changed"], res[task]
        assert "Connection refused" in msg and str(dead) in msg and "check that the member is running" in msg, msg
        assert ".go:" not in msg and "stacktrace" not in msg, msg
    assert sorted(os.listdir(out)) == ["result.json"]  # no snapshot, no temporary directory


def _listener():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_snapshot_leaves_nothing_behind(tmp_path, signum):
    """etcd_snapshot run as Ansible runs a module (a process with its arguments file), killed during `snapshot save`."""
    sock = _listener()  # the TCP pre-check passes; the fake etcdctl plays etcd
    work = tmp_path / "work"
    work.mkdir()
    pids = tmp_path / "etcdctl.pid"
    etcdctl = tmp_path / "etcdctl"
    etcdctl.write_text(textwrap.dedent("""\
        #!%s
        import os, sys, time
        if "save" in sys.argv:
            open(sys.argv[-1] + ".part", "wb").write(b"partial")
            open(%r, "w").write(str(os.getpid()))
            time.sleep(60)
        """) % (sys.executable, str(pids)))  # fmt: skip
    etcdctl.chmod(0o755)
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {
        "mode": "host", "endpoints": ["https://127.0.0.1:%d" % sock.getsockname()[1]], "etcdctl_path": str(etcdctl),
        "tmp_dir": str(work), "dest": str(tmp_path / "snap.db")}}))  # fmt: skip
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, ".build", "pythonpath"))
    module = "ansible_collections.ocp.day2.plugins.modules.etcd_snapshot"
    proc = subprocess.Popen([sys.executable, "-m", module, str(args)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while not pids.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pids.exists() and os.listdir(work), "the snapshot never started"
        proc.send_signal(signum)
        out, _err = proc.communicate(timeout=30)
    finally:
        sock.close()
        if proc.poll() is None:
            proc.kill()
    result = json.loads(out)
    assert result["failed"] and "Interrupted by %s" % signal.Signals(signum).name in result["msg"], result
    assert os.listdir(work) == [] and not (tmp_path / "snap.db").exists()
    child = int(pids.read_text())
    time.sleep(0.2)
    status = pathlib.Path("/proc/%d/status" % child)
    assert not status.exists() or "zombie" in status.read_text().lower()  # etcdctl was killed with the module
