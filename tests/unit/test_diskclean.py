"""The teardown that frees etcd's preallocated WAL files keeps the members that are still running."""

import os

from tests.harness import diskclean


def _member(base, name):
    for sub, files in (("wal", ("0000000000000000-0000000000000000.wal", "0.tmp")), ("snap", ("db", "x.snap"))):
        path = os.path.join(base, name, "member", sub)
        os.makedirs(path)
        for f in files:
            with open(os.path.join(path, f), "wb") as fh:
                fh.write(b"x" * 1000)
    return os.path.join(base, name)


def test_idle_members_are_purged_and_busy_ones_kept(tmp_path, monkeypatch):
    idle = _member(str(tmp_path), "idle")
    busy = _member(str(tmp_path / "nested"), "busy")
    with open(os.path.join(idle, "etcd.log"), "w") as fh:
        fh.write("log")
    monkeypatch.setattr(diskclean, "running_data_dirs", lambda: {os.path.realpath(busy)})
    freed = diskclean.purge_idle_etcd_data(str(tmp_path))
    assert freed == 3000
    assert sorted(os.listdir(os.path.join(idle, "member", "wal"))) == []
    assert os.listdir(os.path.join(idle, "member", "snap")) == ["x.snap"]
    assert os.path.exists(os.path.join(idle, "etcd.log"))
    assert len(os.listdir(os.path.join(busy, "member", "wal"))) == 2
    assert os.path.exists(os.path.join(busy, "member", "snap", "db"))


def test_a_running_member_is_seen_and_kept(etcd_tls):
    data_dir = etcd_tls.members[0].data_dir
    assert os.path.realpath(data_dir) in diskclean.running_data_dirs()
    diskclean.purge_idle_etcd_data(os.path.dirname(data_dir))
    assert any(n.endswith(".wal") for n in os.listdir(os.path.join(data_dir, "member", "wal")))
