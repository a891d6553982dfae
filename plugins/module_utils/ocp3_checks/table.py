# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end-of-play summary: all hosts x all checks as a plain-text table, then what to fix."""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import STATUSES, counts, worst

MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skipped": "skip"}
_ORDER = {"fail": 0, "warn": 1, "ok": 2, "skipped": 3}


def rows(results_by_host):
    """[(host, result)] sorted by host, keeping each host's check order."""
    out = []
    for host in sorted(results_by_host):
        for result in results_by_host[host] or []:
            out.append((host, result))
    return out


def problems(results_by_host, statuses=("fail", "warn")):
    """[{host, name, status, observed, message, remedy}] of the results in statuses, failures first."""
    found = [dict(result, host=host) for host, result in rows(results_by_host) if result.get("status") in statuses]
    return sorted(found, key=lambda r: (_ORDER[r["status"]], r["host"], r["name"]))


def _clip(text, width):
    text = " ".join(str(text or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


def render(results_by_host, observed_width=70):
    """The table as one string."""
    table = [("HOST", "CHECK", "STATUS", "OBSERVED")]
    for host, result in rows(results_by_host):
        status = result.get("status", "?")
        table.append(
            (host, result.get("name", "?"), MARK.get(status, status), _clip(result.get("observed"), observed_width))
        )
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = []
    for index, row in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    everything = [r for _host, r in rows(results_by_host)]
    total = counts(everything)
    lines.append("")
    lines.append(
        "%d host(s), %d result(s): " % (len(results_by_host), len(everything))
        + ", ".join("%d %s" % (total[s], s) for s in STATUSES)
        + "; overall %s" % worst(r["status"] for r in everything).upper()
    )
    todo = problems(results_by_host)
    if todo:
        lines.append("")
        lines.append("To fix:")
        for item in todo:
            lines.append("- [%s] %s %s: %s" % (item["status"].upper(), item["host"], item["name"], item["message"]))
            if item.get("remedy"):
                lines.append("    remedy: %s" % item["remedy"])
    return "\n".join(lines)
