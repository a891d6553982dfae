"""Stand-ins for the LVM and service commands of the container storage growth (002 §7.1.2) - not the real tools.

Real block devices cannot be changed here, so vgs, pvs, pvresize, docker-storage-setup, lvextend, xfs_growfs and
systemctl are played by this script over a JSON state file ($OCP3_LVM_STATE): volume groups with size and free
bytes, physical volumes, disks with their size, and a log of every call in order. docker-storage-setup does what
the real one does with DEVS: each listed disk not yet a physical volume is partitioned (<disk>1) and added to VG=,
growing its size and free space; it fails when docker runs, like the real one refuses to touch storage in use.
For the back-end change (002 §7.1.3) lvs, lvremove, vgremove, pvremove and wipefs act on the same state, and
docker-storage-setup with STORAGE_DRIVER=overlay2 re-creates VG= on the DEVS disk with the root logical volume and
writes DOCKER_STORAGE_OPTIONS; like the real one it refuses while the storage options file names another driver.
Usage: python lvm_standin.py [--state=PATH] COMMAND [ARGS...]
"""

import json
import os
import shlex
import sys


def _setup(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.strip().split("=", 1)
                out[key] = " ".join(shlex.split(value))
    return out


def _overlay2(state, setup):
    """docker-storage-setup for overlay2: VG= on the DEVS disk(s) with CONTAINER_ROOT_LV_NAME, options written."""
    options = state["docker_storage_file"]
    if os.path.exists(options):
        with open(options) as f:
            text = f.read()
        if "overlay2" not in text:
            sys.stderr.write(
                "ERROR: Storage is already configured with another driver. To override, remove %s\n" % options
            )
            return 1
    vg = setup["VG"]
    for disk in setup.get("DEVS", "").split():
        if state.get("signatures", {}).get(disk):
            sys.stderr.write("ERROR: Device %s is already partitioned and cannot be added to volume group\n" % disk)
            return 1
        state["pvs"][disk + "1"] = vg
        state["pv_size"][disk + "1"] = state["disks"][disk]
        size, _free = state["vgs"].get(vg, [0, 0])
        state["vgs"][vg] = [size + state["disks"][disk], 0]
    state["lvs"][setup["CONTAINER_ROOT_LV_NAME"]] = vg
    with open(options, "w") as f:
        f.write("DOCKER_STORAGE_OPTIONS='--storage-driver overlay2'\n")
    return 0


def _remove(state, cmd, target):
    if cmd == "lvremove":
        del state["lvs"][target.rsplit("/", 1)[-1]]
    elif cmd == "vgremove":
        if target in state["lvs"].values():
            return 5
        del state["vgs"][target]
    elif cmd == "pvremove":
        del state["pvs"][target]
    else:  # wipefs -a DISK: the partition table goes
        state.setdefault("signatures", {})[target] = False
    return 0


def main(argv):
    path = os.environ.get("OCP3_LVM_STATE")
    if argv[0].startswith("--state="):
        path, argv = argv[0].split("=", 1)[1], argv[1:]
    with open(path) as f:
        state = json.load(f)
    cmd, args = argv[0], argv[1:]
    state["log"].append(" ".join([cmd] + args))
    rc = 0
    if cmd == "vgs":
        for vg, (size, free) in sorted(state["vgs"].items()):
            sys.stdout.write("  %s|%d|%d\n" % (vg, size, free))
    elif cmd == "pvs":  # name|vg|pv_size|dev_size; a disk enlarged in place has dev_size > pv_size until pvresize
        sizes = state.setdefault("pv_size", {})
        for pv, vg in sorted(state["pvs"].items()):
            size = sizes.get(pv, 0)
            sys.stdout.write("  %s|%s|%d|%d\n" % (pv, vg, size, state["disks"].get(pv, size)))
    elif cmd == "pvresize":
        pv = args[-1]
        grown = state["disks"][pv] - state["pv_size"][pv]
        state["pv_size"][pv] = state["disks"][pv]
        size, free = state["vgs"][state["pvs"][pv]]
        state["vgs"][state["pvs"][pv]] = [size + grown, free + grown]
        sys.stdout.write('Physical volume "%s" changed\n' % pv)
    elif cmd == "systemctl":
        unit = "docker" if args[1:2] == ["docker"] else "node"
        state[unit] = {"stop": "stopped", "start": "running", "restart": "running"}.get(args[0], state.get(unit))
    elif cmd == "lvs":
        for lv, vg in sorted(state.get("lvs", {}).items()):
            sys.stdout.write("  %s|%s\n" % (lv, vg))
    elif cmd in ("lvremove", "vgremove", "pvremove", "wipefs"):
        rc = _remove(state, cmd, args[-1])
    elif (
        cmd == "docker-storage-setup"
        and _setup(state["setup_file"]).get("STORAGE_DRIVER") == "overlay2"
        and ("docker_storage_file" in state)
    ):
        if state["docker"] == "running":
            sys.stderr.write("ERROR: docker is running; stop it first\n")
            rc = 1
        else:
            rc = _overlay2(state, _setup(state["setup_file"]))
    elif cmd == "docker-storage-setup":
        if state["docker"] == "running":
            sys.stderr.write("ERROR: docker is running; stop it first\n")
            rc = 1
        else:
            setup = _setup(state["setup_file"])
            vg = setup["VG"]
            for disk in setup.get("DEVS", "").split():
                if disk in state["pvs"] or disk + "1" in state["pvs"]:
                    continue
                state["pvs"][disk + "1"] = vg
                size, free = state["vgs"][vg]
                state["vgs"][vg] = [size + state["disks"][disk], free + state["disks"][disk]]
                sys.stdout.write(
                    'Physical volume "%s1" successfully created. Volume group "%s" successfully extended\n' % (disk, vg)
                )
    elif cmd == "lvextend":
        vg = state["lv"][args[-1]]
        size, _free = state["vgs"][vg]
        state["vgs"][vg] = [size, 0]
    elif cmd != "xfs_growfs":
        sys.stderr.write("stand-in: unknown command %s\n" % cmd)
        rc = 2
    with open(path, "w") as f:
        json.dump(state, f)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
