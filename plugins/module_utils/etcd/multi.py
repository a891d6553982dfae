# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_snapshot `members`: several members' snapshots taken, verified and delivered at once.

Each member runs in its own thread with its own exec websockets and its own sinks (a file, an S3 multipart
upload); the threads share the kubernetes ApiClient (its API calls are serialised by pod.API_LOCK) and the boto3
client (thread-safe). All or nothing in the report: when a member fails, the module fails naming it, returns the
artifacts of the others, and removes whatever the failed member delivered.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd import manifest, secret_files
from ansible_collections.ocp.day2.plugins.module_utils.etcd import snapshot as snap
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline

EXCLUSIVE = ("dest", "s3_key", "member")


def check_members(p):
    if p["mode"] != "pod":
        raise Day2Error("`members` works in pod mode only; in host mode run the module once per etcd host.")
    given = [o for o in EXCLUSIVE if p.get(o)]
    if given:
        raise Day2Error(
            "`members` and %s are mutually exclusive: give dest, s3_key and member per member." % ", ".join(given)
        )
    if p["concurrency"] < 1:
        raise Day2Error("concurrency must be at least 1, got %s." % p["concurrency"])
    seen = {"pod": set(), "dest": set(), "s3_key": set()}
    for m in p["members"]:
        if not m.get("dest") and not m.get("s3_key"):
            raise Day2Error("Member %s has nowhere to go: give it dest, s3_key (with s3_bucket), or both." % m["pod"])
        if m.get("s3_key") and not p.get("s3_bucket"):
            raise Day2Error("Member %s has an s3_key but the module has no s3_bucket." % m["pod"])
        for option in seen:
            value = os.path.abspath(m[option]) if option == "dest" and m.get(option) else m.get(option)
            if value and value in seen[option]:
                raise Day2Error("Two members have the same %s %s: each member needs its own." % (option, value))
            if value:
                seen[option].add(value)


def member_params(p, m):
    q = dict(p)
    q.update(pod=m["pod"], dest=m.get("dest"), s3_key=m.get("s3_key"), member=m.get("member") or m["pod"])
    return q


def _run_member(module, source, q, client, bucket_region, deadline):
    """(artifact, None, extra) or (None, message, extra); never raises, so one member cannot hide the others'.

    extra: what a failed test-restore kept for inspection ({} otherwise).
    """
    try:
        return snap.snapshot_one(module, source, q, client, bucket_region, deadline, undo_partial=True), None, {}
    except Day2Error as exc:
        extra = {k: exc.result[k] for k in ("kept", "restore_test") if k in exc.result}
        return None, exc.msg, extra
    except Exception as exc:  # noqa: BLE001 - reported per member, the module fails with all of them
        return None, "unexpected %s: %s" % (type(exc).__name__, exc), {}


def execute_members(module):
    p = module.params
    check_members(p)
    secret_files.check_secrets(p)
    deadline = Deadline(p["timeout"])
    params = [member_params(p, m) for m in p["members"]]
    sources = [snap.make_source(module, q) for q in params]
    refused = []
    for q, source in zip(params, sources):  # every pod checked before anything is taken
        try:
            source.preflight(deadline)
        except Day2Error as exc:
            refused.append({"pod": q["pod"], "msg": exc.msg})
    if refused:
        raise Day2Error(
            "%d of %d etcd pods cannot be snapshotted, so none was: %s"
            % (len(refused), len(params), "; ".join("%s: %s" % (f["pod"], f["msg"]) for f in refused)),
            artifacts=[],
            failed_members=refused,
        )
    client = snap.s3_client(module) if p.get("s3_bucket") else None
    bucket_region = None
    if client is not None:
        bucket_region = snap.s3_transfer.check_bucket(client, p["s3_bucket"], p.get("endpoint_url"))
    if module.check_mode:
        return {
            "changed": True,
            "would_snapshot": [s.describe() for s in sources],
            "would_deliver": [snap.plan(q) for q in params],
            "would_test_restore": [(snap.restore_plan(q, s) or [None])[0] for q, s in zip(params, sources)],
            "would_save_secrets": secret_files.plan(p),
            "would_write_manifest": (p.get("manifest") or {}).get("dest"),
        }

    before = [snap.dest_state(q.get("dest")) for q in params]
    started = time.monotonic()
    # the secrets first: a snapshot without its encryption key is of no use, so a Secret that cannot be saved
    # stops the run before any snapshot is taken
    secrets = secret_files.save_secrets(module, client, deadline, snap.s3_transfer, snap.undo)
    workers = min(p["concurrency"], len(params))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="etcd-snapshot") as pool:
        futures = [
            pool.submit(_run_member, module, source, q, client, bucket_region, deadline)
            for source, q in zip(sources, params)
        ]
        outcomes = [f.result() for f in futures]
    artifacts = [a for a, _err, _x in outcomes if a is not None]
    failed = [dict(extra, pod=q["pod"], msg=err) for q, (_a, err, extra) in zip(params, outcomes) if err is not None]
    if failed:
        kept = [path for f in failed for path in f.get("kept") or []]
        raise Day2Error(
            "%d of %d etcd snapshots failed: %s. %s; the others were delivered and are listed in `artifacts`."
            % (
                len(failed),
                len(params),
                "; ".join("%s: %s" % (f["pod"], f["msg"].rstrip(".")) for f in failed),
                "What failed its test-restore is kept for inspection (%s), anything else of the failed member(s) "
                "was removed" % ", ".join(kept)
                if kept
                else "Nothing of the failed member(s) was kept",
            ),  # fmt: skip
            artifacts=artifacts,
            restore_test_failed=[f["pod"] for f in failed if "restore_test" in f],
            # not `failed`: Ansible's fail_json sets failed=True over any key of that name
            failed_members=failed,
            secrets=secrets,
            changed=bool(artifacts) or bool(secrets),
        )
    result = {"changed": True, "artifacts": artifacts}
    if p.get("secrets"):
        result["secrets"] = secrets
    if p.get("manifest"):
        # only now, with every artifact delivered and verified; a manifest that cannot be written and read back
        # fails the run (the artifacts are listed for the caller to discard)
        try:
            result["manifest"], result["manifest_file"] = manifest.write_manifest(
                p["manifest"], artifacts, secrets, snap.rfc3339_now()
            )
        except (Day2Error, OSError) as exc:
            raise Day2Error(
                getattr(exc, "msg", None) or "Writing the manifest %s failed: %s." % (p["manifest"]["dest"], exc),
                artifacts=artifacts, secrets=secrets, changed=True, manifest_failed=True,
            ) from exc  # fmt: skip
    result["duration"] = round(time.monotonic() - started, 3)
    if module._diff:
        result["diff"] = {
            "before": [{"dest": b, "s3": None} for b in before],
            "after": [snap.diff_after(a) for a in artifacts],
        }
    return result
