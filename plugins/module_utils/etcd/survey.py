# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One look at an etcd cluster through etcdctl: member list from a witness, then every member's health and status.

The witness is anything with `endpoints` (the URLs its member list is asked of) and `run(args, timeout)` returning
(exit code, stdout, stderr) of `etcdctl <args>`: a pod (exec API), the local host (subprocess), or the OpenShift 3.11
cluster check's runner. The parsing is members.py's, for every caller.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ocp.day2.plugins.module_utils.etcd import members as em

# `endpoint status` reads a member's local state (no consensus): a live member answers in milliseconds.
STATUS_TIMEOUT = 5


class Unanswered(Exception):
    """The witness did not answer the member list (kept apart from Day2Error: the next witness is tried)."""


def _last_error(stdout, stderr, rc):
    lines = [ln.strip() for ln in (stderr + "\n" + stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("Error:")]
    return ((errors or lines or ["exit code %s" % rc])[-1])[:400]


def _run_json(witness, args, timeout):
    """Run a `-w json` command; when this etcdctl refuses the json writer, run it again without."""
    rc, out, err = witness.run(args, timeout)
    if rc != 0 and re.search(r"unknown flag|unsupported output|invalid output format", err, re.I):
        args = [a for a in args if a not in ("-w", "json")]
        rc, out, err = witness.run(args, timeout)
    return rc, out, err


def collect(witness, tls, command_timeout):
    """Member list from the witness itself, then health and status of every member's endpoint."""
    args = em.member_list_args(witness.endpoints, tls, command_timeout)
    rc, out, err = _run_json(witness, args, command_timeout)
    if rc != 0:
        raise Unanswered(_last_error(out, err, rc))
    members, fmt_list = em.parse_member_list(out)
    endpoints = [em.member_endpoint(m) for m in members if m["started"] and em.member_endpoint(m)]
    health, status, formats = {}, {}, {fmt_list}
    if endpoints:
        # Health and status in parallel: a dead member costs each of them its timeout.
        with ThreadPoolExecutor(max_workers=2) as pool:
            h = pool.submit(_run_json, witness, em.health_args(endpoints, tls, command_timeout), command_timeout)
            status_timeout = min(command_timeout, STATUS_TIMEOUT)
            s = pool.submit(_run_json, witness, em.status_args(endpoints, tls, status_timeout), status_timeout)
            (rc, out, err), (_s_rc, s_out, s_err) = h.result(), s.result()
        health, fmt = em.parse_health(out, err)
        formats.add(fmt)
        if not health and rc != 0:
            health = {ep: {"healthy": False, "error": _last_error(out, err, rc), "took": None} for ep in endpoints}
        status, fmt = em.parse_status(s_out, s_err)
        formats.add(fmt)
    return em.merge(members, health, status), ("json" if formats == {"json"} else "text")
