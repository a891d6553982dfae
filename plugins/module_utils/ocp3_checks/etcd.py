# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd member list and endpoint health through etcdctl (v3 API), as in 002 §3.3."""

from __future__ import annotations

import json

from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import tls_args
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

REMEDY = (
    "Check etcd on every etcd host (`systemctl status etcd` or the etcd static pod, `journalctl -u etcd`), "
    "the certificates in /etc/etcd, and that 2379/2380 are open between etcd hosts (002 §3.3, §5.4)."
)


def _base(params):
    return [
        params["etcdctl_path"],
        "--endpoints=%s" % ",".join(params["etcd_endpoints"]),
        "--dial-timeout=3s",
        "--command-timeout=5s",
    ] + tls_args(params.get("etcd_cacert"), params.get("etcd_cert"), params.get("etcd_key"))


def _err(out, err, rc):
    lines = [line for line in ((err or "") + "\n" + (out or "")).splitlines() if line.strip()]
    return (lines[-1].strip() if lines else "exit code %d" % rc)[:300]


def etcd_members(run, params):
    """run(args) -> (rc, out, err). Fails when etcd does not answer, or the member count is not the expected one."""
    name = "etcd_members"
    if not params.get("etcd_endpoints"):
        return skipped(name, "No etcd endpoints given (etcd_endpoints).")
    rc, out, err = run(_base(params) + ["-w", "json", "member", "list"])
    expected = params.get("etcd_expected_members")
    threshold = "%s started members" % (expected if expected else "all")
    if rc != 0:
        return fail(
            name,
            "etcdctl member list: %s" % _err(out, err, rc),
            threshold,
            "etcd did not answer a member list.",
            REMEDY,
        )
    members = json.loads(out).get("members") or []
    started = [m.get("name") for m in members if m.get("name")]
    unstarted = [",".join(m.get("peerURLs") or []) for m in members if not m.get("name")]
    observed = "%d member(s): %s" % (len(members), ", ".join(started) or "-")
    if unstarted:
        observed += "; not started: " + ", ".join(unstarted)
    if expected and len(members) != int(expected):
        return fail(
            name,
            observed,
            threshold,
            "etcd has %d members, %d expected." % (len(members), int(expected)),
            "Add or remove members to match the etcd group (002 §5.4.4, §5.4.5).",
        )
    if unstarted:
        return warn(name, observed, threshold, "%d member(s) were added but never started." % len(unstarted), REMEDY)
    return ok(name, observed, threshold, "etcd lists %d started member(s)." % len(members))


def etcd_health(run, params):
    name = "etcd_health"
    if not params.get("etcd_endpoints"):
        return skipped(name, "No etcd endpoints given (etcd_endpoints).")
    rc, out, err = run(_base(params) + ["-w", "json", "endpoint", "health", "--cluster"])
    threshold = "every member's endpoint healthy"
    try:
        entries = json.loads(out) if out.strip() else []
    except ValueError:
        entries = []
    if not entries:
        return fail(
            name,
            "etcdctl endpoint health: %s" % _err(out, err, rc),
            threshold,
            "etcd did not answer a health check.",
            REMEDY,
        )
    sick = ["%s (%s)" % (e.get("endpoint"), e.get("error") or "unhealthy") for e in entries if not e.get("health")]
    observed = "%d/%d healthy" % (len(entries) - len(sick), len(entries))
    if sick:
        return fail(
            name,
            observed + "; unhealthy: " + ", ".join(sick),
            threshold,
            "%d etcd member(s) are unhealthy." % len(sick),
            REMEDY,
        )
    return ok(name, observed, threshold, "All etcd members are healthy.")


def etcd_checks(run, params):
    """Both checks; when etcd does not even answer the member list, the health check reports that too
    instead of waiting for the same timeout again."""
    members = etcd_members(run, params)
    if members.status == "fail" and members.observed.startswith("etcdctl member list:"):
        return [
            members,
            fail(
                "etcd_health",
                members.observed,
                "every member's endpoint healthy",
                "etcd did not answer, so no member is healthy.",
                REMEDY,
            ),
        ]
    return [members, etcd_health(run, params)]
