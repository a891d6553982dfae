# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup gate of an upgrade: no verified, recent backup of this cluster at its current release, no upgrade.

The backup is described by the manifest the hostedcluster_etcd_backup role writes (format
ocp.day2/hostedcluster-etcd-backup/v1). Its artifacts are checked against the manifest by whoever hands it over
(the backup role right after taking it, the upgrade role for a backup the admin names); here the manifest itself
must describe this cluster, its current release and be younger than the limit. The gate's outcome is written as
JSON in annotation ocp.day2/upgrade-gate in the same patch that changes spec.release.image, so a re-run knows
the upgrade was gated without taking another backup.
"""

from __future__ import annotations

import json

from ansible_collections.ocp.day2.plugins.module_utils.durations import format_rfc3339, parse_rfc3339, utcnow
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.upgrade import GATE_ANNOTATION

BACKUP_FORMAT = "ocp.day2/hostedcluster-etcd-backup/v1"


def check_backup(manifest, namespace, name, release_image, max_age, verified, now=None):
    """The problems that keep a backup from gating this upgrade (an empty list when it may)."""
    if not manifest:
        return ["No backup was given: take one in this run (backup=take) or name a verified one (backup_manifest)."]
    if not isinstance(manifest, dict):
        return ["The backup manifest is not a JSON object."]
    problems = []
    if manifest.get("format") != BACKUP_FORMAT:
        problems.append("the manifest's format is %r, not %s" % (manifest.get("format"), BACKUP_FORMAT))
    if (manifest.get("namespace"), manifest.get("cluster")) != (namespace, name):
        problems.append(
            "it is a backup of %s/%s, not of %s/%s"
            % (manifest.get("namespace"), manifest.get("cluster"), namespace, name)
        )
    image = (manifest.get("release") or {}).get("image")
    if image != release_image:
        problems.append("it was taken at release %s, but the cluster runs %s" % (image, release_image))
    if not manifest.get("members"):
        problems.append("it records no etcd snapshot")
    finished = parse_rfc3339(manifest.get("finished_at"))
    now = now or utcnow()
    if finished is None:
        problems.append("its finished_at %r is not an RFC3339 time" % (manifest.get("finished_at"),))
    elif (now - finished).total_seconds() > max_age:
        problems.append(
            "it finished at %s, %d s ago, older than the limit of %d s"
            % (manifest.get("finished_at"), (now - finished).total_seconds(), max_age)
        )
    elif (finished - now).total_seconds() > 300:
        problems.append("its finished_at %s is in the future" % manifest.get("finished_at"))
    if not verified:
        problems.append("its artifacts were not verified against the manifest")
    return problems


def require_backup(manifest, namespace, name, release_image, max_age, verified):
    problems = check_backup(manifest, namespace, name, release_image, max_age, verified)
    if problems:
        raise Day2Error(
            "No upgrade without a verified backup of %s/%s at its current release %s: %s. Nothing was changed."
            % (namespace, name, release_image, "; ".join(problems))
        )


def new_record(plan, manifest, now=None):
    """The gate record written with the first change of this upgrade."""
    return {
        "target_image": plan["target"]["image"],
        "target_version": plan["target"]["version"],
        "from_image": plan["gate"]["backup_release"],
        "from_version": plan["current"]["version"],
        "backup_id": manifest.get("backup_id"),
        "backup_finished_at": manifest.get("finished_at"),
        "backup_location": manifest.get("destinations"),
        "gated_at": format_rfc3339((now or utcnow()).replace(microsecond=0)),
    }


def record_patch(record):
    return {GATE_ANNOTATION: json.dumps(record, sort_keys=True, separators=(",", ":"))}
