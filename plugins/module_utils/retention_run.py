# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup_retention module's argument spec and execute(module): list, decide, remove (not in check mode)."""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils import retention as policy_rules
from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import aws_spec_overrides
from ansible_collections.ocp.day2.plugins.module_utils.durations import format_rfc3339, parse_rfc3339, utcnow
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.retention_store import DirStore, S3Store

try:
    from ansible_collections.amazon.aws.plugins.module_utils.botocore import check_sdk_version_supported
    from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleBotocoreError
except ImportError:  # pragma: no cover - amazon.aws is a declared dependency
    check_sdk_version_supported = None
    AnsibleBotocoreError = Exception


def argument_spec():
    spec = {
        "path": {"type": "path"},
        "s3_bucket": {"type": "str"},
        "s3_prefix": {"type": "str"},
        "policy": {
            "type": "dict",
            "required": True,
            "options": {
                "keep_last": {"type": "int"},
                "keep_within": {"type": "str"},
                "hourly": {"type": "int"},
                "daily": {"type": "int"},
                "weekly": {"type": "int"},
                "monthly": {"type": "int"},
            },
        },
        "protect": {"type": "list", "elements": "str", "default": []},
        "now": {"type": "str"},
    }
    spec.update(aws_spec_overrides(("aws_region", "s3_region"), ("aws_endpoint_url", "s3_endpoint_url")))
    return spec


def check_params(p):
    """Everything wrong with the options, refused before any listing or removal; returns (policy, now)."""
    for option in ("path", "s3_bucket", "s3_prefix", "now", "region", "endpoint_url"):
        if p.get(option) is not None:
            inputs.text(p[option], option)
    if p.get("s3_bucket") is not None and not p.get("s3_prefix", "").strip("/"):
        raise Day2Error(
            "s3_prefix is empty: give the prefix that holds one cluster's backups, such as "
            "hostedcluster-etcd/clusters/example (the whole bucket is never treated as a backup set)."
        )
    if p.get("endpoint_url"):
        inputs.url(p["endpoint_url"], "s3_endpoint_url", example="https://s3.example.com:9000")
    policy = policy_rules.check_policy(p["policy"])
    now = utcnow()
    if p.get("now"):
        now = parse_rfc3339(p["now"])
        if now is None:
            raise Day2Error("now=%r is not an RFC3339 time such as 2025-01-01T03:00:00Z." % p["now"])
    return policy, now


def stores(module, p):
    out = []
    if p.get("path"):
        out.append(DirStore(p["path"]))
    if p.get("s3_bucket"):
        try:
            check_sdk_version_supported(warn=module.warn)
        except AnsibleBotocoreError as exc:
            raise Day2Error(
                "Applying retention in S3 needs boto3 and botocore on the node running the module: %s" % exc
            )
        out.append(S3Store(module.client("s3"), p["s3_bucket"], p["s3_prefix"]))
    return out


def _report(entry):
    return {
        "id": entry["id"],
        "location": entry["location"],
        "time": format_rfc3339(entry["time"]),
        "complete": entry["complete"],
        "verified": entry["verified"],
        "restore_tested": entry["restore_tested"],
        "locked": entry["locked"],
        "reasons": entry["reasons"],
    }


def execute(module):
    p = module.params
    policy, now = check_params(p)
    backups, kept, removed = [], [], []
    for store in stores(module, p):
        keep, go = policy_rules.plan(store.list(p["protect"]), policy, now)
        backups += [_report(e) for e in keep + go]
        kept += [e["location"] for e in keep]
        for entry in go:
            if not module.check_mode:
                store.remove(entry)
            removed.append(entry["location"])
    result = {
        "changed": bool(removed),
        "backups": backups,
        "kept": kept,
        "removed": removed,
        "check_mode": module.check_mode,
    }
    if module._diff:
        result["diff"] = {
            "before": {"backups": sorted(kept + removed)},
            "after": {"backups": sorted(kept)},
        }
    return result
