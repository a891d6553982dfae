# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention policy: which backups to keep and which to remove. Pure functions, no I/O.

A backup is a dict: {"id": str, "time": aware datetime, "complete": bool (has a manifest), "verified": bool,
"locked": str or None (why it is in use)}.

Policy (any combination; a backup kept by any rule is kept):
- keep_last: N      the N newest backups;
- keep_within: D    every backup younger than the duration D (30m, 36h, 14d, 2w);
- hourly/daily/weekly/monthly: N   tiered, as gardener's exponential garbage collection: the newest backup of
  each of the last N calendar hours / days / ISO weeks / months counted back from now (the current one included,
  empty periods count too).

Whatever the policy: a backup without a manifest (a run that failed, kept for inspection) is never removed; a
locked backup (a restore or migration points at it) is never removed; and when the rules would keep no verified
backup, the newest verified backup is kept.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

TIERS = ("hourly", "daily", "weekly", "monthly")
RULES = ("keep_last", "keep_within") + TIERS
_DURATION = re.compile(r"^(?:\d+[wdhms])+$")
_PART = re.compile(r"(\d+)([wdhms])")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_age(text):
    """Seconds in a duration like 14d, 36h, 2w, 1d12h; Day2Error when it is not one."""
    value = str(text).strip().lower()
    if not _DURATION.match(value):
        raise Day2Error("keep_within=%r is not a duration: use digits with w, d, h, m or s, such as 14d or 36h." % text)
    seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(value))
    if seconds <= 0:
        raise Day2Error("keep_within=%r is zero: give a positive duration such as 14d." % text)
    return seconds


def check_policy(policy):
    """The policy with its rules checked: counts are whole numbers >= 0 (keep_last >= 1), at least one rule."""
    policy = dict(policy or {})
    unknown = sorted({k for k, v in policy.items() if v is not None} - set(RULES))
    if unknown:
        raise Day2Error("Unknown retention rule(s) %s; the rules are %s." % (", ".join(unknown), ", ".join(RULES)))
    out = {}
    for rule in ("keep_last",) + TIERS:
        value = policy.get(rule)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if rule == "keep_last" else 0):
            raise Day2Error(
                "%s=%r: give a whole number %s." % (rule, value, "of at least 1" if rule == "keep_last" else ">= 0")
            )
        out[rule] = value
    if policy.get("keep_within") not in (None, ""):
        out["keep_within"] = parse_age(policy["keep_within"])
    if not any(out.get(rule) for rule in RULES):
        raise Day2Error(
            "The retention policy keeps nothing by rule: give at least one of keep_last (e.g. 7), keep_within "
            "(e.g. 14d) or a tier count (hourly, daily, weekly, monthly)."
        )
    return out


def period(moment, tier):
    """The calendar period of `moment` (UTC) for a tier, as a comparable tuple."""
    moment = moment.astimezone(datetime.timezone.utc)
    if tier == "hourly":
        return (moment.year, moment.month, moment.day, moment.hour)
    if tier == "daily":
        return (moment.year, moment.month, moment.day)
    if tier == "weekly":
        iso = moment.isocalendar()
        return (iso[0], iso[1])
    return (moment.year, moment.month)


def recent_periods(now, tier, count):
    """The last `count` periods of a tier counted back from now, the current one included."""
    out = []
    moment = now.astimezone(datetime.timezone.utc)
    step = {"hourly": datetime.timedelta(hours=1), "daily": datetime.timedelta(days=1),
            "weekly": datetime.timedelta(weeks=1)}  # fmt: skip
    while len(out) < count:
        key = period(moment, tier)
        if key not in out:
            out.append(key)
        if tier == "monthly":
            moment = moment.replace(day=1) - datetime.timedelta(days=1)
        else:
            moment -= step[tier]
    return out


def _newest_first(backups):
    return sorted(backups, key=lambda b: (b["time"], b["id"]), reverse=True)


def decide(backups, policy, now):
    """{id: [reasons to keep]} for every backup; an empty list means it goes. `policy` as check_policy returns."""
    reasons = {b["id"]: [] for b in backups}
    complete = _newest_first([b for b in backups if b["complete"]])
    for b in backups:
        if not b["complete"]:
            reasons[b["id"]].append("incomplete (no manifest): never removed by retention")
        if b.get("locked"):
            reasons[b["id"]].append("in use: %s" % b["locked"])
    for b in complete[: policy.get("keep_last") or 0]:
        reasons[b["id"]].append("keep_last %d" % policy["keep_last"])
    if policy.get("keep_within"):
        limit = now - datetime.timedelta(seconds=policy["keep_within"])
        for b in complete:
            if b["time"] >= limit:
                reasons[b["id"]].append("keep_within %ds" % policy["keep_within"])
    for tier in TIERS:
        if not policy.get(tier):
            continue
        wanted = set(recent_periods(now, tier, policy[tier]))
        seen = set()
        for b in complete:  # the newest backup of each wanted period
            key = period(b["time"], tier)
            if key in wanted and key not in seen:
                seen.add(key)
                reasons[b["id"]].append("%s %s" % (tier, "-".join("%02d" % n for n in key)))
    verified = [b for b in complete if b["verified"]]
    if verified and not any(reasons[b["id"]] for b in verified):
        reasons[verified[0]["id"]].append("the newest verified backup: never removed")
    return reasons


def plan(backups, policy, now):
    """(kept, removed): lists of backups (newest first), each with its `reasons`."""
    reasons = decide(backups, policy, now)
    kept, removed = [], []
    for b in _newest_first(backups):
        entry = dict(b, reasons=reasons[b["id"]])
        (kept if entry["reasons"] else removed).append(entry)
    return kept, removed
