# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disk space (002 §3.6): /var >= 40 GB on masters, >= 15 GB on nodes, container storage >= 15 GB.

The size compared is the file system's total size, which is what the guide asks for; free space is
reported too and warned about when it falls under `disk_free_warn_percent`. GB are the guide's and the disk
vendors' gigabytes, 10^9 bytes (a disk sold as 40 GB is 37.3 GiB and must pass the 40 GB check).
"""

from __future__ import annotations

import os

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, warn

GB = 10**9


def _existing_parent(probe, path):
    """path, or its nearest existing ancestor (the file system it would be created on)."""
    current = os.path.abspath(path)
    while not probe.exists(current) and current != os.path.dirname(current):
        current = os.path.dirname(current)
    return current


def check_disk(probe, path, min_gb, free_warn_percent, name=None):
    name = name or "disk:%s" % path
    where = _existing_parent(probe, path)
    free, total = probe.disk_free(where)
    total_gb = total / float(GB)
    free_gb = free / float(GB)
    percent_free = 100.0 * free / total if total else 0.0
    observed = "%.1f GB total, %.1f GB free (%.0f%%)" % (total_gb, free_gb, percent_free)
    if where != os.path.abspath(path):
        observed += " on %s (%s does not exist)" % (where, path)
    threshold = ">= %g GB total" % min_gb
    if total_gb < float(min_gb):
        return fail(
            name,
            observed,
            threshold,
            "The file system holding %s has %.1f GB; OpenShift 3.11 needs at least %g GB here."
            % (path, total_gb, min_gb),
            "Grow the file system holding %s (or mount a larger one there) to at least %g GB." % (path, min_gb),
        )
    if percent_free < float(free_warn_percent):
        return warn(
            name,
            observed,
            threshold + ", >= %g%% free" % free_warn_percent,
            "Only %.0f%% of the file system holding %s is free." % (percent_free, path),
            "Free space under %s (old images: `oc adm prune images`; logs) or grow the file system." % path,
        )
    return ok(name, observed, threshold, "Enough space for %s." % path)
