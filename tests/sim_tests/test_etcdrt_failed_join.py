"""The simulated etcd runtime tells a member's data from what a failed join leaves behind, with a real etcd."""

import subprocess

from tests.harness.net import free_port
from tests.sim.etcdrt import has_member_data


def test_a_failed_join_leaves_no_member_data(tmp_path):
    # etcd 3.4 asked to join a cluster whose peers it cannot reach exits, leaving member/snap/db but no wal:
    # the runtime must add such a member again rather than start it as a new cluster of its own.
    data = tmp_path / "d"
    url = "http://127.0.0.1:%d"
    peer, client, dead = url % free_port(), url % free_port(), url % free_port()
    proc = subprocess.run(
        ["etcd", "--name", "x", "--data-dir", str(data),
         "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
         "--listen-client-urls", client, "--advertise-client-urls", client,
         "--initial-cluster", "a=%s,x=%s" % (dead, peer),
         "--initial-cluster-state", "existing"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stderr
    assert (data / "member").is_dir(), "etcd left its member directory, as the runtime must expect"
    assert not has_member_data(str(data))
    (data / "member" / "wal").mkdir()
    assert has_member_data(str(data))
