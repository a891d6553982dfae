"""Delivery to files: chunked, verified, 0600 files in 0700 directories, nothing left on failure."""

import hashlib
import os
import stat

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import (
    CHUNK_SIZE,
    Delivery,
    FileSink,
    copy_file,
    file_sha256,
    make_private_dirs,
)


class RecordingSink:
    name = "rec"

    def __init__(self, fail_commit=False):
        self.chunks = []
        self.committed = None
        self.aborted = False
        self.fail_commit = fail_commit

    def write(self, chunk):
        self.chunks.append(len(chunk))

    def commit(self, sha256, size):
        if self.fail_commit:
            raise Day2Error("boom")
        self.committed = (sha256, size)
        return {"ok": True}

    def abort(self):
        self.aborted = True


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_file_sink_writes_0600_in_new_0700_dirs_and_verifies(tmp_path):
    old = os.umask(0o022)
    try:
        dest = tmp_path / "a" / "b" / "etcd.db"
        data = os.urandom(3 * CHUNK_SIZE + 17)
        delivery = Delivery([FileSink(str(dest))])
        for i in range(0, len(data), 65536):
            delivery.write(data[i : i + 65536])
        out = delivery.finish(hashlib.sha256(data).hexdigest(), len(data))
    finally:
        os.umask(old)
    assert dest.read_bytes() == data
    assert out["dest"] == {"dest": str(dest), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert mode(dest) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert sorted(os.listdir(dest.parent)) == ["etcd.db"]  # no temporary file left


def test_existing_parent_dir_mode_is_left_alone(tmp_path):
    os.chmod(tmp_path, 0o755)
    make_private_dirs(str(tmp_path / "new"))
    assert mode(tmp_path) == 0o755 and mode(tmp_path / "new") == 0o700


def test_file_sink_replaces_older_file_only_after_verification(tmp_path):
    dest = tmp_path / "etcd.db"
    dest.write_bytes(b"previous good snapshot")
    delivery = Delivery([FileSink(str(dest))])
    delivery.write(b"new bytes")
    with pytest.raises(Day2Error, match="Checksum mismatch in transfer.*nothing was kept"):
        delivery.finish(hashlib.sha256(b"other bytes").hexdigest())
    delivery.abort()
    assert dest.read_bytes() == b"previous good snapshot"
    assert os.listdir(tmp_path) == ["etcd.db"]


def test_file_sink_detects_corruption_on_disk(tmp_path, monkeypatch):
    dest = tmp_path / "etcd.db"
    sink = FileSink(str(dest))
    sink.write(b"abc")
    sink._file.flush()
    with open(sink.tmp, "r+b") as f:  # the disk flips a byte after it was written
        f.write(b"X")
    with pytest.raises(Day2Error, match="Checksum mismatch at dest"):
        sink.commit(hashlib.sha256(b"abc").hexdigest(), 3)
    sink.abort()
    assert not dest.exists() and os.listdir(tmp_path) == []


def test_file_sink_refuses_directory_and_unwritable_parent(tmp_path):
    with pytest.raises(Day2Error, match="is a directory"):
        FileSink(str(tmp_path))
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")  # fails for root too, unlike permissions
    with pytest.raises(Day2Error, match="Cannot write the snapshot under .*not-a-dir/sub"):
        FileSink(str(blocker / "sub" / "x.db"))


def test_delivery_counts_hashes_and_fans_out(tmp_path):
    a, b = RecordingSink(), RecordingSink()
    b.name = "other"
    delivery = Delivery([a, b])
    for chunk in (b"ab", b"", b"cde"):
        delivery.write(chunk)
    result = delivery.finish(hashlib.sha256(b"abcde").hexdigest(), 5)
    assert a.chunks == b.chunks == [2, 3]
    assert a.committed == (hashlib.sha256(b"abcde").hexdigest(), 5)
    assert result == {"rec": {"ok": True}, "other": {"ok": True}}


def test_delivery_size_mismatch_fails_even_with_same_hash():
    delivery = Delivery([RecordingSink()])
    delivery.write(b"abc")
    with pytest.raises(Day2Error, match="Checksum mismatch"):
        delivery.finish(hashlib.sha256(b"abc").hexdigest(), 4)


def test_delivery_abort_skips_committed_sinks():
    good, bad = RecordingSink(), RecordingSink(fail_commit=True)
    bad.name = "bad"
    delivery = Delivery([good, bad])
    delivery.write(b"x")
    with pytest.raises(Day2Error, match="boom"):
        delivery.finish(hashlib.sha256(b"x").hexdigest())
    delivery.abort()
    assert good.committed and not good.aborted and bad.aborted


def test_delivery_without_sinks_says_what_to_give():
    with pytest.raises(Day2Error, match="Give `dest`, `s3_bucket`"):
        Delivery([])


def test_copy_file_streams_in_bounded_chunks(tmp_path):
    src = tmp_path / "big.db"
    data = os.urandom(5 * CHUNK_SIZE + 1)
    src.write_bytes(data)
    sink = RecordingSink()
    delivery = Delivery([sink])
    copy_file(str(src), delivery)
    assert max(sink.chunks) <= CHUNK_SIZE and sum(sink.chunks) == len(data)
    assert delivery.sha256 == file_sha256(str(src))[0] == hashlib.sha256(data).hexdigest()
