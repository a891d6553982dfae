# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container storage driver (002 §3.7): overlay2 is the recommended driver for docker on 3.11.

docker is asked first (`docker info`, the driver in use), then its storage configuration file
(DOCKER_STORAGE_OPTIONS in /etc/sysconfig/docker-storage); CRI-O's `storage_driver` (or the
containers/storage `driver`) counts when docker is absent. CRI-O calls the same driver `overlay`.
"""

from __future__ import annotations

import re

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

NAME = "storage_driver"
CRIO_FILES = ("/etc/crio/crio.conf", "/etc/containers/storage.conf")


def driver_from_docker_storage(text):
    """The driver named in DOCKER_STORAGE_OPTIONS (`--storage-driver X`, `--storage-driver=X`, `-s X`)."""
    match = re.search(r"(?:--storage-driver[ =]|-s\s+)\s*([A-Za-z0-9_]+)", text or "")
    return match.group(1) if match else None


def driver_from_crio(text):
    """`storage_driver = "overlay"` (crio.conf) or `driver = "overlay"` (storage.conf)."""
    match = re.search(r'^\s*(?:storage_)?driver\s*=\s*"([^"]*)"', text or "", re.MULTILINE)
    return match.group(1) if match else None


def _find(probe, params):
    """(runtime, driver, where) or (runtime, None, why) or (None, None, None) when no runtime is present."""
    docker = params.get("docker_binary") or "docker"
    if probe.which(docker):
        rc, out, err = probe.run([docker, "info", "--format", "{{.Driver}}"], timeout=20)
        if rc == 0 and out.strip():
            return "docker", out.strip(), "docker info"
        conf = probe.read(params["docker_storage_config"])
        driver = driver_from_docker_storage(conf)
        if driver:
            return "docker", driver, params["docker_storage_config"]
        if conf is not None:
            # No driver option in the file: docker picks its default, which `docker info` would tell.
            return (
                "docker",
                None,
                "docker info failed (%s) and %s names no driver"
                % ((err or out).strip()[:200], params["docker_storage_config"]),
            )
        return "docker", None, "docker info failed: %s" % (err or out).strip()[:200]
    conf = probe.read(params["docker_storage_config"])
    driver = driver_from_docker_storage(conf)
    if driver:
        return "docker", driver, params["docker_storage_config"]
    if probe.which("crio"):
        rc, out, _err = probe.run(["crio", "config"], timeout=20)
        driver = driver_from_crio(out) if rc == 0 else None
        if driver:
            return "cri-o", driver, "crio config"
    for path in CRIO_FILES:
        driver = driver_from_crio(probe.read(path))
        if driver:
            return "cri-o", driver, path
    if probe.which("crio"):
        return "cri-o", None, "crio config names no storage_driver"
    return None, None, None


def check_storage_driver(probe, params):
    expected = params["storage_driver"]
    runtime, driver, where = _find(probe, params)
    if runtime is None:
        return skipped(NAME, "Neither docker nor CRI-O is installed on this host.")
    accepted = [expected] + (["overlay"] if runtime == "cri-o" and expected == "overlay2" else [])
    threshold = " or ".join(accepted)
    remedy = (
        "Move container storage to %s: drain the node, set DOCKER_STORAGE_OPTIONS='--storage-driver %s' in "
        "%s (storage_driver for CRI-O), recreate the container storage and restart the runtime (002 §3.7, §7.1)."
        % (expected, expected, params["docker_storage_config"])
    )
    if driver is None:
        return warn(
            NAME,
            "%s: %s" % (runtime, where),
            threshold,
            "%s is installed but its storage driver could not be read." % runtime,
            "Start the container runtime (`systemctl start %s`) and rerun the check." % runtime,
        )
    observed = "%s (%s, from %s)" % (driver, runtime, where)
    if driver not in accepted:
        return fail(
            NAME, observed, threshold, "%s uses the %s storage driver, not %s." % (runtime, driver, expected), remedy
        )
    return ok(NAME, observed, threshold, "%s uses %s." % (runtime, driver))
