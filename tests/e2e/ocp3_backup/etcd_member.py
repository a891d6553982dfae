"""Start or stop one test etcd member the way a systemd unit would, for the ocp3_etcd_restore role.

Usage: etcd_member.py start|stop CONFIG.json NAME. `start` daemonises etcd (own session, pid file) with
the TLS flags from CONFIG (peer_cert/peer_key when the peer certificate is a separate one)
and takes ETCD_NAME, ETCD_DATA_DIR and ETCD_INITIAL_* from the environment,
as the role passes them. `stop` is idempotent: no pid file or no process is success.
"""

import json
import os
import signal
import subprocess
import sys
import time


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def start(member):
    args = [
        "etcd",
        "--listen-client-urls", member["client_url"],
        "--advertise-client-urls", member["client_url"],
        "--listen-peer-urls", member["peer_url"],
        "--cert-file", member["cert"], "--key-file", member["key"],
        "--trusted-ca-file", member["ca"], "--client-cert-auth",
        "--peer-cert-file", member.get("peer_cert", member["cert"]),
        "--peer-key-file", member.get("peer_key", member["key"]),
        "--peer-trusted-ca-file", member["ca"], "--peer-client-cert-auth",
        "--log-level", "error",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    with open(member["log"], "ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    with open(member["pidfile"], "w") as f:
        f.write(str(proc.pid))


def stop(member, sig=signal.SIGTERM):
    try:
        with open(member["pidfile"]) as f:
            pid = int(f.read())
    except OSError:
        return
    deadline = time.monotonic() + 15
    while _alive(pid):
        try:
            os.killpg(pid, sig if time.monotonic() < deadline else signal.SIGKILL)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    os.unlink(member["pidfile"])


if __name__ == "__main__":
    action, config, name = sys.argv[1:4]
    with open(config) as f:
        member = json.load(f)[name]
    {"start": start, "stop": stop}[action](member)
