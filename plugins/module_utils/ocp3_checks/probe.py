# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How checks look at the host they run on: commands, files and file systems.

Checks only talk to the host through a HostProbe, so unit tests can hand them a fake one and the
checks themselves never touch AnsibleModule.
"""

from __future__ import annotations

import os
import platform


class HostProbe:
    """Reads the host through an AnsibleModule (run_command, get_bin_path)."""

    def __init__(self, module):
        self.module = module

    def which(self, name):
        """Absolute path of an executable, or None."""
        if os.path.isabs(name):
            return name if os.access(name, os.X_OK) else None
        return self.module.get_bin_path(name, required=False, opt_dirs=["/usr/sbin", "/sbin"])

    def run(self, args, timeout=None):
        """(rc, stdout, stderr) of a command run without a shell; rc 127 when it cannot start."""
        exe = self.which(args[0])
        if exe is None:
            return 127, "", "%s: command not found" % args[0]
        args = [exe] + list(args[1:])
        # run_command has no timeout of its own: coreutils' timeout bounds commands that could hang.
        wrapper = self.which("timeout") if timeout else None
        if wrapper:
            args = [wrapper, str(timeout)] + args
        # The C locale: the parsers read English output.
        return self.module.run_command(args, check_rc=False, environ_update={"LC_ALL": "C", "LANG": "C"})

    def read(self, path):
        """The text of a file, or None when it does not exist or cannot be read."""
        try:
            with open(path) as handle:
                return handle.read()
        except OSError:
            return None

    def exists(self, path):
        return os.path.exists(path)

    def disk_free(self, path):
        """(bytes free for unprivileged users, total bytes) of the file system holding path."""
        st = os.statvfs(path)
        return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize

    def kernel_release(self):
        return platform.release()
