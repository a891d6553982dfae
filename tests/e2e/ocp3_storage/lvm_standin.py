"""Stand-ins for the LVM and service commands of the container storage growth (002 §7.1.2) - not the real tools.

Real block devices cannot be changed here, so vgs, pvs, pvresize, docker-storage-setup, lvextend, xfs_growfs and
systemctl are played by this script over a JSON state file ($OCP3_LVM_STATE): volume groups with size and free
bytes, physical volumes, disks with their size, and a log of every call in order. docker-storage-setup does what
the real one does with DEVS: each listed disk not yet a physical volume is partitioned (<disk>1) and added to VG=,
growing its size and free space; it fails when docker runs, like the real one refuses to touch storage in use.
Usage: python lvm_standin.py COMMAND [ARGS...]
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


def main(argv):
    path = os.environ["OCP3_LVM_STATE"]
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
        state["docker"] = (
            {"stop": "stopped", "start": "running"}.get(args[0], state["docker"])
            if args[1:2] == ["docker"]
            else state["docker"]
        )
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
