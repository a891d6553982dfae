"""backup_retention end to end, one playbook run: the role on controller directories and on S3 prefixes in moto,
with counts, ages and a tiered policy; the only verified backup survives; a backup in use, a failed run's
leftovers and another cluster's backups are untouched; check mode deletes nothing.

The backups are laid out as hostedcluster_etcd_backup writes them (one directory / prefix per backup with its
manifest.json), dated relative to now.
"""

import datetime
import json
import time

from tests.harness.ansible import run_playbook, write_playbook

BUCKET = "retention-e2e"
CLOCK = {"now": datetime.datetime.now(datetime.timezone.utc)}  # set again when the test starts

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Apply a policy to one place
      ansible.builtin.include_role:
        name: ocp.day2.backup_retention
        apply:
          check_mode: "{{ item.check | default(false) }}"
      vars:
        backup_retention_policy: "{{ item.policy }}"
        backup_retention_dir: "{{ item.dir | default('') }}"
        backup_retention_s3_bucket: "{{ '%(bucket)s' if item.prefix is defined else '' }}"
        backup_retention_s3_prefix: "{{ item.prefix | default('') }}"
      loop: "{{ cases }}"
      loop_control:
        label: "{{ item.name }}"
"""


def ago(**delta):
    return CLOCK["now"] - datetime.timedelta(**delta)


def manifest(moment, verified=True):
    return {
        "format": "ocp.day2/hostedcluster-etcd-backup/v1",
        "started_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "members": [{"member": "etcd-0", "sha256": "%064x" % int(moment.timestamp()), "restore_tested": verified}],
    }


def bid(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


def write_dir(root, moments, unverified=(), extra=None):
    root.mkdir(parents=True)
    for m in moments:
        d = root / bid(m)
        d.mkdir()
        (d / "manifest.json").write_text(json.dumps(manifest(m, m not in unverified)))
        (d / "etcd-0.snapshot.db").write_bytes(b"snap")
    for name, files in (extra or {}).items():
        (root / name).mkdir()
        for f, text in files.items():
            (root / name / f).write_text(text)
    return root


def write_s3(s3, prefix, moments):
    for m in moments:
        s3.put_object(Bucket=BUCKET, Key="%s/%s/manifest.json" % (prefix, bid(m)), Body=json.dumps(manifest(m)))
        s3.put_object(Bucket=BUCKET, Key="%s/%s/etcd-0.snapshot.db" % (prefix, bid(m)), Body=b"snap")


def left_dir(root):
    return sorted(p.name for p in root.iterdir())


def left_s3(s3, prefix):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/").get("Contents", [])]
    return sorted({k[len(prefix) + 1 :].split("/")[0] for k in keys})


def tier_expectation(moments):
    """The newest backup of each of the last 3 hours, 3 days and 2 ISO weeks, computed independently."""
    keep = set()
    for fmt, n, step in (("%Y%m%d%H", 3, datetime.timedelta(hours=1)), ("%Y%m%d", 3, datetime.timedelta(days=1))):
        for i in range(n):
            key = (CLOCK["now"] - i * step).strftime(fmt)
            match = [m for m in moments if m.strftime(fmt) == key]
            if match:
                keep.add(max(match))
    for i in range(2):
        week = (CLOCK["now"] - datetime.timedelta(weeks=i)).isocalendar()[:2]
        match = [m for m in moments if m.isocalendar()[:2] == week]
        if match:
            keep.add(max(match))
    return sorted(bid(m) for m in keep)


def test_retention_counts_ages_tiers_locks_and_check_mode(tmp_path, moto, installed_collection):
    # "now" is the test's start, not the module import: the suite may reach this test many minutes after
    # collection, and the role counts hours, days and weeks back from its own now (a run at 00:00 failed against a
    # NOW of 23:45 the day before). No period boundary may fall within the run either (hours, days and weeks all
    # begin on the hour): start clear of one.
    now = datetime.datetime.now(datetime.timezone.utc)
    if now.minute == 59 and now.second >= 20:
        time.sleep(61 - now.second)
    CLOCK["now"] = datetime.datetime.now(datetime.timezone.utc)  # ago() and tier_expectation() count from it
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    hourly = [ago(hours=h, minutes=1) for h in range(5)]
    old = ago(days=40)
    count = write_dir(tmp_path / "count", hourly + [old], extra={
        "failed-run": {"etcd-0.snapshot.db": "kept for inspection"},  # no manifest
        bid(ago(days=50)): {"manifest.json": json.dumps(manifest(ago(days=50))), "ocp-day2-lock-restore.json":
                            json.dumps({"reason": "in-place restore r1"})},
    })  # fmt: skip
    write_s3(s3, "hc/clusters/count", hourly)
    write_s3(s3, "hc/clusters/count-other", hourly)  # a neighbour prefix: never touched
    ages = write_dir(tmp_path / "ages", [ago(hours=1), ago(days=1), ago(days=3), ago(days=10)])
    every6h = [ago(hours=6 * i, minutes=2) for i in range(4 * 20)]
    write_s3(s3, "hc/clusters/tier", every6h)
    newest_unverified = [ago(hours=1), ago(hours=2), ago(hours=3)]
    lone = ago(days=30)
    verified = write_dir(tmp_path / "verified", newest_unverified + [lone], unverified=newest_unverified)
    check = write_dir(tmp_path / "check", hourly)
    before_check = left_dir(check)

    cases = [
        {"name": "count", "dir": str(count), "prefix": "hc/clusters/count", "policy": {"keep_last": 2}},
        {"name": "ages", "dir": str(ages), "policy": {"keep_within": "2d"}},
        {"name": "tier", "prefix": "hc/clusters/tier", "policy": {"hourly": 3, "daily": 3, "weekly": 2}},
        {"name": "verified", "dir": str(verified), "policy": {"keep_last": 1}},
        {"name": "check", "dir": str(check), "policy": {"keep_last": 1}, "check": True},
    ]
    play = write_playbook(tmp_path, PLAY % {"bucket": BUCKET})
    extra = {"cases": cases, "ocp_day2_aws_endpoint_url": moto.endpoint_url}
    result = run_playbook(play, extra_vars=extra, env=moto.env, diff=True)
    assert result.rc == 0, result
    out = result.stdout

    # counts: the 2 newest stay, in the directory and in S3; the rest goes; a locked and a failed run stay
    assert left_dir(count) == sorted([bid(m) for m in hourly[:2]] + ["failed-run", bid(ago(days=50))])
    assert left_s3(s3, "hc/clusters/count") == sorted(bid(m) for m in hourly[:2])
    assert left_s3(s3, "hc/clusters/count-other") == sorted(bid(m) for m in hourly)
    # ages: younger than 2 days
    assert left_dir(ages) == sorted(bid(m) for m in (ago(hours=1), ago(days=1)))  # to the second: same ids
    # tiers: the newest of each of the last 3 hours, 3 days, 2 ISO weeks
    assert left_s3(s3, "hc/clusters/tier") == tier_expectation(every6h)
    # the only verified backup survives a policy that would keep only the newest (unverified) one
    assert left_dir(verified) == sorted([bid(newest_unverified[0]), bid(lone)])
    # check mode: nothing deleted, and it said what would go
    assert left_dir(check) == before_check
    assert "Would remove 4 backup(s)" in out and "Removed 7 backup(s)" in out  # check; count (dir 4 + S3 3)
