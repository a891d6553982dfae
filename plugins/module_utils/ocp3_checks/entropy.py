# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entropy available to the kernel's random pool (002 §2.2), kernel-aware.

Since Linux 5.18 the pool no longer drains: entropy_avail is a constant 256 and reading it says
nothing about the host, so the check reports that it does not apply instead of raising a false alarm.
"""

from __future__ import annotations

import re

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

NAME = "entropy"
PATH = "/proc/sys/kernel/random/entropy_avail"
CONSTANT_SINCE = (5, 18)
REMEDY = (
    "Feed the pool: `yum install rng-tools && systemctl enable --now rngd` (or virtio-rng on VMs). "
    "The ocp3_health_check role does this when ocp3_health_check_remedy_rngd is true."
)


def kernel_version(release):
    """(major, minor) from a kernel release such as `3.10.0-1160.el7.x86_64`; None when unparsable."""
    match = re.match(r"(\d+)\.(\d+)", release or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def check_entropy(probe, params):
    release = probe.kernel_release()
    version = kernel_version(release)
    if version is not None and version >= CONSTANT_SINCE:
        return skipped(
            NAME,
            "Does not apply on kernel %s: since Linux 5.18 entropy_avail is a constant 256 and the pool does not "
            "run dry, so there is nothing to measure." % release,
            observed="kernel %s" % release,
        )
    text = probe.read(PATH)
    try:
        value = int(text.strip())
    except (AttributeError, ValueError):
        return fail(NAME, "unreadable %s" % PATH, "", "Could not read %s: %r." % (PATH, text), REMEDY)
    good = int(params["entropy_ok"])
    low = int(params["entropy_fail"])
    threshold = ">= %d ok, < %d fail" % (good, low)
    observed = "%d bits (kernel %s)" % (value, release)
    if value < low:
        return fail(
            NAME, observed, threshold, "Only %d bits of entropy: TLS and key generation can stall." % value, REMEDY
        )
    if value < good:
        return warn(
            NAME, observed, threshold, "%d bits of entropy is below the recommended %d." % (value, good), REMEDY
        )
    return ok(NAME, observed, threshold, "Enough entropy.")
