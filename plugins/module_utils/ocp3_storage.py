# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container storage growth on an OpenShift 3.11 node (002 §7.1.2, a new disk or an enlarged one): read
/etc/sysconfig/docker-storage-setup, the volume groups and physical volumes, and settle which steps the
growth needs, refusing what would damage the host. Pure functions; the module feeds them command output."""

from __future__ import annotations

import shlex

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

DEFAULT_ROOT_LV = "dockerlv"


def parse_setup(text):
    """KEY=value lines of a docker-storage-setup file (shell quoting, comments ignored)."""
    out = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        try:
            parts = shlex.split(value, comments=True)
        except ValueError as exc:
            raise Day2Error("Cannot read the line %r of the storage setup file: %s." % (raw, exc)) from exc
        out[key.strip()] = " ".join(parts)
    return out


def parse_vgs(text):
    """`vgs --noheadings --units b --nosuffix --separator '|' -o vg_name,vg_size,vg_free` -> {vg: (size, free)}."""
    out = {}
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) < 3 or not fields[0]:
            continue
        try:
            out[fields[0]] = (int(float(fields[1])), int(float(fields[2])))
        except ValueError as exc:
            raise Day2Error("Cannot read the vgs line %r (expected name|size|free in bytes)." % line) from exc
    return out


def parse_pvs(text):
    """`pvs --noheadings --separator '|' -o pv_name,vg_name` -> {device: vg or ''}."""
    out = {}
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if fields and fields[0]:
            out[fields[0]] = fields[1] if len(fields) > 1 else ""
    return out


def parse_pv_sizes(text):
    """`pvs ... -o pv_name,vg_name,pv_size,dev_size --units b --nosuffix` -> {device: (pv_size, dev_size)};
    lines without the two sizes are left out (the sizes are then unknown)."""
    out = {}
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) >= 4 and fields[0]:
            try:
                out[fields[0]] = (int(float(fields[2])), int(float(fields[3])))
            except ValueError as exc:
                raise Day2Error(
                    "Cannot read the pvs line %r (expected name|vg|pv_size|dev_size in bytes)." % line
                ) from exc
    return out


# pvresize leaves less than one extent (4 MiB by default) unused: below that a disk has not grown
_EXTENT = 4 * 2**20


def mapper_path(vg, lv):
    """/dev/mapper name of a logical volume (dashes doubled, as device-mapper does)."""
    return "/dev/mapper/%s-%s" % (vg.replace("-", "--"), lv.replace("-", "--"))


def _owner(pvs, device):
    """The volume group of a device or of its first partition (docker-storage-setup partitions new disks)."""
    for name in (device, device + "1", device + "p1"):
        if name in pvs:
            return name, pvs[name]
    return None, None


def build_plan(setup, new_devices, device_kinds, pvs, vgs, require_block=True, grown_devices=(), pv_sizes=None):
    """Decide the growth. device_kinds: {device: 'block' | 'missing' | 'other'}; grown_devices: disks of the volume
    group enlarged in place (pvresize, the guide's "existing disk"); pv_sizes: {pv: (pv_size, dev_size)}. Returns a
    dict; raises Day2Error listing every refusal at once."""
    pv_sizes = pv_sizes or {}
    devs = setup.get("DEVS", "").split()
    vg = setup.get("VG", "")
    driver = setup.get("STORAGE_DRIVER", "devicemapper") or "devicemapper"
    refusals = []
    if not new_devices and not grown_devices:
        refusals.append(
            "name the new disk(s) to add (new_devices, e.g. [/dev/xvdd]) or the enlarged disk(s) of the volume group "
            "(grown_devices)"
        )
    for dev in grown_devices:
        pv, owner = _owner(pvs, dev)
        if not owner or owner != vg:
            refusals.append(
                "%s is not a physical volume of %s (pvs: %s): only a disk of the volume group can be grown in place; "
                "add a new disk with new_devices instead" % (dev, vg or "VG=", owner or "none")
            )
    if not vg:
        refusals.append(
            "the storage setup file sets no VG=, so docker-storage-setup would not extend a dedicated volume group; "
            "set VG= (e.g. docker_vol) as the installer did"
        )
    elif vg not in vgs:
        refusals.append(
            "the volume group %s named by VG= does not exist (vgs lists %s)" % (vg, ", ".join(sorted(vgs)) or "none")
        )
    for dev in new_devices:
        kind = device_kinds.get(dev, "missing")
        if kind == "missing":
            refusals.append("%s does not exist on the host: attach the disk first" % dev)
        elif kind != "block" and require_block:
            refusals.append("%s is not a block device" % dev)
        pv, owner = _owner(pvs, dev)
        if owner and owner != vg:
            refusals.append(
                "%s is already a physical volume of volume group %s: it would be taken from it"
                % (pv, owner or "(none)")
            )
        elif pv and not owner:
            refusals.append(
                "%s is already a physical volume outside any volume group: check it is unused, then pvremove it" % pv
            )
        if dev in devs and not owner:
            refusals.append(
                "%s is in DEVS but not in %s: a previous run stopped half way; look at it by hand" % (dev, vg)
            )
    if refusals:
        raise Day2Error(
            "Container storage growth refused: %s. Nothing was changed." % "; ".join(refusals), refusals=refusals
        )
    missing = [d for d in new_devices if _owner(pvs, d)[1] != vg]
    to_resize, not_grown = [], []
    for dev in grown_devices:
        pv = _owner(pvs, dev)[0]
        pv_size, dev_size = pv_sizes.get(pv, (0, _EXTENT * 2))
        (to_resize if dev_size - pv_size >= _EXTENT else not_grown).append(pv)
    size, free = vgs[vg]
    overlay = driver == "overlay2"
    lv = setup.get("CONTAINER_ROOT_LV_NAME") or DEFAULT_ROOT_LV
    result = {
        "vg": vg,
        "driver": driver,
        "devs": devs,
        "new_devs": devs + [d for d in new_devices if d not in devs],
        "devs_line": 'DEVS="%s"' % " ".join(devs + [d for d in new_devices if d not in devs]),
        "to_add": missing,
        "vg_size": size,
        "vg_free": free,
        "to_resize": to_resize,
        "not_grown": not_grown,
        "grow_lv": overlay and bool(missing or to_resize),
        "lv_path": mapper_path(vg, lv) if overlay else "",
        "steps": [],
    }
    if not missing and not to_resize:
        return result
    steps = [
        "drain the node (oc adm drain --ignore-daemonsets --delete-local-data)",
        "systemctl stop docker",
        "move the static pod definitions into pods-stopped",
    ]
    if missing:
        steps.append("set %s in the storage setup file" % result["devs_line"])
    steps += ["pvresize %s (the enlarged disk)" % pv for pv in to_resize]
    steps.append(
        "docker-storage-setup (extends volume group %s%s)" % (vg, (" with " + ", ".join(missing)) if missing else "")
    )
    if overlay:
        steps += ["lvextend -r -l +100%%FREE %s" % result["lv_path"], "xfs_growfs %s" % result["lv_path"]]
        steps.append("docker-storage-setup again")
    steps += [
        "systemctl start docker",
        "vgs: check that %s grew beyond %d bytes" % (vg, size),
        "move the static pod definitions back",
        "restart the node service",
        "make the node schedulable again",
    ]
    result["steps"] = steps
    return result
