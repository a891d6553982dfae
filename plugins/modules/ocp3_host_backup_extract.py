#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_host_backup_extract
short_description: Restore chosen files from an OpenShift 3.11 host backup and report the package difference
version_added: 0.1.0
description:
  - Puts the archive members matching O(files) back under O(root), with their owner, mode,
    modification time or symlink target, from an archive written by
    M(ocp.day2.ocp3_host_backup_archive).
  - A file that differs is first copied to C(<file><backup_suffix>) (the guide's C(.old)). Identical
    files are left alone, so a second run reports no change.
  - All or nothing. If one file fails, the files already restored are put back from their copies
    and the module fails, naming the file.
  - Compares the package list stored in the archive with the packages installed now and returns
    what is missing (candidates for C(yum reinstall)) and what was added since the backup.
  - Written because M(ansible.builtin.unarchive) cannot keep a copy of each replaced file, roll
    back a partial restore or report the package difference.
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  src:
    description:
      - Path of the backup archive on the host.
    type: path
    required: true
  files:
    description:
      - Absolute paths or shell globs of the files to restore, for example
        C(/etc/origin/master/master-config.yaml) or C(/etc/pki/ca-trust/source/anchors/*).
        A directory restores its whole tree. Use C(/*) to restore everything.
      - A pattern that matches nothing in the archive is an error (most likely a typo).
    type: list
    elements: str
    required: true
  root:
    description:
      - Directory under which the files are restored.
    type: path
    default: /
  backup_suffix:
    description:
      - Suffix of the copy kept of each file that is replaced.
    type: str
    default: .old
  package_diff:
    description:
      - Compare the archived package list with the installed packages.
    type: bool
    default: true
  package_command:
    description:
      - Command (argv list) printing one installed package per line. By default C(rpm -qa), or
        C(dpkg-query) on hosts without rpm.
    type: list
    elements: str
notes:
  - Supports check mode and diff mode. The diff lists the paths that would change with their
    checksums, never file contents, because these files hold private keys.
attributes:
  check_mode:
    support: full
    description: Reports which files would be restored and the package difference without writing anything.
  diff_mode:
    support: full
    description: Lists the paths that change with the reason, never file contents.
"""

EXAMPLES = r"""
- name: Restore the master configuration file and the CA anchors
  ocp.day2.ocp3_host_backup_extract:
    src: /backup/master-0-20240101.tar.gz
    files:
      - /etc/origin/master/master-config.yaml
      - /etc/pki/ca-trust/source/anchors/*
  register: restore

- name: Show the packages to reinstall
  ansible.builtin.debug:
    msg: "yum reinstall -y {{ restore.packages.missing | join(' ') }}"
  when: restore.packages.missing | length > 0
"""

RETURN = r"""
restored:
  description: Paths that were (or in check mode would be) restored, with why and the copy kept.
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/etc/origin/master/master-config.yaml", "action": "replace", "reason": "content",
            "backup": "/etc/origin/master/master-config.yaml.old"}]
unchanged:
  description: Chosen paths already identical to the backup.
  returned: always
  type: list
  elements: str
packages:
  description: Package list difference between the backup and the host now (empty when not compared).
  returned: always
  type: dict
  contains:
    backup_count:
      description: Packages in the backup.
      type: int
    current_count:
      description: Packages installed now.
      type: int
    missing:
      description: Packages in the backup that are not installed now.
      type: list
      elements: str
    added:
      description: Packages installed now that were not in the backup.
      type: list
      elements: str
  sample: {"backup_count": 512, "current_count": 511, "missing": ["ansible-2.4.0.0-5.el7.noarch"], "added": []}
"""


from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.archive import (
    PACKAGES_MEMBER,
    installed_packages,
    package_diff,
    package_lines,
    read_members,
    select,
)
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.restore import apply, plan
from ansible_collections.ocp.day2.plugins.module_utils.runner import run


def argument_spec():
    return {
        "src": {"type": "path", "required": True},
        "files": {"type": "list", "elements": "str", "required": True},
        "root": {"type": "path", "default": "/"},
        "backup_suffix": {"type": "str", "default": ".old"},
        "package_diff": {"type": "bool", "default": True},
        "package_command": {"type": "list", "elements": "str"},
    }


def execute(module):
    params = module.params
    inputs.non_empty_list(params["files"], "files", "[/etc/origin/master/master-config.yaml]")
    inputs.readable_file(params["src"], "src", "Give the backup archive written by ocp.day2.ocp3_host_backup_archive.")
    inputs.existing_dir(params["root"], "root", writable=not module.check_mode)
    if params["package_command"] is not None:
        inputs.non_empty_list(params["package_command"], "package_command", "[rpm, -qa]")
    if not params["backup_suffix"] or "/" in params["backup_suffix"]:
        raise Day2Error("backup_suffix must be a non-empty file name suffix such as .old.")
    tar, members = read_members(params["src"])
    try:
        names, unmatched = select(members, params["files"])
        if unmatched:
            raise Day2Error(
                "These paths are not in the backup %s: %s. Check the spelling; the archive holds %d entries "
                "(list them with tar tzf)." % (params["src"], ", ".join(unmatched), len(members)),
                unmatched=unmatched,
            )
        steps = plan(tar, members, names, params["root"])
        if not module.check_mode:
            apply(tar, members, steps, params["root"], params["backup_suffix"])
        packages = {}
        if params["package_diff"] and PACKAGES_MEMBER in members:
            backup_lines = package_lines(tar.extractfile(members[PACKAGES_MEMBER]).read().decode("utf-8", "replace"))
            packages = package_diff(backup_lines, installed_packages(module, params["package_command"]))
    finally:
        tar.close()
    restored = [
        {"path": s["path"], "action": s["action"], "reason": s["reason"], "backup": s.get("backup")}
        for s in steps
        if s["action"] != "none"
    ]
    result = {
        "changed": bool(restored),
        "restored": restored,
        "unchanged": [s["path"] for s in steps if s["action"] == "none"],
        "packages": packages,
    }
    if module._diff and restored:
        result["diff"] = {
            "before": "".join("%s\n" % r["path"] for r in restored if r["action"] == "replace"),
            "after": "".join("%s (%s from backup)\n" % (r["path"], r["reason"]) for r in restored),
            "before_header": params["root"],
            "after_header": params["src"],
        }
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, execute)


if __name__ == "__main__":
    main()
