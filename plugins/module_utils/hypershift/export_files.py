# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of ocp.day2.hostedcluster_export: a private directory tree, one file per object, export.json last.

A file is written (atomically, 0600) only when its sha256 or mode differs; files an earlier export of the same
HostedCluster listed and this one does not are removed; export.json is rewritten only when the objects changed,
so an export of unchanged objects changes nothing. Directories are 0700.
"""

from __future__ import annotations

import datetime
import json
import os

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import atomic_write, bytes_sha256, file_sha256

MANIFEST = "export.json"


def read_manifest(dest):
    """The manifest already in dest, or None (absent or unreadable: it is then written again)."""
    try:
        with open(os.path.join(dest, MANIFEST)) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_dest(dest):
    """Day2Error when dest cannot be the backup directory; nothing is created here."""
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise Day2Error(
            "dest %s exists and is not a directory. Give a directory for the export (it is created)." % dest
        )
    probe = dest
    while not os.path.exists(probe):
        probe = os.path.dirname(probe) or "."
    if not os.path.isdir(probe):
        raise Day2Error("dest %s cannot be created: %s is not a directory." % (dest, probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise Day2Error(
            "dest %s is not writable: %s does not allow this user to write. Choose another directory or fix its "
            "permissions." % (dest, probe)
        )


def _private_dir(path, changes):
    if not os.path.isdir(path):
        os.makedirs(path, 0o700)
        os.chmod(path, 0o700)
        changes.append(path)
    elif os.stat(path).st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)
        changes.append(path)


def _file_state(path):
    """(sha256, mode) of an existing file, or (None, None)."""
    try:
        return file_sha256(path)[0], os.stat(path).st_mode & 0o777
    except OSError:
        return None, None


def _same_cluster(dest, old, info):
    """Day2Error when dest already holds the export of another HostedCluster (or another one of the same name)."""
    was = (old or {}).get("hostedcluster")
    if not isinstance(was, dict):
        return
    if [was.get(k) for k in ("namespace", "name", "uid")] != [info[k] for k in ("namespace", "name", "uid")]:
        raise Day2Error(
            "dest %s holds the export of HostedCluster %s/%s (uid %s), not of %s/%s (uid %s); it is left as it is. "
            "Give another directory, or remove that export first."
            % (
                dest,
                was.get("namespace"),
                was.get("name"),
                was.get("uid"),
                info["namespace"],
                info["name"],
                info["uid"],
            )  # fmt: skip
        )


def write_export(dest, planned, manifest, check_mode=False):
    """Write what changed; returns (changed, {relative file: (old sha or None, new sha or None)})."""
    old = read_manifest(dest) if os.path.isdir(dest) else None
    _same_cluster(dest, old, manifest["hostedcluster"])
    files = {}
    dirs = []
    wanted = {e["file"] for e, _c in planned}
    try:
        if not check_mode:
            _private_dir(dest, dirs)
        for entry, content in planned:
            path = os.path.join(dest, entry["file"])
            sha, mode = _file_state(path)
            if sha == entry["sha256"] and mode == 0o600:
                continue
            files[entry["file"]] = (sha, entry["sha256"])
            if not check_mode:
                for directory in (os.path.dirname(os.path.dirname(path)), os.path.dirname(path)):
                    _private_dir(directory, dirs)
                atomic_write(path, content, mode=0o600)
        for entry in (old or {}).get("objects") or []:
            stale = entry.get("file") if isinstance(entry, dict) else None
            if not stale or stale in wanted or stale.startswith("/") or ".." in stale.split("/"):
                continue
            path = os.path.join(dest, stale)
            if os.path.isfile(path):
                files[stale] = (_file_state(path)[0], None)
                if not check_mode:
                    os.unlink(path)
        path = os.path.join(dest, MANIFEST)
        if old is not None and {k: v for k, v in old.items() if k != "exported_at"} == manifest:
            if _file_state(path)[1] != 0o600 and not check_mode:
                os.chmod(path, 0o600)
                dirs.append(path)
            return bool(files or dirs), files, old
        manifest = dict(manifest, exported_at=_now())
        content = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        files[MANIFEST] = (_file_state(path)[0], bytes_sha256(content))
        if not check_mode:
            atomic_write(path, content, 0o600)
    except OSError as exc:
        raise Day2Error(
            "Could not write the export to %s: %s. Check free space and permissions; files already written are "
            "complete, and export.json (written last) still describes the previous export, if any." % (dest, exc)
        ) from exc
    return True, files, manifest


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
