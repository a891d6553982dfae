# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a snapshot lands: a file (dest) and/or S3, fed chunk by chunk from one stream.

A Delivery fans each chunk out to its sinks while hashing the stream; nothing is made visible
(file renamed into place, multipart upload completed) until the stream's sha256 equals the one
computed where the snapshot was written. Any failure aborts every sink not yet committed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import CHUNK_SIZE, file_sha256, fsync_dir


def make_private_dirs(path):
    """Create missing directories of `path` with mode 0700 (whatever the umask); existing ones are left alone."""
    path = os.path.abspath(path)
    missing = []
    while path and not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)


class FileSink:
    """Writes to a hidden 0600 temporary file next to `dest`; commit re-reads it and renames it into place."""

    name = "dest"

    def __init__(self, dest):
        self.dest = os.path.abspath(dest)
        if os.path.isdir(self.dest):
            raise Day2Error("dest %s is a directory; give the path of the snapshot file to write." % self.dest)
        parent = os.path.dirname(self.dest)
        try:
            make_private_dirs(parent)
            fd, self.tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.dest), suffix=".part", dir=parent)
        except OSError as exc:
            raise Day2Error(
                "Cannot write the snapshot under %s: %s. Choose a dest the user running the module can write."
                % (parent, exc.strerror or exc)
            )
        self._file = os.fdopen(fd, "wb")
        self.bytes = 0

    def write(self, chunk):
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise Day2Error("Writing %s failed: %s (is the disk full?)." % (self.tmp, exc.strerror or exc))
        self.bytes += len(chunk)

    def commit(self, sha256, size):
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            landed, landed_size = file_sha256(self.tmp)
        except OSError as exc:
            raise Day2Error("Finishing %s failed: %s (is the disk full?)." % (self.tmp, exc.strerror or exc))
        if landed != sha256 or landed_size != size:
            raise Day2Error(
                "Checksum mismatch at dest: the file written has sha256 %s (%d bytes) but the snapshot has %s "
                "(%d bytes). The disk or filesystem under %s corrupted it; nothing was kept."
                % (landed, landed_size, sha256, size, os.path.dirname(self.dest)),
                sha256_expected=sha256,
                sha256_landed=landed,
            )
        try:
            os.chmod(self.tmp, 0o600)
            os.replace(self.tmp, self.dest)
        except OSError as exc:
            raise Day2Error("Moving the verified snapshot to %s failed: %s" % (self.dest, exc.strerror or exc))
        self.tmp = None
        fsync_dir(os.path.dirname(self.dest))
        return {"dest": self.dest, "sha256": landed, "bytes": landed_size}

    def abort(self):
        if not self._file.closed:
            self._file.close()
        if self.tmp and os.path.exists(self.tmp):
            os.unlink(self.tmp)
        self.tmp = None


class Delivery:
    """Fans chunks out to sinks, hashes the stream, and commits only a verified stream."""

    def __init__(self, sinks, deadline=None):
        if not sinks:
            raise Day2Error("Give `dest`, `s3_bucket` (with `s3_key`), or both: there is nowhere to deliver to.")
        self.sinks = list(sinks)
        self.deadline = deadline
        self._hash = hashlib.sha256()
        self.bytes = 0
        self.committed = {}

    def write(self, chunk):
        if not chunk:
            return
        if self.deadline is not None:
            self.deadline.check("transferring the snapshot")
        self._hash.update(chunk)
        self.bytes += len(chunk)
        for sink in self.sinks:
            sink.write(chunk)

    @property
    def sha256(self):
        return self._hash.hexdigest()

    def finish(self, expected_sha256, expected_bytes=None):
        """Verify the stream against the source's checksum, then commit each sink (each verifies again)."""
        got = self.sha256
        if got != expected_sha256 or (expected_bytes is not None and expected_bytes != self.bytes):
            raise Day2Error(
                "Checksum mismatch in transfer: the snapshot has sha256 %s where it was written but %s (%d bytes) "
                "arrived here. The stream was cut or corrupted; nothing was kept. Run the task again."
                % (expected_sha256, got, self.bytes),
                sha256_expected=expected_sha256,
                sha256_received=got,
            )
        for sink in self.sinks:
            self.committed[sink.name] = sink.commit(got, self.bytes)
        return self.committed

    def abort(self):
        """Abort every sink not committed; errors while cleaning up must not hide the first failure."""
        for sink in self.sinks:
            if sink.name in self.committed:
                continue
            try:
                sink.abort()
            except Exception:  # noqa: BLE001 - best effort cleanup after a failure already being reported
                pass


def copy_file(path, delivery, chunk_size=CHUNK_SIZE):
    """Stream a local file into a Delivery in chunks."""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            delivery.write(chunk)
