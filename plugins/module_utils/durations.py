# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values for HyperShift's spec.pausedUntil: "true", an RFC3339 time, or a duration such as 1h30m.

HyperShift reads spec.pausedUntil as: "true" pauses until the field is removed; an RFC3339 time pauses
until that time; anything else is logged as an error and ignored (the object is NOT paused). So we only
ever write "true" or a UTC RFC3339 time, and turn durations into times, so that a forgotten pause
expires by itself.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

INDEFINITE = "true"

# RFC3339 (section 5.6): date "T" time, optional fraction, then "Z" or a numeric offset.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)
# What the CRD's CEL rule lets through as a time; HyperShift then parses it as RFC3339 and, when that fails,
# keeps reconciling (condition ReconciliationActive=True, reason InvalidPausedUntilValue).
_CEL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}.*$")
# Go's time.Parse(time.RFC3339) wants an upper-case T and Z.
_GO_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DURATION_PART = re.compile(r"(\d+)([dhms])")
_DURATION = re.compile(r"^(?:\d+[dhms])+$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

ACCEPTED = (
    '"true" (paused until the field is removed), an RFC3339 time such as 2024-03-03T03:28:48Z, or a '
    "duration such as 30m, 2h, 1h30m or 1d (units d, h, m, s) that becomes now + duration in UTC"
)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_duration(text):
    """Seconds in a duration like "2h", "30m", "1h30m", "90s" or "1d"; Day2Error when it is not one."""
    value = str(text).strip().lower()
    if not _DURATION.match(value):
        raise Day2Error("%r is not a duration. Accepted: %s." % (text, ACCEPTED))
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value))
    if seconds <= 0:
        raise Day2Error("The duration %r is zero; give a positive duration such as 30m or 2h." % text)
    return seconds


def parse_rfc3339(text):
    """An aware datetime for an RFC3339 time, or None when text is not one (or not a real date)."""
    if not isinstance(text, str):
        return None
    match = _RFC3339.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset in ("Z", "z"):
        tz = datetime.timezone.utc
    else:
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        tz = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz)
    except ValueError:
        return None


def format_rfc3339(moment):
    """A UTC RFC3339 string: 2024-03-03T03:28:48Z (with microseconds only when there are some)."""
    moment = moment.astimezone(datetime.timezone.utc)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class PauseUntil:
    """A parsed `until`: kind is "indefinite", "time" or "duration"; value is what gets written."""

    def __init__(self, kind, value, seconds=None, moment=None):
        self.kind = kind
        self.value = value
        self.seconds = seconds
        self.moment = moment

    def __repr__(self):
        return "PauseUntil(%s, %s)" % (self.kind, self.value)


def parse_until(text, now=None):
    """Parse `until` into a PauseUntil; Day2Error with the accepted forms when it is none of them.

    "true" is accepted in any case (YAML turns a bare true into a boolean that Ansible renders "True").
    A time with an offset is normalised to UTC; a duration becomes now + duration.
    """
    if text is None:
        raise Day2Error("A value for until is required. Accepted: %s." % ACCEPTED)
    raw = str(text).strip()
    if raw.lower() == INDEFINITE:
        return PauseUntil("indefinite", INDEFINITE)
    moment = parse_rfc3339(raw)
    if moment is not None:
        return PauseUntil("time", format_rfc3339(moment), moment=moment)
    if _DURATION.match(raw.lower()):
        seconds = parse_duration(raw)
        moment = (now or utcnow()) + datetime.timedelta(seconds=seconds)
        moment = moment.replace(microsecond=0)
        return PauseUntil("duration", format_rfc3339(moment), seconds=seconds, moment=moment)
    if _CEL_TIME.match(raw):
        raise Day2Error(
            "until=%r looks like a time but is not RFC3339 (it needs a real date and time and a zone: Z or +hh:mm, "
            "for example 2024-03-03T03:28:48Z). The API server would accept it, but HyperShift would ignore it and "
            "keep reconciling (ReconciliationActive=True, reason InvalidPausedUntilValue). Accepted: %s."
            % (text, ACCEPTED)
        )
    raise Day2Error("until=%r is not accepted. Accepted: %s." % (text, ACCEPTED))


# HyperShift first parses spec.pausedUntil as a Go boolean (strconv.ParseBool), then as RFC3339.
GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def pause_state(value, now=None):
    """How HyperShift reads an existing spec.pausedUntil: "absent", "indefinite", "until" or "expired".

    "false" for a boolean false (not paused) and "invalid" for a value HyperShift ignores (not paused
    either; it reports ReconciliationActive=True with reason InvalidPausedUntilValue).
    """
    if value is None:
        return "absent"
    if value in GO_TRUE:
        return "indefinite"
    if value in GO_FALSE:
        return "false"
    moment = parse_rfc3339(value)
    if moment is None or not _GO_RFC3339.match(value):
        return "invalid"
    return "until" if moment > (now or utcnow()) else "expired"


def pauses(value, now=None):
    """Whether HyperShift pauses on this spec.pausedUntil value now."""
    return pause_state(value, now) in ("indefinite", "until")


def same_instant(existing, wanted):
    """True when the existing pausedUntil names the same moment as the wanted RFC3339 value."""
    a, b = parse_rfc3339(existing), parse_rfc3339(wanted)
    return a is not None and b is not None and a == b
