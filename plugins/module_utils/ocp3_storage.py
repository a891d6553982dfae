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


# --- 002 §7.1.3: change the storage back end (devicemapper -> overlay2) --------------------------------------------

DEFAULT_POOL_LV = "docker-pool"
DEFAULT_ROOT_LV_MOUNT = "/var/lib/docker"
BACKEND_TARGETS = ("overlay2",)


def parse_lvs(text):
    """`lvs --noheadings --separator '|' -o lv_name,vg_name` -> [(lv, vg)]."""
    out = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) >= 2 and fields[0]:
            out.append((fields[0], fields[1]))
    return out


def set_setup_keys(text, values):
    """The setup file with KEY=value set for each key of values: the first line of a key is replaced where it
    stands, later lines of the same key are dropped, absent keys are appended; comments and other keys are kept."""
    out, seen = [], set()
    for raw in text.splitlines():
        key = raw.split("=", 1)[0].strip() if "=" in raw and not raw.lstrip().startswith("#") else None
        if key in values:
            if key not in seen:
                out.append("%s=%s" % (key, values[key]))
            seen.add(key)
            continue
        out.append(raw)
    out += ["%s=%s" % (k, v) for k, v in values.items() if k not in seen]
    return "\n".join(out) + "\n"


def build_backend_plan(setup_text, in_effect, target, vgs, pvs, lvs):
    """Decide the back-end change of 002 §7.1.3. in_effect: the driver of DOCKER_STORAGE_OPTIONS in
    /etc/sysconfig/docker-storage (None when unset); lvs: [(lv, vg)]. Returns a dict whose empty steps mean the
    target driver is already in place; raises Day2Error listing every refusal at once."""
    setup = parse_setup(setup_text)
    configured = setup.get("STORAGE_DRIVER") or "devicemapper"
    current = in_effect or configured
    vg = setup.get("VG", "")
    devs = setup.get("DEVS", "").split()
    settings = {"STORAGE_DRIVER": target}
    if target == "overlay2":
        settings["CONTAINER_ROOT_LV_NAME"] = setup.get("CONTAINER_ROOT_LV_NAME") or DEFAULT_ROOT_LV
        settings["CONTAINER_ROOT_LV_MOUNT_PATH"] = setup.get("CONTAINER_ROOT_LV_MOUNT_PATH") or DEFAULT_ROOT_LV_MOUNT
    root_lv = settings.get("CONTAINER_ROOT_LV_NAME", "")
    vg_lvs = [lv for lv, owner in lvs if owner == vg]
    result = {
        "vg": vg,
        "driver": current,
        "configured_driver": configured,
        "target_driver": target,
        "devs": devs,
        "setup_content": set_setup_keys(setup_text, settings),
        "lv_remove": [],
        "pv_remove": [],
        "wipe_devices": [],
        "root_lv_present": bool(root_lv) and root_lv in vg_lvs,
        "to_add": [],
        "to_resize": [],
        "steps": [],
    }
    if current == target and configured == target:
        return result
    refusals = []
    if target not in BACKEND_TARGETS:
        refusals.append("the guide changes the back end to %s only, not to %s" % (" or ".join(BACKEND_TARGETS), target))
    if current not in ("devicemapper", target):
        refusals.append("docker uses the %s driver; the guide's procedure starts from devicemapper" % current)
    if not vg:
        refusals.append("the storage setup file sets no VG=; set the volume group of the container storage")
    if not devs:
        refusals.append(
            "the storage setup file lists no DEVS=, so the container storage shares a volume group with the system: "
            "removing it (vgremove) would take the system's volumes with it; change the back end by hand"
        )
    allowed = {setup.get("POOL_NAME") or DEFAULT_POOL_LV, root_lv or DEFAULT_ROOT_LV}
    others = [lv for lv in vg_lvs if lv not in allowed]
    if others:
        refusals.append(
            "volume group %s holds other logical volumes (%s) that vgremove would destroy" % (vg, ", ".join(others))
        )
    vg_pvs = sorted(pv for pv, owner in pvs.items() if owner == vg and vg)
    stray = [pv for pv in vg_pvs if pv not in devs and pv.rstrip("0123456789").rstrip("p") not in devs]
    if stray:
        refusals.append("volume group %s also spans %s, which DEVS does not list" % (vg, ", ".join(stray)))
    for dev in devs:
        pv, owner = _owner(pvs, dev)
        if owner and owner != vg:
            refusals.append("%s (DEVS) is a physical volume of volume group %s, not of %s" % (pv, owner, vg))
    if refusals:
        raise Day2Error(
            "Container storage back-end change refused: %s. Nothing was changed." % "; ".join(refusals),
            refusals=refusals,
        )
    result["lv_remove"] = ["/dev/%s/%s" % (vg, lv) for lv in vg_lvs]
    result["pv_remove"] = vg_pvs
    result["wipe_devices"] = devs
    steps = [
        "make the node unschedulable and drain it (oc adm drain --ignore-daemonsets --delete-local-data)",
        "list the pods of the node (oc adm manage-node --list-pods): only daemon set pods may be left",
        "systemctl stop docker",
        "systemctl stop atomic-openshift-node",
    ]
    steps += ["lvremove %s" % lv for lv in result["lv_remove"]]
    steps += ["vgremove %s" % vg] if vg in vgs else []
    steps += ["pvremove %s" % pv for pv in vg_pvs]
    steps += ["wipefs -a %s" % dev for dev in devs]
    steps += [
        "move /etc/sysconfig/docker-storage (the %s options) aside" % current,
        "set %s in the storage setup file" % ", ".join("%s=%s" % kv for kv in settings.items()),
        "docker-storage-setup (re-creates volume group %s for %s)" % (vg, target),
        "systemctl start docker",
        "check DOCKER_STORAGE_OPTIONS names --storage-driver %s and vgs/lvs show %s" % (target, vg),
        "systemctl restart atomic-openshift-node.service",
        "make the node schedulable again (if it was)",
    ]
    result["steps"] = steps
    return result
