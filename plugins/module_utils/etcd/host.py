# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot source on the host where the module runs (OpenShift 3.11 etcd hosts, any etcd host)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.etcd import commands as cmds
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import copy_file, file_sha256


def find_tool(name, explicit):
    """Absolute path of an executable given by path or looked up on PATH; None when absent."""
    candidate = explicit or name
    if os.path.sep in candidate:
        return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None
    return shutil.which(candidate)


def etcdctl_env():
    """The environment for etcdctl: API v3, and no ETCDCTL_* left over from the admin's shell.

    etcdctl refuses a flag that is also set through its ETCDCTL_* variable, and the flags are ours.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ETCDCTL_")}
    env["ETCDCTL_API"] = "3"
    return env


class HostSource:
    mode = "host"

    def __init__(self, params):
        self.params = params
        self.endpoints = list(params["endpoints"])
        self.endpoint = None
        self.etcdctl = None
        self.etcdutl = None
        self.tool = None
        self.tmpdir = None
        self.path = None

    @property
    def member(self):
        return self.params.get("member") or self.endpoint or self.endpoints[0]

    def describe(self):
        return {
            "mode": "host",
            "member": self.member,
            "endpoints": self.endpoints,
            "etcdctl": self.etcdctl,
            "status_tool": "etcdutl" if self.etcdutl else "etcdctl",
            "tmp_dir": self.params.get("tmp_dir") or tempfile.gettempdir(),
        }

    def preflight(self, deadline):
        p = self.params
        if not self.endpoints:
            raise Day2Error("`endpoints` is empty: give at least one etcd client URL such as https://127.0.0.1:2379.")
        for option in ("cacert", "cert", "key"):
            if p.get(option):
                inputs.readable_file(
                    p[option],
                    option,
                    "On OpenShift 3.11 masters the etcd client files are /etc/etcd/ca.crt, "
                    "/etc/etcd/peer.crt and /etc/etcd/peer.key.",
                )
        self.etcdctl = find_tool("etcdctl", p.get("etcdctl_path"))
        if not self.etcdctl:
            raise Day2Error(
                "etcdctl not found (%s). Install the etcd client (RHEL 7: `yum install etcd`) or set etcdctl_path."
                % (p.get("etcdctl_path") or "looked up on PATH")
            )
        self.etcdutl = find_tool("etcdutl", p.get("etcdutl_path"))
        if p.get("etcdutl_path") and not self.etcdutl:
            raise Day2Error("etcdutl_path %s is not an executable file." % p["etcdutl_path"])
        tmp_dir = p.get("tmp_dir")
        if tmp_dir and not os.path.isdir(tmp_dir):
            raise Day2Error("tmp_dir %s is not a directory on this host." % tmp_dir)

    def _run(self, argv, deadline, step):
        try:
            return subprocess.run(
                argv,
                env=etcdctl_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=max(1.0, deadline.check(step)),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Day2Timeout(
                "Timed out after %ss while %s. Raise `timeout` for a large database or check etcd's health."
                % (deadline.seconds, step)
            )
        except OSError as exc:
            raise Day2Error("Could not run %s while %s: %s" % (argv[0], step, exc.strerror or exc))

    def take(self, deadline):
        p = self.params
        try:
            self.tmpdir = tempfile.mkdtemp(prefix="ocp-day2-etcd-", dir=p.get("tmp_dir") or None)
        except OSError as exc:
            raise Day2Error("Cannot create a temporary directory for the snapshot: %s. Set tmp_dir." % exc)
        self.path = os.path.join(self.tmpdir, "snapshot.db")
        failures = []
        # etcdctl takes a snapshot from one endpoint only; the next ones are fallbacks.
        for endpoint in self.endpoints:
            refused = cmds.connect_error(endpoint)
            if refused:
                failures.append("%s: %s" % (endpoint, refused))
                continue
            probe = cmds.probe_command(self.etcdctl, endpoint, p.get("cacert"), p.get("cert"), p.get("key"))
            result = self._run(probe, deadline, "checking that etcd answers at %s" % endpoint)
            if result.returncode != 0:
                failures.append(
                    "%s: no answer within %ds (%s)"
                    % (endpoint, cmds.PROBE_TIMEOUT, cmds.clean_stderr(result.stderr, 800) or result.returncode)
                )
                continue
            argv = cmds.save_command(
                self.etcdctl, endpoint, self.path, p.get("cacert"), p.get("cert"), p.get("key"), deadline
            )
            result = self._run(argv, deadline, "taking the snapshot from %s" % endpoint)
            if result.returncode == 0 and os.path.isfile(self.path):
                self.endpoint = endpoint
                return
            failures.append(
                "%s: %s" % (endpoint, cmds.clean_stderr(result.stderr, 800) or "exit code %d" % result.returncode)
            )
            for leftover in (self.path, self.path + ".part"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        raise Day2Error(
            "etcdctl snapshot save failed on every endpoint: %s. %s"
            % ("; ".join(failures), cmds.unreachable_hint(" ".join(failures))),
            failures=failures,
        )

    def status(self, deadline):
        self.tool = "etcdutl" if self.etcdutl else "etcdctl"
        binary = self.etcdutl or self.etcdctl
        result = self._run(cmds.status_command(self.tool, binary, self.path), deadline, "checking the snapshot")
        if result.returncode != 0:
            raise Day2Error(
                "%s snapshot status failed (exit code %d): %s; the snapshot is NOT considered good."
                % (self.tool, result.returncode, cmds.clean_stderr(result.stderr)),
            )
        return cmds.parse_status(result.stdout, self.tool)

    def sha256(self, deadline):
        digest, size = file_sha256(self.path)
        self.size = size
        return digest

    def stream(self, delivery, deadline):
        try:
            copy_file(self.path, delivery)
        except OSError as exc:
            raise Day2Error("Reading the snapshot %s failed: %s" % (self.path, exc.strerror or exc))

    def cleanup(self, deadline):
        if not self.tmpdir:
            return None
        try:
            shutil.rmtree(self.tmpdir)
        except OSError as exc:
            return "Could not remove the temporary snapshot directory %s: %s" % (self.tmpdir, exc)
        self.tmpdir = None
        return None
