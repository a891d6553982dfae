# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where backups live for backup_retention: the subdirectories of a controller directory, or the sub-prefixes of
an S3 prefix. Each backup is one directory / prefix holding the manifest.json its backup role wrote last.

Read: the backup's id (its name), time, whether it is complete (a manifest of ours), verified (no member whose
test-restore failed or was skipped) and locked (in use). Locks:
- a file or object named `ocp-day2-lock*` inside the backup (its JSON `reason` is reported when present): the
  documented marker for anything that must not lose a backup while it works (see docs/backup_retention.md);
- a `migration.json` beside the backups (hostedcluster_migrate's progress record) that is not `completed`: the
  backup of its `migration_id`, and any backup holding its snapshot's keys;
- `protect`: ids, paths/keys or snapshot sha256s given by the caller (the in-place restore's recorded snapshot).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_rfc3339
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

MANIFEST = "manifest.json"
LOCK_PREFIX = "ocp-day2-lock"
MIGRATION_RECORD = "migration.json"


def _time_from(manifest, backup_id, fallback):
    for value in (manifest.get("started_at"), manifest.get("finished_at"),
                  (manifest.get("snapshot") or {}).get("taken_at")):  # fmt: skip
        moment = parse_rfc3339(value) if value else None
        if moment:
            return moment
    try:
        return datetime.datetime.strptime(backup_id, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return fallback


def _records(manifest):
    if isinstance(manifest.get("members"), list):
        return [m for m in manifest["members"] if isinstance(m, dict)]
    return [manifest["snapshot"]] if isinstance(manifest.get("snapshot"), dict) else []


def describe(backup_id, location, manifest, files, mtime, locks, protect):
    """The backup record the policy works on (see retention.py), with what the report shows."""
    ours = isinstance(manifest, dict) and any(k in manifest for k in ("members", "snapshot", "config"))
    manifest = manifest if ours else {}
    records = _records(manifest)
    sums = {r.get("sha256") for r in records if r.get("sha256")}
    locked = [locks[f] for f in files if f in locks]
    hits = [p for p in protect if p in (backup_id, location) or p in sums or p in files]
    if hits:
        locked.append("protected (%s)" % ", ".join(sorted(hits)))
    return {
        "id": backup_id,
        "location": location,
        "time": _time_from(manifest, backup_id, mtime),
        "complete": ours,
        "verified": ours and all(r.get("restore_tested", True) is not False for r in records),
        "restore_tested": bool(records) and all(r.get("restore_tested") is True for r in records),
        "locked": "; ".join(locked) or None,
    }


def _lock_reason(name, text):
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    reason = data.get("reason") if isinstance(data, dict) else None
    return "lock %s%s" % (name, ": %s" % reason if reason else "")


def migration_locks(text, where):
    """{backup id or key: reason} from a migration.json beside the backups, when the migration is not completed."""
    try:
        record = json.loads(text)
    except ValueError:
        raise Day2Error(
            "%s is not valid JSON: a migration's progress record that cannot be read may point at any backup, so "
            "none is removed. Fix or finish the migration first." % where
        )
    if not isinstance(record, dict) or record.get("completed"):
        return {}
    reason = "migration %s in progress (%s)" % (record.get("migration_id"), where)
    locks = {}
    if record.get("migration_id"):
        locks[str(record["migration_id"])] = reason
    snap = record.get("snapshot") or {}
    for key in [snap.get("key")] + [m.get("key") for m in snap.get("members") or [] if isinstance(m, dict)]:
        if key:
            locks[key] = reason
    return locks


class DirStore:
    """Backups as subdirectories of a controller directory."""

    kind = "dir"

    def __init__(self, root):
        self.root = os.path.abspath(root)
        if not os.path.isdir(self.root):
            raise Day2Error("path %s is not a directory: give the directory that holds the backups." % self.root)

    def list(self, protect):
        extra = {}
        record = os.path.join(self.root, MIGRATION_RECORD)
        if os.path.isfile(record):
            with open(record) as f:
                extra = migration_locks(f.read(), record)
        out = []
        for name in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, name)
            if not os.path.isdir(path) or os.path.islink(path):
                continue
            files = sorted(os.listdir(path))
            manifest = None
            if MANIFEST in files:
                try:
                    with open(os.path.join(path, MANIFEST)) as f:
                        manifest = json.load(f)
                except (OSError, ValueError):
                    manifest = None
            locks = {}
            for f in files:
                if f.startswith(LOCK_PREFIX):
                    with open(os.path.join(path, f), errors="replace") as fh:
                        locks[f] = _lock_reason(f, fh.read(65536))
            mtime = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
            backup = describe(name, path, manifest, files, mtime, locks, protect)
            if name in extra:
                backup["locked"] = "; ".join(x for x in (backup["locked"], extra[name]) if x)
            out.append(backup)
        return out

    def remove(self, backup):
        try:
            shutil.rmtree(backup["location"])
        except OSError as exc:
            raise Day2Error("Removing %s failed: %s" % (backup["location"], exc.strerror or exc))
        return {"id": backup["id"], "location": backup["location"]}


class S3Store:
    """Backups as sub-prefixes of `<prefix>/` in a bucket."""

    kind = "s3"

    def __init__(self, client, bucket, prefix):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/"
        self._objects = {}

    def _get(self, key, limit=1024 * 1024):
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            return body.read(limit).decode("utf-8", "replace")
        finally:
            body.close()

    def list(self, protect):
        groups = {}
        loose = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents") or []:
                rest = obj["Key"][len(self.prefix) :]
                if "/" in rest:
                    groups.setdefault(rest.split("/", 1)[0], []).append(obj)
                else:
                    loose.append(rest)
        extra = {}
        if MIGRATION_RECORD in loose:
            where = "s3://%s/%s%s" % (self.bucket, self.prefix, MIGRATION_RECORD)
            extra = migration_locks(self._get(self.prefix + MIGRATION_RECORD), where)
        out = []
        for name in sorted(groups):
            objs = groups[name]
            base = self.prefix + name + "/"
            files = sorted(o["Key"][len(base) :] for o in objs)
            manifest = None
            if MANIFEST in files:
                try:
                    manifest = json.loads(self._get(base + MANIFEST))
                except ValueError:
                    manifest = None
            locks = {f: _lock_reason(f, self._get(base + f, 65536)) for f in files if f.startswith(LOCK_PREFIX)}
            newest = max(o["LastModified"] for o in objs)
            backup = describe(name, "s3://%s/%s" % (self.bucket, base), manifest, files, newest, locks, protect)
            hits = [extra[k] for k in [name] + [o["Key"] for o in objs] if k in extra]
            if hits:
                backup["locked"] = "; ".join([backup["locked"]] * bool(backup["locked"]) + sorted(set(hits)))
            self._objects[name] = [o["Key"] for o in objs]
            out.append(backup)
        return out

    def remove(self, backup):
        keys = self._objects.get(backup["id"], [])
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            errors = answer.get("Errors") or []
            if errors:
                raise Day2Error(
                    "S3 refused to delete %d object(s) of %s, e.g. %s: %s. Check s3:DeleteObject on the bucket."
                    % (len(errors), backup["location"], errors[0].get("Key"), errors[0].get("Message")),
                )
        return {"id": backup["id"], "location": backup["location"], "objects": len(keys)}
