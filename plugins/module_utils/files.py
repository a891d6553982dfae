# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place for file checksums and atomic, private file writes.

Backups are judged by their sha256, and a file is only ever seen complete or not at all:
every writer streams into a temporary file beside the target, fsyncs it and renames it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import tempfile
import threading

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Interrupted

CHUNK_SIZE = 1024 * 1024


def stream_sha256(fileobj, chunk_size=CHUNK_SIZE):
    """sha256 hex digest and byte count of everything left in a binary file object (bounded memory)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: fileobj.read(chunk_size), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def file_sha256(path, chunk_size=CHUNK_SIZE):
    """sha256 hex digest and size of the file at path."""
    with open(path, "rb") as f:
        return stream_sha256(f, chunk_size)


def bytes_sha256(data):
    return hashlib.sha256(data).hexdigest()


def fsync_dir(path):
    """Make a rename in directory path durable; best effort (some filesystems refuse)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, source, mode=0o600, prepare=None):
    """Write source (bytes or a binary file object) to path through a temporary file and a rename.

    The temporary file is created with `mode` from the start, so its content is never readable by
    others; prepare(tmp_path) may set owner or times before the rename. Nothing is left behind on error.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ocp-day2-", suffix=".part", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            if isinstance(source, (bytes, bytearray)):
                out.write(source)
            else:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
            out.flush()
            os.fsync(out.fileno())
        if prepare is not None:
            prepare(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


@contextlib.contextmanager
def signals_raise(signums=(signal.SIGTERM, signal.SIGINT, signal.SIGHUP)):
    """Within the block, a termination signal raises Day2Interrupted in the main thread.

    Python's default for SIGTERM is to die at once, leaving temporary files and child processes behind; raised
    as an exception, every `finally` and `except BaseException` cleanup runs (subprocess.run kills its child).
    A second signal during the cleanup is ignored. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if fired:
            return
        fired.append(signum)
        raise Day2Interrupted(signal.Signals(signum).name)

    previous = {}
    for signum in signums:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError):
            pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
