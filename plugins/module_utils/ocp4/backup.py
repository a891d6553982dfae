# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenShift 4 etcd backups (003 §5.4.2.2): the file pair cluster-backup.sh writes, the manifest we keep beside it,
and the guard a restore must pass (same z-stream as the cluster, snapshot and static resources from one run)."""

from __future__ import annotations

import json
import os
import re

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import atomic_write, file_sha256

SNAPSHOT_RE = re.compile(r"^snapshot_(?P<ts>\d{4}-\d{2}-\d{2}_\d{6})\.db$")
STATIC_RE = re.compile(r"^static_kuberesources_(?P<ts>\d{4}-\d{2}-\d{2}_\d{6})\.tar\.gz$")
VERSION_RE = re.compile(r"^(?P<xyz>\d+\.\d+\.\d+)(?P<pre>[-+][0-9A-Za-z.+-]+)?$")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


def backup_files(names):
    """(timestamp, snapshot name, static resources name) of a backup directory's file names; Day2Error unless
    there is exactly one of each and they share one timestamp."""
    snaps = sorted(n for n in names if SNAPSHOT_RE.match(n))
    statics = sorted(n for n in names if STATIC_RE.match(n))
    if len(snaps) != 1 or len(statics) != 1:
        raise Day2Error(
            "The backup directory must hold exactly one snapshot_<timestamp>.db and one "
            "static_kuberesources_<timestamp>.tar.gz from the same cluster-backup.sh run; found snapshots %s and "
            "static resources %s. Keep one backup per directory." % (snaps or "none", statics or "none")
        )
    ts_snap, ts_static = SNAPSHOT_RE.match(snaps[0]).group("ts"), STATIC_RE.match(statics[0]).group("ts")
    if ts_snap != ts_static:
        raise Day2Error(
            "%s and %s come from different backups (timestamps %s and %s): the snapshot and the static pod resources "
            "must be taken together by one cluster-backup.sh run." % (snaps[0], statics[0], ts_snap, ts_static)
        )
    return ts_snap, snaps[0], statics[0]


def parse_version(value, what):
    """The x.y.z of a release version such as 4.14.8 or 4.14.0-rc.1 (the pre-release part kept as given)."""
    match = VERSION_RE.match(str(value or ""))
    if not match:
        raise Day2Error("%s %r is not a release version such as 4.14.8." % (what, value))
    return str(value)


def cluster_version(cv):
    """The version a ClusterVersion object says the cluster runs; Day2Error while an update is in progress."""
    status = (cv or {}).get("status") or {}
    history = status.get("history") or []
    if history and history[0].get("state") != "Completed":
        done = next((h.get("version") for h in history if h.get("state") == "Completed"), "unknown")
        raise Day2Error(
            "The cluster is being updated to %s (ClusterVersion history: %s, last completed %s): its etcd holds a mix "
            "of both releases. Wait until the update completes, then back up or restore."
            % (history[0].get("version"), history[0].get("state"), done)
        )
    version = history[0].get("version") if history else (status.get("desired") or {}).get("version")
    return parse_version(version, "The ClusterVersion's version")


def zstream_problems(manifest, timestamp, checksums, running):
    """Every reason the backup (its manifest, its files' timestamp and sha256) may not restore a cluster running
    `running`; an empty list when it may (003 §5.4.2.2: a 4.7.2 cluster needs a backup taken on 4.7.2)."""
    problems = []
    recorded = manifest.get("cluster_version")
    if recorded != running:
        problems.append(
            "the backup was taken on %s but the cluster runs %s: a restore needs an etcd backup from the same z-stream "
            "release (x.y.z)" % (recorded or "an unrecorded version", running)
        )
    if manifest.get("timestamp") != timestamp:
        problems.append(
            "the manifest names the backup of %s but the files are from %s" % (manifest.get("timestamp"), timestamp)
        )
    for name, sha in sorted(checksums.items()):
        want = ((manifest.get("files") or {}).get(name) or {}).get("sha256")
        if want != sha:
            problems.append("%s has sha256 %s, the manifest recorded %s" % (name, sha, want or "nothing"))
    return problems


def read_dir(path):
    """(timestamp, {name: {"sha256", "size"}}, manifest or None) of a backup directory on this host."""
    try:
        names = os.listdir(path)
    except OSError as exc:
        raise Day2Error("Cannot read the backup directory %s: %s." % (path, exc.strerror or exc)) from exc
    timestamp, snap, static = backup_files(names)
    files = {}
    for name in (snap, static):
        sha, size = file_sha256(os.path.join(path, name))
        files[name] = {"sha256": sha, "size": size}
    manifest = None
    if MANIFEST in names:
        try:
            with open(os.path.join(path, MANIFEST)) as f:
                manifest = json.load(f)
        except (OSError, ValueError) as exc:
            raise Day2Error(
                "%s is not a readable manifest (%s): write it again with ocp.day2.ocp4_backup_check "
                "write_manifest=true, or take a new backup." % (os.path.join(path, MANIFEST), exc)
            ) from exc
        if not isinstance(manifest, dict):
            raise Day2Error("%s is not a JSON object; take a new backup." % os.path.join(path, MANIFEST))
    return timestamp, files, manifest


def build_manifest(timestamp, files, version, host=None):
    return {"format": MANIFEST_FORMAT, "cluster_version": version, "timestamp": timestamp, "host": host, "files": files}


def write_manifest(path, manifest):
    atomic_write(os.path.join(path, MANIFEST), (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
