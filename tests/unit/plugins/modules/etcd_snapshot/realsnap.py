"""A real etcd v3 snapshot for the test-restore tests: one plain-HTTP etcd on loopback, a few keys, saved, stopped.

Costs about a second once per test module (etcd starts in well under a second); the tests then corrupt copies.
"""

import json
import os
import shutil
import signal
import subprocess
import time

from tests.harness.net import free_port

ENV = dict(os.environ, ETCDCTL_API="3")


def make_snapshot(directory, keys=20):
    """(path, status) of a fresh snapshot holding `keys` keys whose values start with b'value-'."""
    os.makedirs(directory, exist_ok=True)
    client, peer = free_port(), free_port()
    url = "http://127.0.0.1:%d" % client
    log = open(os.path.join(directory, "etcd.log"), "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        ["etcd", "--data-dir", os.path.join(directory, "data"), "--listen-client-urls", url,
         "--advertise-client-urls", url, "--listen-peer-urls", "http://127.0.0.1:%d" % peer,
         "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % peer,
         "--initial-cluster", "default=http://127.0.0.1:%d" % peer],
        stdout=log, stderr=log,
    )  # fmt: skip
    try:
        lines = "".join("put /registry/k%03d value-%03d\n" % (i, i) for i in range(keys))
        for _attempt in range(100):
            done = subprocess.run(
                ["etcdctl", "--endpoints", url, "txn"], input="\n" + lines + "\n\n",
                env=ENV, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode == 0:
                break
            time.sleep(0.05)
        path = os.path.join(directory, "snapshot.db")
        subprocess.run(["etcdctl", "--endpoints", url, "snapshot", "save", path], env=ENV, check=True,
                       capture_output=True)  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        log.close()
        shutil.rmtree(os.path.join(directory, "data"), ignore_errors=True)
    status = subprocess.run(["etcdctl", "snapshot", "status", path, "-w", "json"], env=ENV, check=True,
                            capture_output=True, text=True)  # fmt: skip
    return path, json.loads(status.stdout)


def flip_value_byte(path, needle=b"value-007"):
    """Flip one bit inside a stored value: `snapshot status` still reads the file, the sha256 no longer matches."""
    with open(path, "r+b") as f:
        data = f.read()
        at = data.index(needle) + len(needle) - 1
        f.seek(at)
        f.write(bytes([data[at] ^ 0x01]))


def cut_trailer(path):
    """Cut the 32-byte sha256 etcd appends: the database pages are intact, the snapshot is truncated."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size - 32)
