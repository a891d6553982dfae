# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one result type every OpenShift 3.11 check returns, and how results are summed up."""

from __future__ import annotations

OK = "ok"
WARN = "warn"
FAIL = "fail"
SKIPPED = "skipped"
STATUSES = (OK, WARN, FAIL, SKIPPED)
# Worst first: the status a group of results takes is the worst one among them.
_SEVERITY = {SKIPPED: 0, OK: 1, WARN: 2, FAIL: 3}


class CheckResult:
    """One check on one host (or on the cluster).

    name: the check's name (``ntp``, ``entropy``, ``disk:/var``...); status: ok, warn, fail or skipped;
    observed: what was measured, as text; threshold: what it was compared with, as text;
    message: one sentence for the admin; remedy: what to do about it (empty when status is ok).
    """

    __slots__ = ("message", "name", "observed", "remedy", "status", "threshold")

    def __init__(self, name, status, observed="", threshold="", message="", remedy=""):
        if status not in STATUSES:
            raise ValueError("unknown check status %r" % (status,))
        self.name = name
        self.status = status
        self.observed = "" if observed is None else str(observed)
        self.threshold = "" if threshold is None else str(threshold)
        self.message = message
        self.remedy = "" if status in (OK, SKIPPED) else remedy

    def to_dict(self):
        return {
            "name": self.name,
            "status": self.status,
            "observed": self.observed,
            "threshold": self.threshold,
            "message": self.message,
            "remedy": self.remedy,
        }

    def __repr__(self):
        return "CheckResult(%s=%s: %s)" % (self.name, self.status, self.observed)


def ok(name, observed="", threshold="", message=""):
    return CheckResult(name, OK, observed, threshold, message)


def warn(name, observed="", threshold="", message="", remedy=""):
    return CheckResult(name, WARN, observed, threshold, message, remedy)


def fail(name, observed="", threshold="", message="", remedy=""):
    return CheckResult(name, FAIL, observed, threshold, message, remedy)


def skipped(name, message, observed=""):
    return CheckResult(name, SKIPPED, observed, "", message)


def worst(statuses):
    """The most severe status among statuses (ok for none)."""
    statuses = list(statuses)
    if not statuses:
        return OK
    return max(statuses, key=lambda s: _SEVERITY[s])


def counts(results):
    """{ok: n, warn: n, fail: n, skipped: n} over result dicts or CheckResult objects."""
    total = dict.fromkeys(STATUSES, 0)
    for item in results:
        status = item["status"] if isinstance(item, dict) else item.status
        total[status] += 1
    return total


def select(all_names, only=None, disabled=None):
    """The check names to run: `only` (or all of them) minus `disabled`, in all_names' order.

    Raises ValueError naming unknown checks, so a typo in an inventory does not silently skip a check.
    """
    only = list(only or [])
    disabled = list(disabled or [])
    unknown = sorted(set(only + disabled) - set(all_names))
    if unknown:
        raise ValueError("unknown check name(s): %s; known checks are: %s" % (", ".join(unknown), ", ".join(all_names)))
    wanted = only or list(all_names)
    return [name for name in all_names if name in wanted and name not in disabled]
