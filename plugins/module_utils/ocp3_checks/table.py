# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The end-of-play summary: all hosts x all checks as a plain-text table, then what to fix.

Two layouts. `matrix` (default): one line per host, one column per check (disk:* and port:* folded
into `disk` and `ports`, showing the worst of them), the cluster checks below as rows, which stays
readable for a hundred nodes. `rows`: one line per host and check with what was observed.
Either way every warning and failure follows with its observed value, message and remedy.
"""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import STATUSES, counts, worst

MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skipped": "skip"}
_ORDER = {"fail": 0, "warn": 1, "ok": 2, "skipped": 3}
CLUSTER = "(cluster)"
_GROUP_PREFIX = {"disk:": "disk", "port:": "ports"}


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


def _column(name):
    for prefix, column in _GROUP_PREFIX.items():
        if name.startswith(prefix):
            return column
    return name


def _grid(table):
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for index, row in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _rows_table(results_by_host, observed_width):
    table = [("HOST", "CHECK", "STATUS", "OBSERVED")]
    for host, result in rows(results_by_host):
        status = result.get("status", "?")
        table.append(
            (host, result.get("name", "?"), MARK.get(status, status), _clip(result.get("observed"), observed_width))
        )
    return _grid(table)


def _matrix(results_by_host, observed_width):
    hosts = {h: r for h, r in results_by_host.items() if h != CLUSTER}
    lines = []
    if hosts:
        columns = []
        for _host, result in rows(hosts):
            column = _column(result.get("name", "?"))
            if column not in columns:
                columns.append(column)
        table = [tuple(["HOST"] + columns)]
        for host in sorted(hosts):
            cells = {}
            for result in hosts[host] or []:
                cells.setdefault(_column(result.get("name", "?")), []).append(result.get("status", "?"))
            table.append(tuple([host] + [MARK.get(worst(cells[c]), "?") if c in cells else "-" for c in columns]))
        lines += _grid(table)
    if CLUSTER in results_by_host:
        if lines:
            lines.append("")
        lines += _rows_table({CLUSTER: results_by_host[CLUSTER]}, observed_width)
    return lines


def render(results_by_host, observed_width=70, layout="matrix"):
    """The table as one string."""
    if layout not in ("matrix", "rows"):
        raise ValueError("layout must be matrix or rows, not %r" % (layout,))
    if layout == "rows":
        lines = _rows_table(results_by_host, observed_width)
    else:
        lines = _matrix(results_by_host, observed_width)
    everything = [r for _host, r in rows(results_by_host)]
    total = counts(everything)
    lines.append("")
    lines.append(
        "%d host(s), %d result(s): " % (len([h for h in results_by_host if h != CLUSTER]), len(everything))
        + ", ".join("%d %s" % (total[s], s) for s in STATUSES)
        + "; overall %s" % worst(r["status"] for r in everything).upper()
    )
    todo = problems(results_by_host)
    if todo:
        lines.append("")
        lines.append("To fix:")
        for item in todo:
            lines.append("- [%s] %s %s: %s" % (item["status"].upper(), item["host"], item["name"], item["message"]))
            if item.get("observed"):
                lines.append("    observed: %s" % item["observed"])
            if item.get("remedy"):
                lines.append("    remedy: %s" % item["remedy"])
    return "\n".join(lines)
