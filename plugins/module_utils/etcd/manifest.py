# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_snapshot `manifest`: the backup manifest, written in the run that took the snapshots.

Only after every member and every key Secret was delivered and verified: the caller's document (cluster, release,
destinations, ...) completed with one record per member and per key Secret (references and checksums, never the
key, never a presigned URL) and `finished_at`, written as JSON through a 0600 temporary file and a rename, then
every file of the backup read back where it landed: the manifest and each key Secret file re-hashed, each
snapshot file checked for size and mode (its sha256 was computed from the landed file by the delivery). Saves
the playbook a module run to write the manifest and another to read the files back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import make_private_dirs
from ansible_collections.ocp.day2.plugins.module_utils.etcd.secret_files import md5_hex
from ansible_collections.ocp.day2.plugins.module_utils.files import atomic_write, file_sha256

OPTIONS = {
    "dest": {"type": "path"},
    "content": {"type": "dict", "required": True},
    "key_roles": {"type": "dict", "default": {}, "no_log": False},  # Secret names and their roles, no key
}


def check_manifest(p):
    m = p.get("manifest")
    if not m:
        return
    if not p.get("members"):
        raise Day2Error("`manifest` needs `members`: the manifest records the snapshots of a members run.")
    if m.get("dest"):
        inputs.file_dest(m["dest"], "manifest.dest", create_parents=True)
        taken = [x.get("dest") for x in (p.get("members") or []) + (p.get("secrets") or []) if x.get("dest")]
        if os.path.abspath(m["dest"]) in {os.path.abspath(d) for d in taken}:
            raise Day2Error("manifest.dest=%s is also where a snapshot or a Secret goes: give it its own file."
                            % m["dest"])  # fmt: skip
    for key in ("members", "finished_at"):
        if key in m["content"]:
            raise Day2Error("manifest.content.%s is filled in by the module; leave it out." % key)


def member_record(a):
    s3 = a.get("s3")
    return {
        "member": a["member"], "revision": a["revision"], "hash": a["hash"], "total_keys": a["total_keys"],
        "total_size": a.get("total_size"), "bytes": a["bytes"], "sha256": a["sha256"],
        "file": a["member"] + ".snapshot.db", "dest": a.get("dest"),
        "s3": {k: s3.get(k) for k in ("bucket", "key", "region", "etag", "checksum_sha256")} if s3 else None,
        "taken_at": a.get("taken_at"), "tool": a.get("tool"),
        "restore_tested": bool(a.get("restore_tested")), "restore_test": a.get("restore_test"),
    }  # fmt: skip


def key_record(s, roles):
    return {
        "role": roles.get(s["name"]), "secret": s["name"], "namespace": s["namespace"],
        "file": s["name"] + ".secret.json", "sha256": s["sha256"], "md5": s["md5"], "bytes": s["bytes"],
    }  # fmt: skip


def compose(m, artifacts, secrets, finished_at):
    doc = copy.deepcopy(m["content"])
    doc["members"] = [member_record(a) for a in artifacts]
    doc.setdefault("encryption", {})["keys"] = [key_record(s, m.get("key_roles") or {}) for s in secrets]
    where = doc.get("destinations")
    if isinstance(where, dict) and where.get("s3_bucket"):
        # where the bucket really is (HeadBucket's answer), not the region the client started with
        regions = [r["s3"]["region"] for r in doc["members"] if r["s3"] and r["s3"].get("region")]
        if regions:
            where["s3_region"] = regions[0]
    doc["finished_at"] = finished_at
    return doc


def text(doc):
    """The manifest's JSON text, byte for byte what Ansible's to_nice_json(indent=2) gives, plus a newline."""
    return (json.dumps(doc, indent=2, sort_keys=True, separators=(",", ": ")) + "\n").encode("utf-8")


def _read_back(path, size, sha256, rehash):
    try:
        st = os.lstat(path)
    except OSError as exc:
        return "%s cannot be read back: %s" % (path, exc.strerror or exc)
    if not stat.S_ISREG(st.st_mode):
        return "%s is not a regular file" % path
    if stat.S_IMODE(st.st_mode) != 0o600:
        return "%s has mode %04o, not 0600" % (path, stat.S_IMODE(st.st_mode))
    if st.st_size != size:
        return "%s has %d bytes, the manifest says %d" % (path, st.st_size, size)
    if rehash:
        got, _n = file_sha256(path)
        if got != sha256:
            return "%s has sha256 %s, the manifest says %s" % (path, got, sha256)
    return None


def write(m, doc, secrets):
    """Write the manifest (0600, dirs 0700) and read back every file of the backup; the manifest file's record."""
    data = text(doc)
    record = {"file": "manifest.json", "dest": m.get("dest"), "bytes": len(data),
              "sha256": hashlib.sha256(data).hexdigest(), "md5": md5_hex(data)}  # fmt: skip
    if not m.get("dest"):
        return record
    make_private_dirs(os.path.dirname(os.path.abspath(m["dest"])))
    atomic_write(m["dest"], data, mode=0o600)
    checks = [(m["dest"], record["bytes"], record["sha256"], True)]
    checks += [(r["dest"], r["bytes"], r["sha256"], False) for r in doc["members"] if r.get("dest")]
    checks += [(s["dest"], s["bytes"], s["sha256"], True) for s in secrets if s.get("dest")]
    problems = [msg for msg in (_read_back(*c) for c in checks) if msg]
    if problems:
        os.unlink(m["dest"])  # no manifest beside a backup that does not match it
        raise Day2Error("The backup does not match its manifest where it landed: %s. The backup is not good."
                        % "; ".join(problems))  # fmt: skip
    return record


def write_manifest(m, artifacts, secrets, finished_at):
    """(manifest, its file's record): composed, written and every file on disk read back against it."""
    doc = compose(m, artifacts, secrets, finished_at)
    return doc, write(m, doc, secrets)
