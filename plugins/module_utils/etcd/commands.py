# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcdctl / etcdutl command lines and the parsing of their output, shared by pod and host mode.

Pure functions: no I/O here, so every rule is unit-tested without an etcd.
"""

from __future__ import annotations

import json
import re
import socket
import time
from urllib.parse import urlparse

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout

STATUS_FIELDS = ("hash", "revision", "totalKey", "totalSize")
SHA256_RE = re.compile(r"^([0-9a-fA-F]{64})\s")
# Slowest etcd (or API server) answer we accept before calling an endpoint unreachable.
DIAL_TIMEOUT = 10
# `env` prefix for etcdctl in a pod: API v3, and the container's own ETCDCTL_* variables unset because the
# flags are ours (etcdctl 3.4 refuses a flag shadowed by its variable; 3.5 lets the flag win).
POD_ENV = ["env", "-u", "ETCDCTL_CACERT", "-u", "ETCDCTL_CERT", "-u", "ETCDCTL_KEY", "-u", "ETCDCTL_ENDPOINTS",
           "ETCDCTL_API=3"]  # fmt: skip


class Deadline:
    """The time left for the whole operation (the module's `timeout`)."""

    def __init__(self, seconds, what="the etcd snapshot", clock=time.monotonic):
        self.seconds = seconds
        self.what = what
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self):
        return max(0.0, self._end - self._clock())

    def check(self, step):
        """Raise Day2Timeout when the time is up; `step` names what was being done."""
        if self.remaining() <= 0:
            raise Day2Timeout(
                "Timed out after %ss while %s (%s). Raise `timeout` if the etcd database is large or the "
                "network slow, and check that etcd and the endpoint are healthy." % (self.seconds, step, self.what)
            )
        return self.remaining()


def tls_args(cacert, cert, key):
    """etcdctl client TLS flags; only the paths, never the files' contents."""
    args = []
    for flag, value in (("--cacert", cacert), ("--cert", cert), ("--key", key)):
        if value:
            args.append("%s=%s" % (flag, value))
    return args


def timeout_args(deadline):
    """--dial-timeout and --command-timeout fitted to the time left (etcdctl needs whole seconds)."""
    left = max(1, int(deadline.remaining()))
    return ["--dial-timeout=%ds" % min(DIAL_TIMEOUT, left), "--command-timeout=%ds" % left]


def save_command(etcdctl, endpoint, path, cacert, cert, key, deadline, use_env=False):
    """`etcdctl snapshot save` against exactly one endpoint (etcdctl refuses several for a snapshot).

    use_env prefixes `env ... ETCDCTL_API=3` (POD_ENV), the way the seeds run it through `oc exec` (no shell
    needed); host mode sets the subprocess environment instead.
    """
    cmd = [etcdctl, "--endpoints=%s" % endpoint]
    cmd += tls_args(cacert, cert, key)
    cmd += timeout_args(deadline)
    cmd += ["snapshot", "save", path]
    return (POD_ENV + cmd) if use_env else cmd


# Before `snapshot save`, whose command timeout must allow a large database: an unreachable etcd would hold
# it for the whole `timeout` (etcdctl's dial does not block for snapshot save), so ask first, briefly.
PROBE_TIMEOUT = 5


# An endpoint that refuses or drops the connection is known within this many seconds, before etcdctl runs: etcdctl
# 3.4 waits its whole command timeout on a refused connection, whatever its dial timeout says.
CONNECT_TIMEOUT = 3


def connect_error(url, timeout=CONNECT_TIMEOUT):
    """None when a TCP connection to the URL's host and port opens within `timeout` seconds, else why not."""
    parsed = urlparse(url)
    host = parsed.hostname
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return "%s has an invalid port" % url
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return None
    except socket.timeout:
        return "no TCP connection to %s:%s within %ds (a firewall, or a host that is down)" % (host, port, timeout)
    except OSError as exc:
        return "cannot connect to %s:%s: %s" % (host, port, exc.strerror or exc)


def probe_command(etcdctl, endpoint, cacert, cert, key, use_env=False):
    """`etcdctl endpoint status` against one endpoint with a short timeout: does etcd answer there at all?"""
    cmd = [etcdctl, "--endpoints=%s" % endpoint] + tls_args(cacert, cert, key)
    cmd += ["--dial-timeout=3s", "--command-timeout=%ds" % PROBE_TIMEOUT, "endpoint", "status"]
    return (POD_ENV + cmd) if use_env else cmd


def status_command(tool, binary, path, use_env=False):
    """`snapshot status -w json` with etcdutl (etcd >= 3.5, offline) or etcdctl (etcd 3.4)."""
    cmd = [binary, "snapshot", "status", path, "-w", "json"]
    if tool == "etcdctl" and use_env:
        return POD_ENV + cmd
    if tool == "etcdutl" and use_env:
        # `env` makes a missing binary exit 127 the same way in every container runtime.
        return ["env"] + cmd
    return cmd


def parse_status(stdout, tool="etcdctl"):
    """The status record from `snapshot status -w json` output.

    Deprecation notices may precede the JSON (etcdctl 3.5 prints one), so the last line that is a
    JSON object is used. Every field must be present and an integer, else the snapshot is not trusted.
    """
    text = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else (stdout or "")
    data = None
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            break
    if not isinstance(data, dict):
        raise Day2Error(
            "`%s snapshot status -w json` did not print a JSON status (output: %r). The snapshot file may be "
            "damaged or the tool too old; it is NOT considered good." % (tool, text[-300:])
        )
    status = {}
    for field in STATUS_FIELDS:
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Day2Error(
                "`%s snapshot status` returned no integer %r (got %r); the snapshot is NOT considered good."
                % (tool, field, value)
            )
        status[field] = value
    if status["revision"] < 1 or status["totalSize"] < 1:
        raise Day2Error(
            "`%s snapshot status` reports revision %d and size %d: not a usable etcd snapshot."
            % (tool, status["revision"], status["totalSize"])
        )
    return status


def parse_sha256sum(stdout, path=""):
    """The hex digest from `sha256sum FILE` output."""
    text = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else (stdout or "")
    match = SHA256_RE.match(text.strip() + " ")
    if not match:
        raise Day2Error("Could not read the sha256 of %s from `sha256sum` output %r." % (path, text[:200]))
    return match.group(1).lower()


# Lines of Go runtime output that explain nothing to an admin: stack frames, goroutine headers, source paths.
GO_NOISE = re.compile(r"^(goroutine \d+|\S+\.go:\d+|[\w./*()-]+\(.*\)$|created by |exit status \d+$|\[signal )")


def _explaining(raw):
    """The useful part of one stderr line: zap's JSON log records lose their stacktrace and timestamps."""
    line = raw.strip()
    if raw.startswith(("\t", "  ")) and not line.startswith("{"):
        return None
    if line.startswith("{") and line.endswith("}"):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if record.get("level") in ("debug", "info"):
                return None
            parts = [str(record[k]) for k in ("msg", "error") if record.get(k)]
            return ": ".join(parts) or None
    if not line or GO_NOISE.match(line):
        return None
    return line


def clean_stderr(stderr, limit=2000):
    """etcdctl's stderr for a failure message: only the lines that explain the failure, trimmed to `limit`.

    etcdctl 3.4 logs JSON records with a whole Go stack trace in them, and Go panics print goroutine dumps:
    neither tells the admin anything, and they push the real error (`Error: context deadline exceeded`) out of
    sight. Repeated lines are kept once; the last `limit` characters are kept.
    """
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    kept = []
    for raw in text.strip().splitlines():
        line = _explaining(raw)
        if line and line not in kept:
            kept.append(line)
    text = "; ".join(kept)
    return ("..." + text[-limit:]) if len(text) > limit else text


def unreachable_hint(stderr):
    """A what-to-do sentence chosen from etcdctl's error text."""
    text = stderr.lower()
    if "no such file or directory" in text and (".crt" in text or ".key" in text or ".pem" in text):
        return (
            "A TLS file given to etcdctl does not exist: check cacert, cert and key (or pod_cacert/pod_cert/pod_key)."
        )
    if "certificate" in text or "x509" in text or "tls" in text:
        return "TLS failed: check that cacert/cert/key belong to this etcd cluster and are not expired."
    if "deadline exceeded" in text or "connection refused" in text or "no route" in text or "timeout" in text:
        return "etcd did not answer: check that the member is running and the endpoint URL and port are right."
    return "Check that etcd is healthy (`etcdctl endpoint health`) and that the TLS files are right."
