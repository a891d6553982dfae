# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put chosen members of a host backup archive back under a root, all or nothing.

Every replaced file is first copied to `<file><suffix>` (the guide's `.old`); when a later file
fails, the files already written are put back from those copies (or removed when they were new),
so a failed restore leaves the host as it was.
"""

from __future__ import annotations

import os
import shutil
import stat

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import atomic_write, file_sha256, stream_sha256


def _safe_target(root, name):
    parts = name.split("/")
    if name.startswith("/") or ".." in parts:
        raise Day2Error("The archive member %r is not a relative path inside the root; refusing to restore it." % name)
    return os.path.join(root, *parts)


def _inside(root, path):
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def _owner_differs(st, info):
    return os.geteuid() == 0 and (st.st_uid, st.st_gid) != (info.uid, info.gid)


def plan(tar, members, names, root):
    """What restoring `names` would do: [{path, name, action, reason}] with action create/replace/none."""
    steps = []
    for name in names:
        info = members[name]
        target = _safe_target(root, name)
        action, reason = "none", "identical"
        if not os.path.lexists(target):
            action, reason = "create", "missing"
        else:
            st = os.lstat(target)
            if info.isdir():
                if not stat.S_ISDIR(st.st_mode):
                    raise Day2Error(
                        "%s is in the backup as a directory but is not one on the host; move it aside first." % target
                    )
                if stat.S_IMODE(st.st_mode) != info.mode or _owner_differs(st, info):
                    action, reason = "replace", "mode or owner"
            elif info.issym():
                if not stat.S_ISLNK(st.st_mode) or os.readlink(target) != info.linkname:
                    action, reason = "replace", "link target"
            elif info.isreg():
                if stat.S_ISDIR(st.st_mode):
                    raise Day2Error(
                        "%s is in the backup as a file but is a directory on the host; move it aside first." % target
                    )
                if not stat.S_ISREG(st.st_mode):
                    action, reason = "replace", "type"
                elif file_sha256(target)[0] != stream_sha256(tar.extractfile(info))[0]:
                    action, reason = "replace", "content"
                elif stat.S_IMODE(st.st_mode) != info.mode or _owner_differs(st, info):
                    action, reason = "replace", "mode or owner"
            else:
                continue
        steps.append({"name": name, "path": "/" + name, "target": target, "action": action, "reason": reason})
    return steps


def _apply_owner(path, info, follow=True):
    if os.geteuid() == 0:
        if follow:
            os.chown(path, info.uid, info.gid)
        else:
            os.lchown(path, info.uid, info.gid)


def _write_file(tar, info, target):
    def finish(tmp):
        _apply_owner(tmp, info)
        os.chmod(tmp, info.mode)
        os.utime(tmp, (info.mtime, info.mtime))

    atomic_write(target, tar.extractfile(info), prepare=finish)


def apply(tar, members, steps, root, suffix):
    """Carry out the planned steps; on error put everything back and raise Day2Error naming the file."""
    done = []  # (target, backup or None, kind)
    current = None
    try:
        for step in steps:
            if step["action"] == "none":
                continue
            current = step
            info, target = members[step["name"]], step["target"]
            if not _inside(root, os.path.dirname(target)):
                raise Day2Error("the parent directory of %s leads outside %s through a symlink" % (target, root))
            if info.isdir():
                if not os.path.lexists(target):
                    os.mkdir(target, info.mode)
                    done.append((target, None, "dir"))
                else:
                    done.append((target, ("mode", os.lstat(target)), "dirmode"))
                _apply_owner(target, info)
                os.chmod(target, info.mode)
                continue
            backup = None
            if os.path.lexists(target):
                backup = target + suffix
                if os.path.lexists(backup) and not os.path.islink(backup) and os.path.isdir(backup):
                    raise Day2Error("the copy %s of the current file would overwrite a directory" % backup)
                if os.path.islink(target):
                    if os.path.lexists(backup):
                        os.unlink(backup)
                    os.symlink(os.readlink(target), backup)
                else:
                    shutil.copy2(target, backup)
                    st = os.lstat(target)
                    if os.geteuid() == 0:
                        os.chown(backup, st.st_uid, st.st_gid)
            done.append((target, backup, "file"))
            step["backup"] = backup and "/" + os.path.relpath(backup, root).replace(os.sep, "/")
            if info.issym():
                if os.path.lexists(target):
                    os.unlink(target)
                os.symlink(info.linkname, target)
                _apply_owner(target, info, follow=False)
            else:
                _write_file(tar, info, target)
    except (OSError, Day2Error) as exc:
        problems = _roll_back(done)
        reason = exc.msg if isinstance(exc, Day2Error) else str(exc)
        msg = "Restoring %s failed: %s. " % (current["path"] if current else "the archive", reason)
        if problems:
            msg += (
                "Putting back the files already restored ALSO failed for: %s; fix them by hand from their %s copies."
                % (", ".join(problems), suffix)
            )
        else:
            msg += "The %d files already restored were put back as they were." % len(done)
        raise Day2Error(msg)
    return steps


def _roll_back(done):
    problems = []
    for target, backup, kind in reversed(done):
        try:
            if kind == "dirmode":
                st = backup[1]
                os.chmod(target, stat.S_IMODE(st.st_mode))
            elif kind == "dir":
                os.rmdir(target)
            elif backup:
                os.replace(backup, target)
            elif os.path.lexists(target):
                os.unlink(target)
        except OSError:
            problems.append(target)
    return problems
