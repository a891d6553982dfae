#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp3_container_storage_plan
short_description: Plan the growth or the back-end change of an OpenShift 3.11 node's container storage (read only)
version_added: 0.1.0
description:
  - The preflight of the guide's container storage growth (002 §7.1.2, "a new disk") on one node. Reads the
    storage setup file (C(/etc/sysconfig/docker-storage-setup)), the volume groups (C(vgs)) and physical
    volumes (C(pvs)), and checks each new disk.
  - Refuses, listing every reason at once, when VG= is unset or names no volume group, a disk is missing or not
    a block device, a disk (or its first partition) is already a physical volume of another or of no volume group,
    or a disk is in DEVS without being in the volume group (a run stopped half way).
  - Returns the DEVS line to write, whether the logical volume must be grown (C(overlay2) on XFS, C(lvextend -r)
    and C(xfs_growfs)), its /dev/mapper path, the size of the volume group now (to check the growth afterwards)
    and the ordered steps. Nothing on the host is changed; an empty step list means the disks are already in.
  - With O(storage_driver), plans the guide's back-end change instead (002 §7.1.3, devicemapper to overlay2) - the
    driver in effect (DOCKER_STORAGE_OPTIONS of O(docker_storage_file)) and configured (STORAGE_DRIVER), the logical
    volumes, volume group and physical volumes to remove (C(lvs), C(vgs), C(pvs)), the disks to wipe (DEVS) and the
    new setup file. Refused - a volume group without DEVS (shared with the system), one holding other logical volumes
    or disks DEVS does not list, a driver other than devicemapper. Both drivers already O(storage_driver) - no steps.
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  new_devices:
    description: The new disk(s) to add, e.g. C(/dev/xvdd). This or O(grown_devices) is needed.
    type: list
    elements: str
    default: []
  grown_devices:
    description:
      - Disks of the volume group that were enlarged in place (the guide's "existing disk", a non-cloud resize);
        their physical volume gets C(pvresize) before C(docker-storage-setup).
      - A disk that is not a physical volume of VG= is refused; one whose physical volume already fills it (less
        than one 4 MiB extent left, for example a partition not grown with C(growpart)) is listed in RV(not_grown).
    type: list
    elements: str
    default: []
  setup_file:
    description: The docker-storage-setup input file.
    type: path
    default: /etc/sysconfig/docker-storage-setup
  vgs_command:
    description: argv printing C(name|size|free) in bytes per volume group.
    type: list
    elements: str
    default: [vgs, --noheadings, --units, b, --nosuffix, --separator, "|", -o, "vg_name,vg_size,vg_free"]
  pvs_command:
    description:
      - argv printing C(device|volume group|pv size|device size) per physical volume, sizes in bytes (the sizes
        tell whether an enlarged disk still has room to give; without them O(grown_devices) are always resized).
    type: list
    elements: str
    default: [pvs, --noheadings, --units, b, --nosuffix, --separator, "|", -o, "pv_name,vg_name,pv_size,dev_size"]
  require_block_device:
    description: Refuse a new disk that is not a block device.
    type: bool
    default: true
  storage_driver:
    description:
      - Plan the change of the storage back end to this driver (002 §7.1.3) instead of a growth; O(new_devices) and
        O(grown_devices) must then be empty. The guide shows devicemapper to overlay2 only.
    type: str
    choices: [overlay2]
  docker_storage_file:
    description: The file docker-storage-setup writes (DOCKER_STORAGE_OPTIONS); tells the driver in effect.
    type: path
    default: /etc/sysconfig/docker-storage
  lvs_command:
    description: argv printing C(lv name|volume group) per logical volume (used with O(storage_driver)).
    type: list
    elements: str
    default: [lvs, --noheadings, --separator, "|", -o, "lv_name,vg_name"]
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns the same plan.
  diff_mode:
    support: none
    description: Nothing is changed.
"""

EXAMPLES = r"""
- name: Plan adding /dev/xvdd to the container storage
  ocp.day2.ocp3_container_storage_plan:
    new_devices: [/dev/xvdd]
  register: plan

- name: Show the steps
  ansible.builtin.debug:
    msg: "{{ plan.steps }}"
"""

RETURN = r"""
vg:
  description: The volume group named by VG=.
  returned: success
  type: str
  sample: docker_vol
driver:
  description: STORAGE_DRIVER of the setup file (devicemapper when unset).
  returned: success
  type: str
  sample: overlay2
devs:
  description: DEVS now.
  returned: success
  type: list
  elements: str
  sample: [/dev/xvdb]
devs_line:
  description: The DEVS line the setup file gets.
  returned: success
  type: str
  sample: DEVS="/dev/xvdb /dev/xvdd"
to_add:
  description: New disks not yet in the volume group (empty - nothing to do).
  returned: success
  type: list
  elements: str
  sample: [/dev/xvdd]
vg_size:
  description: Size of the volume group now, in bytes.
  returned: success
  type: int
  sample: 10733223936
vg_free:
  description: Free space of the volume group now, in bytes.
  returned: success
  type: int
  sample: 0
to_resize:
  description: Physical volumes of O(grown_devices) that get C(pvresize) (their disk is larger than they are).
  returned: success
  type: list
  elements: str
  sample: [/dev/xvdb1]
not_grown:
  description: Physical volumes of O(grown_devices) that already fill their disk (nothing to resize).
  returned: success
  type: list
  elements: str
  sample: []
grow_lv:
  description: Whether the logical volume and its XFS file system are grown (overlay2) after the volume group.
  returned: success
  type: bool
  sample: true
lv_path:
  description: /dev/mapper path of the container root logical volume (overlay2), else empty.
  returned: success
  type: str
  sample: /dev/mapper/docker_vol-dockerlv
configured_driver:
  description: STORAGE_DRIVER of the setup file (devicemapper when unset), with O(storage_driver).
  returned: with storage_driver
  type: str
  sample: devicemapper
setup_content:
  description: The storage setup file the back-end change writes (STORAGE_DRIVER and the overlay2 root volume).
  returned: with storage_driver
  type: str
lv_remove:
  description: Logical volumes removed by the back-end change (lvremove), in order.
  returned: with storage_driver
  type: list
  elements: str
  sample: [/dev/docker_vol/docker-pool]
pv_remove:
  description: Physical volumes removed by the back-end change (pvremove).
  returned: with storage_driver
  type: list
  elements: str
  sample: [/dev/xvdb1]
wipe_devices:
  description: Disks of DEVS whose signatures are wiped (wipefs -a) before docker-storage-setup.
  returned: with storage_driver
  type: list
  elements: str
  sample: [/dev/xvdb]
root_lv_present:
  description: Whether the overlay2 root logical volume (CONTAINER_ROOT_LV_NAME) is in the volume group.
  returned: with storage_driver
  type: bool
steps:
  description: The ordered steps of the growth or back-end change, in words (empty - nothing to do).
  returned: success
  type: list
  elements: str
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.storage_driver import driver_from_docker_storage
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_storage import (
    build_backend_plan,
    build_plan,
    parse_lvs,
    parse_pv_sizes,
    parse_pvs,
    parse_setup,
    parse_vgs,
)
from ansible_collections.ocp.day2.plugins.module_utils.runner import run


def _lvm_report(tool, fields):
    """An LVM report command: sizes in bytes without unit suffix, fields separated by |, no header."""
    return [tool, "--noheadings", "--units", "b", "--nosuffix", "--separator", "|", "-o", fields]


def argument_spec():
    return {
        "new_devices": {"type": "list", "elements": "str", "default": []},
        "grown_devices": {"type": "list", "elements": "str", "default": []},
        "setup_file": {"type": "path", "default": "/etc/sysconfig/docker-storage-setup"},
        "vgs_command": {"type": "list", "elements": "str", "default": _lvm_report("vgs", "vg_name,vg_size,vg_free")},
        "pvs_command": {
            "type": "list",
            "elements": "str",
            "default": _lvm_report("pvs", "pv_name,vg_name,pv_size,dev_size"),
        },
        "require_block_device": {"type": "bool", "default": True},
        "storage_driver": {"type": "str", "choices": ["overlay2"]},
        "docker_storage_file": {"type": "path", "default": "/etc/sysconfig/docker-storage"},
        "lvs_command": {
            "type": "list",
            "elements": "str",
            "default": ["lvs", "--noheadings", "--separator", "|", "-o", "lv_name,vg_name"],
        },
    }


def _device_kind(path):
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "missing"
    return "block" if stat.S_ISBLK(mode) else "other"


def _command(module, argv, what):
    try:
        rc, out, err = module.run_command(argv)
    except OSError as exc:
        raise Day2Error("Cannot run %s (%s): %s. Is lvm2 installed on the node?" % (what, " ".join(argv), exc)) from exc
    if rc != 0:
        raise Day2Error("%s failed (rc %d): %s" % (" ".join(argv), rc, (err or out).strip()[:400]))
    return out


def _backend(module):
    params = module.params
    if params["new_devices"] or params["grown_devices"]:
        raise Day2Error(
            "storage_driver changes the back end (002 §7.1.3); new_devices and grown_devices grow it (§7.1.2): "
            "run one procedure at a time."
        )
    inputs.non_empty_list(params["lvs_command"], "lvs_command", "[lvs, --noheadings, ...]")
    inputs.readable_file(params["setup_file"], "setup_file", "Container storage on 3.11 is set up from this file.")
    with open(params["setup_file"]) as f:
        setup_text = f.read()
    in_effect = None
    if os.path.exists(params["docker_storage_file"]):
        with open(params["docker_storage_file"]) as f:
            in_effect = driver_from_docker_storage(f.read())
    vgs = parse_vgs(_command(module, params["vgs_command"], "vgs"))
    pvs = parse_pvs(_command(module, params["pvs_command"], "pvs"))
    lvs = parse_lvs(_command(module, params["lvs_command"], "lvs"))
    result = build_backend_plan(setup_text, in_effect, params["storage_driver"], vgs, pvs, lvs)
    result["changed"] = False
    return result


def execute(module):
    params = module.params
    if params["storage_driver"]:
        inputs.non_empty_list(params["vgs_command"], "vgs_command", "[vgs, --noheadings, ...]")
        inputs.non_empty_list(params["pvs_command"], "pvs_command", "[pvs, --noheadings, ...]")
        return _backend(module)
    if not params["grown_devices"]:
        inputs.non_empty_list(params["new_devices"], "new_devices", "[/dev/xvdd] (or grown_devices)")
    for dev in params["new_devices"] + params["grown_devices"]:
        if not dev.startswith("/dev/") and params["require_block_device"]:
            raise Day2Error("new_devices: %r is not a device path such as /dev/xvdd." % dev)
    inputs.non_empty_list(params["vgs_command"], "vgs_command", "[vgs, --noheadings, ...]")
    inputs.non_empty_list(params["pvs_command"], "pvs_command", "[pvs, --noheadings, ...]")
    inputs.readable_file(params["setup_file"], "setup_file", "Container storage on 3.11 is set up from this file.")
    with open(params["setup_file"]) as f:
        setup = parse_setup(f.read())
    vgs = parse_vgs(_command(module, params["vgs_command"], "vgs"))
    pvs_out = _command(module, params["pvs_command"], "pvs")
    pvs = parse_pvs(pvs_out)
    kinds = {dev: _device_kind(dev) for dev in params["new_devices"]}
    result = build_plan(
        setup,
        params["new_devices"],
        kinds,
        pvs,
        vgs,
        params["require_block_device"],
        grown_devices=params["grown_devices"],
        pv_sizes=parse_pv_sizes(pvs_out),
    )
    result["changed"] = False
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, execute)


if __name__ == "__main__":
    main()
