# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd member list and endpoint health through etcdctl (v3 API), as in 002 §3.3.

The commands and the parsing (JSON, and the text of etcd 3.2/3.3 that OpenShift 3.11 ships) are those of the
etcd_member_info module (module_utils/etcd/survey.py and members.py); only the verdicts are made here.
"""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.members import label, validate_endpoint
from ansible_collections.ocp.day2.plugins.module_utils.etcd.survey import Unanswered, collect
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

REMEDY = (
    "Check etcd on every etcd host (`systemctl status etcd` or the etcd static pod, `journalctl -u etcd`), "
    "the certificates in /etc/etcd, and that 2379/2380 are open between etcd hosts (002 §3.3, §5.4)."
)
COMMAND_TIMEOUT = 5
HEALTH_THRESHOLD = "every member's endpoint healthy"


class _Witness:
    """etcdctl on this host with every configured endpoint, through the module's runner."""

    name = "etcdctl"

    def __init__(self, run, params):
        self._run = run
        self.etcdctl = params["etcdctl_path"]
        self.endpoints = list(params["etcd_endpoints"])

    def run(self, args, timeout):
        return self._run([self.etcdctl] + args)


def members_check(members, expected):
    name = "etcd_members"
    threshold = "%s started members" % (expected if expected else "all")
    started = [m["name"] for m in members if m["started"]]
    unstarted = [",".join(m["peer_urls"]) for m in members if not m["started"]]
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


def health_check(members):
    checked = [m for m in members if m["started"]]
    sick = ["%s %s (%s)" % (label(m), m["endpoint"], m["error"] or "unhealthy") for m in checked if not m["healthy"]]
    observed = "%d/%d healthy" % (len(checked) - len(sick), len(checked))
    if sick:
        return fail(
            "etcd_health",
            observed + "; unhealthy: " + ", ".join(sick),
            HEALTH_THRESHOLD,
            "%d etcd member(s) are unhealthy." % len(sick),
            REMEDY,
        )
    return ok("etcd_health", observed, HEALTH_THRESHOLD, "All etcd members are healthy.")


def etcd_checks(run, params):
    """run(args) -> (rc, out, err). Both checks from one look; when etcd does not even answer the member list,
    the health check reports that too instead of waiting for the same timeout again."""
    if not params.get("etcd_endpoints"):
        why = "No etcd endpoints given (etcd_endpoints)."
        return [skipped("etcd_members", why), skipped("etcd_health", why)]
    tls = (params.get("etcd_cacert"), params.get("etcd_cert"), params.get("etcd_key"))
    try:
        for endpoint in params["etcd_endpoints"]:
            validate_endpoint(endpoint, "etcd_endpoints")
        members, _fmt = collect(_Witness(run, params), tls, COMMAND_TIMEOUT)
    except (Unanswered, Day2Error) as exc:
        observed = "etcdctl member list: %s" % (getattr(exc, "msg", None) or exc)
        return [
            fail("etcd_members", observed, "all started members", "etcd did not answer a member list.", REMEDY),
            fail("etcd_health", observed, HEALTH_THRESHOLD, "etcd did not answer, so no member is healthy.", REMEDY),
        ]
    return [members_check(members, params.get("etcd_expected_members")), health_check(members)]
