#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp3_inventory_host_remove
short_description: Take a retired OpenShift 3.11 host out of the groups of an INI Ansible inventory
version_added: 0.1.0
description:
  - The inventory step of the 3.11 host retirements (002 §5.2.1 and §5.3.1) - the retired host leaves the
    C([masters]), C([etcd]), C([nodes]) and C([new_*]) groups of the admin's INI inventory (C(/etc/ansible/hosts))
    so that later openshift-ansible runs do not reach for it.
  - Only host lines of the named groups go (the first word of the line is the host, whatever host variables
    follow); comments, blank lines, other hosts, other groups, C([group:vars]) and C([group:children]) sections stay
    byte for byte.
  - Refused - a YAML or JSON inventory (edit it by hand; its layout and comments cannot be kept by a rewrite), and a
    host covered by a range pattern such as C(node[1:3].example.com) in one of the groups (split the range by hand).
  - A backup copy (mode 0600) is kept beside the file; check mode and diff show the edit. A host already gone is
    nothing to do.
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  path:
    description: The INI inventory file.
    type: path
    required: true
  hosts:
    description: The names the retired host has in the inventory (inventory name, FQDN); compared without case.
    type: list
    elements: str
    required: true
  groups:
    description: The groups the host leaves; shell patterns (C(new_*)).
    type: list
    elements: str
    default: [masters, etcd, nodes, "new_*"]
  backup:
    description: Keep a copy of the file as it was (mode 0600) before changing it.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports what would be removed and changes nothing.
  diff_mode:
    support: full
    description: The file before and after.
"""

EXAMPLES = r"""
- name: Take master-0 out of the inventory groups
  ocp.day2.ocp3_inventory_host_remove:
    path: /etc/ansible/hosts
    hosts: [master-0.example.com]
  delegate_to: localhost
"""

RETURN = r"""
removed:
  description: The lines removed, with their group.
  returned: success
  type: list
  elements: dict
  sample:
    - {group: masters, line: "master-0.example.com"}
    - {group: nodes, line: "master-0.example.com openshift_node_group_name='node-config-master'"}
backup_file:
  description: The copy of the file as it was; empty when nothing changed or O(backup) is false.
  returned: success
  type: str
  sample: /etc/ansible/hosts.2345.2026-01-01@10:00:00~
"""

import fnmatch
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.runner import run

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*(?:[#;].*)?$")
_RANGE = re.compile(r"\[([0-9]+):([0-9]+)(?::([0-9]+))?\]")


def argument_spec():
    return {
        "path": {"type": "path", "required": True},
        "hosts": {"type": "list", "elements": "str", "required": True},
        "groups": {"type": "list", "elements": "str", "default": ["masters", "etcd", "nodes", "new_*"]},
        "backup": {"type": "bool", "default": True},
    }


def _expand(pattern):
    """The names of a numeric range pattern (node[01:03].example.com), else the pattern itself."""
    match = _RANGE.search(pattern)
    if not match:
        return [pattern]
    start, end, step = match.group(1), match.group(2), int(match.group(3) or 1)
    width = len(start) if start.startswith("0") else 0
    names = []
    for number in range(int(start), int(end) + 1, step):
        names += _expand(pattern[: match.start()] + str(number).zfill(width) + pattern[match.end() :])
    return names


def looks_like_yaml(path, text):
    if path.endswith((".yml", ".yaml", ".json")):
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";")):
            return stripped.startswith(("---", "{")) or bool(re.match(r"^[A-Za-z0-9_.-]+:\s*(#.*)?$", stripped))
    return False


def remove_hosts(text, hosts, groups):
    """The inventory text without the host lines of hosts in the matching groups; (new_text, removed)."""
    wanted = {h.lower() for h in hosts}
    section, out, removed, ranges = None, [], [], []
    for raw in text.splitlines(True):
        stripped = raw.strip()
        header = _SECTION.match(raw)
        if header:
            section = header.group(1).strip()
            out.append(raw)
            continue
        hosts_section = section is not None and ":" not in section
        is_host = stripped and not stripped.startswith(("#", ";"))
        if is_host and hosts_section and any(fnmatch.fnmatchcase(section, g) for g in groups):
            name = stripped.split()[0].lower()
            if name in wanted:
                removed.append({"group": section, "line": stripped})
                continue
            if "[" in name and wanted.intersection(_expand(name)):
                ranges.append("%s in [%s]" % (stripped.split()[0], section))
        out.append(raw)
    if ranges:
        raise Day2Error(
            "%s is part of the range pattern(s) %s: split the range by hand (list the other hosts one per line), "
            "then run again. Nothing was changed." % (", ".join(hosts), ", ".join(ranges))
        )
    return "".join(out), removed


def execute(module):
    params = module.params
    path = inputs.readable_file(params["path"], "path", "The admin's INI inventory, e.g. /etc/ansible/hosts.")
    inputs.non_empty_list(params["hosts"], "hosts", "[master-0.example.com]")
    inputs.non_empty_list(params["groups"], "groups", "[masters, etcd, nodes, 'new_*']")
    with open(path) as f:
        before = f.read()
    if looks_like_yaml(path, before):
        raise Day2Error(
            "%s is a YAML/JSON inventory: take %s out of the groups %s by hand (a rewrite would lose its layout and "
            "comments). Nothing was changed." % (path, ", ".join(params["hosts"]), ", ".join(params["groups"]))
        )
    after, removed = remove_hosts(before, params["hosts"], params["groups"])
    result = {"changed": bool(removed), "removed": removed, "backup_file": ""}
    if module._diff:
        result["diff"] = {"before": before, "after": after, "before_header": path, "after_header": path}
    if not removed or module.check_mode:
        return result
    if params["backup"]:
        result["backup_file"] = module.backup_local(path)
        os.chmod(result["backup_file"], 0o600)
    tmp = "%s.ocp-day2.tmp" % path
    with open(tmp, "w") as f:
        f.write(after)
    module.atomic_move(tmp, path)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, execute)


if __name__ == "__main__":
    main()
