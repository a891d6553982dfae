# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-restore of a delivered snapshot: restore it into a scratch data directory, start nothing, compare.

Where it runs (`where`):
- `node`: on the node running etcd_snapshot (the etcd host in host mode, the controller in pod mode) with the
  etcdutl / etcdctl found there, from the file that was delivered (dest) or, without dest, from the local
  copy (host mode) or a spool of the stream that went to S3 (pod mode). No byte is downloaded twice.
- `pod`: in the etcd container, from its temporary snapshot file, when the controller has neither tool.

What is compared: the restore itself (it checks the sha256 etcd appends to every snapshot, so a bit flip or a cut
file fails here) and the restored database's revision against the original's `snapshot status`; on the node also
the data buckets read from both files (bolt.figures): the same key count and the same sha256 of every key and
value (and the walk of the original must agree with its `snapshot status`). The membership and meta buckets are
rewritten by the restore, which is why the total key counts are recorded for both but not required to be equal;
in the pod the restored database's `snapshot status` gives its revision (and its hash, recorded).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
import time
import uuid

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.etcd import bolt
from ansible_collections.ocp.day2.plugins.module_utils.etcd import commands as cmds

RESTORED_DB = "member/snap/db"


class RestoreTestFailed(Day2Error):
    """The snapshot was delivered but does not restore, or restores to other data: it is not good."""


def restore_command(tool, binary, snapshot, data_dir, use_env=False):
    """`etcdutl snapshot restore` (etcd >= 3.5) or `etcdctl snapshot restore` (etcd 3.4) into data_dir.

    data_dir must not exist yet (etcdctl 3.4 refuses an existing one); nothing is started.
    """
    cmd = [binary, "snapshot", "restore", snapshot, "--data-dir", data_dir]
    if use_env:
        return (cmds.POD_ENV + cmd) if tool == "etcdctl" else ["env"] + cmd
    return cmd


def compare(member, original, restored_status, original_figures=None, restored_figures=None):
    """The list of differences between an original snapshot and what was restored from it (empty: good)."""
    problems = []
    if restored_status["revision"] != original["revision"]:
        problems.append(
            "revision %d restored where the snapshot has %d" % (restored_status["revision"], original["revision"])
        )
    if original_figures is not None and (
        original_figures["revision"] != original["revision"] or original_figures["total_keys"] != original["totalKey"]
    ):
        problems.append(
            "the snapshot file reads as revision %d with %d keys but `snapshot status` said %d and %d"
            % (original_figures["revision"], original_figures["total_keys"], original["revision"], original["totalKey"])
        )
    if original_figures is not None and restored_figures is not None:
        if restored_figures["data_keys"] != original_figures["data_keys"]:
            problems.append(
                "%d data keys restored where the snapshot has %d"
                % (restored_figures["data_keys"], original_figures["data_keys"])
            )
        elif restored_figures["data_sha256"] != original_figures["data_sha256"]:
            problems.append("the restored keys and values differ from the snapshot's (data sha256)")
    return problems


def record(tool, where, original, restored_status, started, original_figures=None, restored_figures=None):
    """The manifest's record of a passed test-restore."""
    rec = {
        "restore_tested": True,
        "tool": tool,
        "where": where,
        "revision": original["revision"],
        "total_keys": original["totalKey"],
        "hash": original["hash"],
        "restored_revision": restored_status["revision"],
        "restored_total_keys": restored_status["totalKey"],
        "compared": ["restore (sha256 appended by etcd)", "revision"],
        "duration": round(time.monotonic() - started, 3),
    }
    if restored_status.get("hash") is not None:
        rec["restored_hash"] = restored_status["hash"]
    if original_figures is not None and restored_figures is not None:
        rec["compared"] += ["data keys", "data sha256"]
        rec["data_keys"] = original_figures["data_keys"]
        rec["data_sha256"] = original_figures["data_sha256"]
    return rec


def failed(member, why, kept):
    where = ", ".join(kept) if kept else "nothing was delivered"
    return RestoreTestFailed(
        "Test-restore of etcd member %s FAILED: %s. The snapshot is NOT good and the backup is not reported good. "
        "Its artifacts are kept for inspection (%s); take a new backup once the cause is found (etcd's own data on "
        "the member is untouched)." % (member, why, where),
        restore_test={"restore_tested": False, "member": member, "error": why},
        kept=kept,
    )


def local_tools(etcdutl=None, etcdctl=None):
    """(tool, binary) to restore with on this node: etcdutl when present, else etcdctl; None when neither."""
    for tool, explicit in (("etcdutl", etcdutl), ("etcdctl", etcdctl)):
        candidate = explicit or tool
        found = candidate if os.path.sep in candidate and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return tool, found
    return None


def _run(argv, deadline, step):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "3"
    try:
        return subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False,
            timeout=max(1.0, deadline.check(step)),
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise Day2Timeout(
            "Timed out after %ss while %s. Raise `timeout` for a large database." % (deadline.seconds, step)
        )
    except OSError as exc:
        raise Day2Error("Could not run %s while %s: %s" % (argv[0], step, exc.strerror or exc))


def on_node(member, snapshot_path, original, tools, scratch_parent, deadline, kept):
    """Restore snapshot_path on this node into a scratch directory (removed afterwards) and compare."""
    started = time.monotonic()
    tool, binary = tools
    try:
        scratch = tempfile.mkdtemp(prefix="ocp-day2-restore-test-", dir=scratch_parent or None)
    except OSError as exc:
        raise Day2Error("Cannot create a scratch directory for the test-restore: %s. Set test_restore_dir." % exc)
    try:
        os.chmod(scratch, 0o700)
        data_dir = os.path.join(scratch, "data")
        result = _run(restore_command(tool, binary, snapshot_path, data_dir), deadline, "test-restoring the snapshot")
        if result.returncode != 0:
            why = cmds.clean_stderr(result.stderr, 600) or "no output"
            raise failed(member, "`%s snapshot restore` exit %d: %s" % (tool, result.returncode, why), kept)
        db = os.path.join(data_dir, RESTORED_DB)
        try:
            original_figures = bolt.figures(snapshot_path)
            restored_figures = bolt.figures(db)
        except Day2Error as exc:
            raise failed(member, exc.msg, kept)
        # the walk gives the restored database's revision and key count; a second `snapshot status` process
        # would cost a few tenths of a second per member for nothing more (its hash differs by design)
        restored_status = {"revision": restored_figures["revision"], "totalKey": restored_figures["total_keys"],
                           "hash": None}  # fmt: skip
        problems = compare(member, original, restored_status, original_figures, restored_figures)
        if problems:
            raise failed(member, "; ".join(problems), kept)
        return record(tool, "node", original, restored_status, started, original_figures, restored_figures)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def in_pod(member, source, original, deadline, kept):
    """Restore the pod's temporary snapshot file in the etcd container (etcdutl, else etcdctl), compare revision."""
    started = time.monotonic()
    p = source.params
    scratch = posixpath.join(p["pod_tmp_dir"], "ocp-day2-restore-test-%s" % uuid.uuid4().hex[:12])
    run = source.pexec.run
    try:
        tool = "etcdutl"
        step = "test-restoring the snapshot in the pod"
        result = run(restore_command(tool, p["etcdutl_path"] or "etcdutl", source.path, scratch, True), deadline, step)
        if result.exit_code == 127:  # no etcdutl in this image (etcd < 3.5)
            tool = "etcdctl"
            argv = restore_command(tool, p["etcdctl_path"] or "etcdctl", source.path, scratch, True)
            result = run(argv, deadline, step)
        if result.exit_code != 0:
            why = result.stderr or result.message
            raise failed(
                member,
                "`%s snapshot restore` in %s exit %s: %s" % (tool, source.pexec.where, result.exit_code, why),
                kept,
            )
        binary = p["%s_path" % tool] or tool
        db = posixpath.join(scratch, RESTORED_DB)
        result = run(cmds.status_command(tool, binary, db, use_env=True), deadline, "reading the restored database")
        if result.exit_code != 0:
            raise failed(member, "`%s snapshot status` of the restored database exit %s: %s"
                         % (tool, result.exit_code, result.stderr or result.message), kept)  # fmt: skip
        try:
            restored_status = cmds.parse_status(result.stdout, tool)
        except Day2Error as exc:
            raise failed(member, exc.msg, kept)
        problems = compare(member, original, restored_status)
        if problems:
            raise failed(member, "; ".join(problems), kept)
        return record(tool, "pod", original, restored_status, started)
    finally:
        try:
            run(["rm", "-rf", scratch], cmds.Deadline(60, "removing the scratch directory"), "removing the scratch")
        except Day2Error:
            pass
