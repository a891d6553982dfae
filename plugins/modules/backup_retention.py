#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_retention
short_description: Remove old backups from a controller directory and/or an S3 prefix by a retention policy
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Applies a retention policy to the backups of one hosted cluster or one etcd cluster, kept as the subdirectories
    of a controller directory (I(path)) and/or the sub-prefixes of an S3 prefix (I(s3_bucket), I(s3_prefix)), the
    layout the C(hostedcluster_etcd_backup) and C(ocp3_etcd_backup) roles write (one C(manifest.json) per backup).
  - Keeps the last I(policy.keep_last) backups, those younger than I(policy.keep_within), and/or, tiered as
    gardener's exponential garbage collection, the newest backup of each of the last N hours, days, ISO weeks and
    months (I(policy.hourly), I(policy.daily), I(policy.weekly), I(policy.monthly)). A backup kept by any rule is
    kept; the others are removed (the whole directory, or every object under the backup's prefix).
  - Never removed, whatever the policy - a backup without a manifest of ours (a failed run kept for inspection, or
    something else), a backup in use (a C(ocp-day2-lock*) marker inside it, a backup named by an unfinished
    C(migration.json) beside the backups, or one matching I(protect)), and the newest verified backup when the
    rules would keep no verified one. Verified means a manifest whose members all passed their test-restore (or
    predate it).
  - Each location is decided on its own. Check mode lists what would go (RV(removed)) and removes nothing.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
options:
  path:
    description:
      - Directory on the node running the module whose subdirectories are the backups, e.g.
        C(<dir>/<namespace>-<name>).
    type: path
  s3_bucket:
    description: Bucket holding the backups under I(s3_prefix).
    type: str
  s3_prefix:
    description:
      - Prefix whose sub-prefixes are the backups, e.g. C(hostedcluster-etcd/<namespace>/<name>). Required with
        I(s3_bucket), never empty (the whole bucket is not a backup set).
    type: str
  policy:
    description: The retention rules; at least one. A backup kept by any of them is kept.
    type: dict
    required: true
    suboptions:
      keep_last:
        description: Keep the N newest backups.
        type: int
      keep_within:
        description: Keep every backup younger than this duration (C(w), C(d), C(h), C(m), C(s); C(14d), C(36h)).
        type: str
      hourly:
        description: Keep the newest backup of each of the last N hours (the current hour included).
        type: int
      daily:
        description: Keep the newest backup of each of the last N days (UTC).
        type: int
      weekly:
        description: Keep the newest backup of each of the last N ISO weeks.
        type: int
      monthly:
        description: Keep the newest backup of each of the last N months.
        type: int
  protect:
    description:
      - Backups never to remove, each given as its id (directory or prefix name), its location, or the sha256 of
        one of its snapshots (the in-place restore records the sha256 of the snapshot it restores).
    type: list
    elements: str
    default: []
  now:
    description: The time the ages and tiers count back from (RFC3339). Default is the current time.
    type: str
  region:
    aliases: [aws_region, s3_region]
  endpoint_url:
    description: URL of an S3-compatible store instead of AWS S3 (alias I(s3_endpoint_url)).
    aliases: [aws_endpoint_url, s3_endpoint_url]
notes:
  - A backup's time is its manifest's C(started_at) (or C(finished_at), or the snapshot's C(taken_at)), else its id
    read as C(YYYYmmddTHHMMSSZ), else the newest modification time of its files.
  - In a versioned bucket the removal leaves delete markers; the old versions go by the bucket's lifecycle rules.
  - Needs C(s3:ListBucket), C(s3:GetObject) and C(s3:DeleteObject) on the prefix.
requirements:
  - boto3 (with s3_bucket)
"""

EXAMPLES = r"""
- name: Keep the last 7 backups of a hosted cluster on the controller and in S3
  ocp.day2.backup_retention:
    path: /backups/clusters-example
    s3_bucket: example-etcd-backups
    s3_prefix: hostedcluster-etcd/clusters/example
    policy:
      keep_last: 7

- name: Tiered, as gardener - 24 hourly, 7 daily and 4 weekly backups; see what would go first
  ocp.day2.backup_retention:
    path: /backups/clusters-example
    policy: {hourly: 24, daily: 7, weekly: 4}
  check_mode: true
  register: would
"""

RETURN = r"""
backups:
  description: Every backup found, newest first, with why it is kept (C(reasons) empty when it goes).
  returned: always
  type: list
  elements: dict
  sample: [{id: 20250101T030000Z, location: /backups/clusters-example/20250101T030000Z, time: "2025-01-01T03:00:00Z",
            complete: true, verified: true, restore_tested: true, locked: null, reasons: [keep_last 7]}]
kept:
  description: Locations of the backups kept.
  returned: always
  type: list
  elements: str
removed:
  description: Locations of the backups removed (in check mode, those that would be removed).
  returned: always
  type: list
  elements: str
check_mode:
  description: Whether this was a check-mode run (RV(removed) then lists what would go; nothing was removed).
  returned: always
  type: bool
"""

from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import run
from ansible_collections.ocp.day2.plugins.module_utils.retention_run import argument_spec, execute

try:
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
except ImportError:  # pragma: no cover - amazon.aws is a declared dependency of the collection
    AnsibleAWSModule = None


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_one_of=[("path", "s3_bucket")],
        required_together=[("s3_bucket", "s3_prefix")],
        supports_check_mode=True,
        check_boto3=False,
    )
    run(module, execute, "S3 request failed (check the credentials, region and endpoint_url, and s3:ListBucket, "
                         "s3:GetObject and s3:DeleteObject on the prefix)")  # fmt: skip


if __name__ == "__main__":
    main()
