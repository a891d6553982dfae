#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_host_backup_archive
short_description: Archive OpenShift 3.11 host configuration files into a reproducible tar.gz
version_added: 0.1.0
description:
  - Writes the files and directories given in O(paths) (read under O(root)) with the installed
    package list into one gzip-compressed tar archive of mode C(0600), the way the OpenShift 3.11
    day-2 guide backs up master and node hosts (C(/etc/origin), C(/etc/sysconfig), CNI, dnsmasq,
    iptables, docker, CA anchors, C(rpm -qa | sort)).
  - The archive is reproducible; unchanged files give the same bytes and the same SHA-256, so a
    re-run reports no change. Owners, modes, modification times and symlinks are kept.
  - Paths that do not exist on the host are returned in RV(missing), not treated as errors,
    because many of the guide's files exist only with some network plugins or storage setups.
  - Written because C(ansible.builtin) has no archive module (C(community.general.archive) is not a
    dependency of this collection) and because that module does not give reproducible bytes or a
    member list with checksums for the manifest.
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  paths:
    description:
      - Absolute paths (shell globs allowed) to back up; directories are archived recursively.
    type: list
    elements: str
    required: true
  root:
    description:
      - Directory under which O(paths) are read. Member names are relative to it, so a restore can
        use a different root.
    type: path
    default: /
  dest:
    description:
      - Path of the archive on the host. Its directory must exist.
    type: path
    required: true
  package_list:
    description:
      - Store the sorted installed package list in the archive (as C(.ocp-day2/packages.txt)).
    type: bool
    default: true
  package_command:
    description:
      - Command (argv list) printing one installed package per line. By default C(rpm -qa), or
        C(dpkg-query) on hosts without rpm.
    type: list
    elements: str
notes:
  - Supports check mode; it computes the archive checksum without writing anything.
attributes:
  check_mode:
    support: full
    description: Computes the archive and its checksum without writing it.
  diff_mode:
    support: none
    description: Not supported; the archive is binary.
"""

EXAMPLES = r"""
- name: Back up the master configuration
  ocp.day2.ocp3_host_backup_archive:
    paths:
      - /etc/origin
      - /etc/sysconfig
      - /etc/cni
      - /etc/dnsmasq.d
      - /etc/pki/ca-trust/source/anchors
    dest: /backup/master-0-20240101.tar.gz
  register: backup
"""

RETURN = r"""
archive:
  description: The archive written (or that would be written in check mode).
  returned: always
  type: dict
  sample: {"path": "/backup/master-0.tar.gz", "sha256": "9f86d08...", "size": 20480}
members:
  description: Every file, directory and symlink archived, with its checksum for regular files.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/etc/origin/master/master-config.yaml", "type": "file", "mode": "0600",
            "uid": 0, "gid": 0, "size": 4096, "sha256": "2c26b46..."}]
missing:
  description: Requested paths that do not exist on the host.
  returned: always
  type: list
  elements: str
  sample: ["/etc/sysconfig/flanneld"]
packages_count:
  description: Number of installed packages recorded (0 when O(package_list=false)).
  returned: always
  type: int
  sample: 512
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.archive import (
    PACKAGES_MEMBER,
    collect,
    create,
    installed_packages,
)
from ansible_collections.ocp.day2.plugins.module_utils.runner import run


def argument_spec():
    return {
        "paths": {"type": "list", "elements": "str", "required": True},
        "root": {"type": "path", "default": "/"},
        "dest": {"type": "path", "required": True},
        "package_list": {"type": "bool", "default": True},
        "package_command": {"type": "list", "elements": "str"},
    }


def execute(module):
    params = module.params
    root = params["root"]
    inputs.non_empty_list(params["paths"], "paths", "[/etc/origin, /etc/sysconfig]")
    inputs.existing_dir(root, "root")
    inputs.file_dest(params["dest"], "dest")
    if params["package_command"] is not None:
        inputs.non_empty_list(params["package_command"], "package_command", "[rpm, -qa]")
    entries, missing = collect(root, params["paths"])
    if not entries:
        raise Day2Error(
            "None of paths (%s) exists under %s, so the archive would hold nothing. Check the paths and root."
            % (", ".join(params["paths"]), root),
            missing=missing,
        )
    extras = {}
    packages = []
    if params["package_list"]:
        packages = installed_packages(module, params["package_command"])
        extras[PACKAGES_MEMBER] = ("\n".join(packages) + "\n").encode()
    try:
        changed, sha256, size, members = create(params["dest"], entries, extras, check_mode=module.check_mode)
    except OSError as exc:
        raise Day2Error(
            "Writing the archive %s failed: %s. Check free space and permissions there." % (params["dest"], exc)
        )
    return {
        "changed": changed,
        "archive": {"path": params["dest"], "sha256": sha256, "size": size},
        "members": members,
        "missing": missing,
        "packages_count": len(packages),
    }


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, execute)


if __name__ == "__main__":
    main()
