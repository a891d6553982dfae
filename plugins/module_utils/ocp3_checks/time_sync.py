# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NTP: is the clock synchronised, and by how much is it off (002 §2.1).

Sources, best first: `chronyc -c tracking` (synchronised state and offset), `ntpq -pn` (the selected
peer, marked `*`, and its offset), then `timedatectl` (synchronised yes/no, no offset). The first
source that answers decides; the others are only asked when it does not.

002 §2.1 asks for both "NTP enabled" and "NTP synchronized" to say yes: a clock kept by a chronyd or
ntpd that is not enabled is synchronised today and not after the next reboot. So `timedatectl` is
also asked whether NTP is enabled; an explicit "no" fails the check, no answer (no systemd) leaves
the verdict to the synchronisation source.
"""

from __future__ import annotations

import re

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, warn

NAME = "ntp"
REMEDY = (
    "Enable time synchronisation: `yum install chrony && systemctl enable chronyd --now` (or "
    "`timedatectl set-ntp true` with ntpd), check that the NTP servers are reachable, then rerun the check. "
    "The ocp3_health_check role does this when ocp3_health_check_remedy_chrony is true."
)


def parse_chronyc_csv(text):
    """{'synchronised': bool, 'offset_ms': float, 'stratum': int, 'leap': str} from `chronyc -c tracking`."""
    for line in text.splitlines():
        fields = line.strip().split(",")
        if len(fields) >= 14:
            leap = fields[13].strip()
            stratum = int(fields[2])
            return {
                "synchronised": leap != "Not synchronised" and stratum > 0,
                "offset_ms": abs(float(fields[4])) * 1000.0,
                "stratum": stratum,
                "leap": leap,
                "reference": fields[1] or fields[0],
            }
    raise ValueError("unexpected `chronyc -c tracking` output: %r" % text[:200])


def parse_ntpq(text):
    """{'synchronised': bool, 'offset_ms': float|None, 'peer': str} from `ntpq -pn`."""
    for line in text.splitlines():
        if line.startswith("*"):
            cols = line[1:].split()
            # remote refid st t when poll reach delay offset jitter
            offset = float(cols[8]) if len(cols) >= 10 else None
            return {"synchronised": True, "offset_ms": abs(offset) if offset is not None else None, "peer": cols[0]}
    return {"synchronised": False, "offset_ms": None, "peer": ""}


def parse_timedatectl(text):
    """{'synchronised': bool|None, 'enabled': bool|None} from `timedatectl` (RHEL 7 and newer wording)."""

    def flag(patterns):
        for pattern in patterns:
            match = re.search(pattern + r"\s*:?\s*=?\s*(yes|no|active|inactive)", text, re.IGNORECASE)
            if match:
                return match.group(1).lower() in ("yes", "active")
        return None

    return {
        "synchronised": flag([r"NTP synchronized", r"System clock synchronized", r"NTPSynchronized"]),
        "enabled": flag([r"NTP enabled", r"NTP service", r"^NTP"]),
    }


def _judge_offset(source, info, params):
    warn_ms = float(params["ntp_offset_warn_ms"])
    fail_ms = float(params["ntp_offset_fail_ms"])
    threshold = "synchronised, |offset| < %g ms (warn) / %g ms (fail)" % (warn_ms, fail_ms)
    offset = info.get("offset_ms")
    observed = "%s: %s" % (source, "synchronised" if info["synchronised"] else "not synchronised")
    if offset is not None:
        observed += ", offset %.3f ms" % offset
    if not info["synchronised"]:
        return fail(NAME, observed, threshold, "%s reports the clock is not synchronised." % source, REMEDY)
    if offset is not None and offset >= fail_ms:
        return fail(
            NAME, observed, threshold, "The clock is %.1f ms off, over the %g ms limit." % (offset, fail_ms), REMEDY
        )
    if offset is not None and offset >= warn_ms:
        return warn(
            NAME,
            observed,
            threshold,
            "The clock is %.1f ms off; etcd and certificates need tight time." % offset,
            REMEDY,
        )
    return ok(NAME, observed, threshold, "The clock is synchronised by %s." % source)


def _ntp_enabled(probe, timedatectl_out=None):
    """(True|False|None, timedatectl text): is NTP enabled according to timedatectl."""
    if timedatectl_out is None:
        rc, out, _err = probe.run(["timedatectl", "status"], timeout=10)
        if rc != 0:
            return None, ""
        timedatectl_out = out
    return parse_timedatectl(timedatectl_out)["enabled"], timedatectl_out


def _with_enabled(result, enabled):
    """Turn a passing verdict into a failure when timedatectl says NTP is not enabled."""
    if enabled is None or result.status == "fail":
        return result
    observed = result.observed + ", NTP enabled: %s" % ("yes" if enabled else "no")
    if enabled:
        result.observed = observed
        return result
    return fail(
        NAME,
        observed,
        "NTP enabled and synchronised (timedatectl)",
        "NTP is not enabled (timedatectl), so the clock will not be kept after a reboot even if it is "
        "synchronised now.",
        "Enable it: `timedatectl set-ntp true`, or `systemctl enable chronyd --now` (002 §2.1).",
    )


def check_ntp(probe, params):
    result, timedatectl_out = _check_sync(probe, params)
    if timedatectl_out == "":
        return result  # nothing answered, timedatectl included
    enabled, _text = _ntp_enabled(probe, timedatectl_out)
    return _with_enabled(result, enabled)


def _check_sync(probe, params):
    """(result, timedatectl output: None when not asked, "" when it did not answer)."""
    tried = []
    chronyc = [params.get("chronyc_path") or "chronyc"]
    if params.get("chronyc_socket"):
        chronyc += ["-h", params["chronyc_socket"]]
    rc, out, err = probe.run(chronyc + ["-c", "-n", "tracking"], timeout=10)
    if rc == 0 and out.strip():
        return _judge_offset("chronyc", parse_chronyc_csv(out), params), None
    tried.append("chronyc: %s" % _last_line(err or out, rc))

    rc, out, err = probe.run(["ntpq", "-pn"], timeout=10)
    if rc == 0 and out.strip():
        return _judge_offset("ntpq", parse_ntpq(out), params), None
    tried.append("ntpq: %s" % _last_line(err or out, rc))

    rc, out, err = probe.run(["timedatectl", "status"], timeout=10)
    if rc == 0:
        info = parse_timedatectl(out)
        if info["synchronised"] is not None:
            return _judge_offset("timedatectl", {"synchronised": info["synchronised"]}, params), out
    tried.append("timedatectl: %s" % _last_line(err or out, rc))
    return fail(
        NAME,
        "; ".join(tried),
        "a running chronyd or ntpd, synchronised",
        "No time service answered (chronyc, ntpq and timedatectl all failed).",
        REMEDY,
    ), ""


def _last_line(text, rc):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "exit code %d" % rc
