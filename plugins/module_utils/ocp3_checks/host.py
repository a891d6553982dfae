# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host checks by name, and the loop that runs the selected ones."""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import (
    disk,
    entropy,
    mtu,
    ports,
    storage_driver,
    time_sync,
)
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, skipped


def _disks(probe, params):
    if not params.get("disks"):
        return [skipped("disk", "No paths to check (disks is empty).")]
    return [
        disk.check_disk(probe, item["path"], float(item["min_gb"]), float(params["disk_free_warn_percent"]))
        for item in params["disks"]
    ]


def _ports(_probe, params):
    if not params.get("port_targets"):
        return [skipped("ports", "No ports to probe from this host (port_targets is empty).")]
    return ports.check_ports(
        params["port_targets"], float(params["probe_timeout"]), params.get("dns_query_name") or ports.DEFAULT_DNS_NAME
    )


HOST_CHECKS = {
    "ntp": lambda probe, params: [time_sync.check_ntp(probe, params)],
    "entropy": lambda probe, params: [entropy.check_entropy(probe, params)],
    "disk": _disks,
    "storage_driver": lambda probe, params: [storage_driver.check_storage_driver(probe, params)],
    "mtu": lambda probe, params: [mtu.check_mtu(probe, params)],
    "mtu_probe": lambda probe, params: [mtu.check_mtu_probe(probe, params)],
    "mtu_registry": lambda _probe, params: [mtu.check_registry_https(params)],
    "ports": _ports,
}
HOST_CHECK_NAMES = list(HOST_CHECKS)


def run_host_checks(probe, params, names):
    """Run the named checks; a check that breaks becomes a fail result naming the error, never a traceback."""
    results = []
    for name in names:
        try:
            results.extend(HOST_CHECKS[name](probe, params))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others' results
            results.append(
                fail(
                    name,
                    "check error",
                    "",
                    "The %s check could not run: %s: %s" % (name, type(exc).__name__, exc),
                    "Report this with the host's details; the other checks still ran.",
                )
            )
    return results
