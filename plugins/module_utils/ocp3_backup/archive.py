# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic tar.gz archives of host files under a root prefix, and selective restores from them.

The same files give the same archive bytes (sorted members, gzip mtime 0, no host name in the
header), so a backup re-run over unchanged files reports no change and its checksum is stable.
Member names are paths relative to the root ("etc/origin/master/master-config.yaml"); data the
backup adds itself (the package list) lives under META_PREFIX and is never restored as a file.
"""

from __future__ import annotations

import fnmatch
import glob
import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
import tempfile

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import file_sha256

META_PREFIX = ".ocp-day2/"
PACKAGES_MEMBER = META_PREFIX + "packages.txt"
CHUNK = 1024 * 1024


class _HashingWriter:
    """A write-only file object that hashes what passes through and optionally writes it on."""

    def __init__(self, target=None):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.sha256.update(data)
        self.size += len(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)

    def flush(self):
        if self.target is not None:
            self.target.flush()


def _rel(root, path):
    return os.path.relpath(path, root).replace(os.sep, "/")


def collect(root, patterns):
    """Expand absolute path patterns under root; return (sorted list of (relname, fullpath), missing patterns).

    Directories are walked (not following symlinks); symlinks are kept as links.
    """
    root = os.path.abspath(root)
    found = {}
    missing = []
    for pattern in patterns:
        if not pattern.startswith("/"):
            raise Day2Error("Backup path %r must be absolute (for example /etc/origin)." % pattern)
        matches = sorted(glob.glob(os.path.join(root, pattern.lstrip("/"))))
        matches = [m for m in matches if os.path.lexists(m)]
        if not matches:
            missing.append(pattern)
            continue
        for match in matches:
            real = os.path.abspath(match)
            if real != root and not real.startswith(root.rstrip("/") + "/"):
                raise Day2Error("Backup path %r resolves outside the root %s." % (pattern, root))
            _add_tree(root, real, found)
    return sorted(found.items()), missing


def _add_tree(root, path, found):
    found[_rel(root, path)] = path
    if os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                found[_rel(root, full)] = full


def _tarinfo(name, path):
    st = os.lstat(path)
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    info.uid, info.gid = st.st_uid, st.st_gid
    info.uname = info.gname = ""
    info.mtime = int(st.st_mtime)
    if stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
    elif stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISREG(st.st_mode):
        info.type = tarfile.REGTYPE
        info.size = st.st_size
    else:
        return None  # sockets, devices and fifos are not configuration
    return info


def _meta_info(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    return info


def write_archive(fileobj, entries, extras=None):
    """Write a deterministic tar.gz of entries [(name, path)] and extras {name: bytes} to fileobj.

    Returns the member list [{path, type, size, mode, uid, gid, sha256}] (sha256 for regular files).
    """
    members = []
    # nested, not parenthesised: modules run on Python 3.9 targets
    with gzip.GzipFile(filename="", mode="wb", fileobj=fileobj, mtime=0, compresslevel=6) as gz:  # noqa: SIM117
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for name, path in entries:
                info = _tarinfo(name, path)
                if info is None:
                    continue
                record = {
                    "path": "/" + name,
                    "type": {tarfile.SYMTYPE: "link", tarfile.DIRTYPE: "directory"}.get(info.type, "file"),
                    "mode": "%04o" % info.mode,
                    "uid": info.uid,
                    "gid": info.gid,
                }
                if info.isreg():
                    with open(path, "rb") as f:
                        data = f.read()
                    info.size = len(data)  # the file may have changed since lstat
                    record["size"] = info.size
                    record["sha256"] = hashlib.sha256(data).hexdigest()
                    tar.addfile(info, io.BytesIO(data))
                else:
                    if info.issym():
                        record["target"] = info.linkname
                    tar.addfile(info)
                members.append(record)
            for name in sorted(extras or {}):
                data = extras[name]
                tar.addfile(_meta_info(name, data), io.BytesIO(data))
    return members


def create(dest, entries, extras=None, check_mode=False, mode=0o600):
    """Build the archive; replace dest only when the bytes differ. Returns (changed, sha256, size, members)."""
    before = file_sha256(dest)[0] if os.path.isfile(dest) else None
    if check_mode:
        sink = _HashingWriter()
        members = write_archive(sink, entries, extras)
        after = sink.sha256.hexdigest()
        return after != before or _mode_differs(dest, mode), after, sink.size, members
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        raise Day2Error("The backup directory %s does not exist; create it (mode 0700) first." % directory)
    fd, tmp = tempfile.mkstemp(prefix=".ocp-day2-", suffix=".tar.gz.part", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as raw:
            sink = _HashingWriter(raw)
            members = write_archive(sink, entries, extras)
            raw.flush()
            os.fsync(raw.fileno())
        after = sink.sha256.hexdigest()
        if after == before:
            os.unlink(tmp)
            changed = _mode_differs(dest, mode)
            if changed:
                os.chmod(dest, mode)
            return changed, after, sink.size, members
        os.rename(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True, after, sink.size, members


def _mode_differs(path, mode):
    return not os.path.exists(path) or stat.S_IMODE(os.stat(path).st_mode) != mode


def read_members(src):
    """Open an archive written by write_archive; return (TarFile, {name: TarInfo}). Caller closes the TarFile."""
    try:
        tar = tarfile.open(src, mode="r:gz")  # noqa: SIM115 - the caller closes it
        members = {(m.name[2:] if m.name.startswith("./") else m.name): m for m in tar.getmembers()}
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise Day2Error(
            "Cannot read the backup archive %s: %s. Is it a tar.gz written by this collection?" % (src, exc)
        )
    return tar, members


def select(members, patterns):
    """Member names matching any pattern (absolute paths, shell globs; a directory selects its tree).

    Returns (sorted names, patterns that matched nothing).
    """
    chosen, unmatched = set(), []
    names = [n for n in members if not n.startswith(META_PREFIX)]
    for pattern in patterns:
        pat = pattern.strip("/")
        hits = [n for n in names if fnmatch.fnmatchcase(n, pat) or n.startswith(pat + "/")]
        dirs = [h for h in hits if members[h].isdir()]
        hits += [n for n in names if any(n.startswith(d + "/") for d in dirs)]
        if not hits:
            unmatched.append(pattern)
        chosen.update(hits)
    return sorted(chosen), unmatched


def installed_packages(module, command=None):
    """The sorted installed package list: `command` (argv) if given, else rpm -qa, else dpkg-query."""
    if not command:
        rpm = module.get_bin_path("rpm")
        dpkg = module.get_bin_path("dpkg-query")
        if rpm:
            command = [rpm, "-qa"]
        elif dpkg:
            command = [dpkg, "-W", "-f", "${binary:Package}-${Version}\\n"]
        else:
            raise Day2Error("Neither rpm nor dpkg-query is installed; set the package list command explicitly.")
    rc, out, err = module.run_command(command)
    if rc != 0:
        raise Day2Error("The package list command %s failed (rc=%d): %s" % (" ".join(command), rc, err.strip()))
    return package_lines(out)


def package_lines(text):
    return sorted({line.strip() for line in text.splitlines() if line.strip()})


def package_diff(backup_lines, current_lines):
    backup, current = set(backup_lines), set(current_lines)
    return {
        "backup_count": len(backup),
        "current_count": len(current),
        "missing": sorted(backup - current),
        "added": sorted(current - backup),
    }


def manifest_json(data):
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
