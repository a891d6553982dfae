"""The storage back-end change plan (002 §7.1.3, devicemapper -> overlay2): the setup file rewritten in place, the
removal lists in the guide's order, every refusal (shared volume group, foreign volumes or disks, another driver),
the driver already in place (nothing to do) and a run stopped half way (resumes); and the module end to end."""

import sys

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_storage import (
    build_backend_plan,
    parse_lvs,
    set_setup_keys,
)
from ansible_collections.ocp.day2.plugins.modules import ocp3_container_storage_plan

SETUP = "# installer\nDEVS=/dev/xvdb\nVG=docker_vg\nSTORAGE_DRIVER=devicemapper\n"
VGS = {"docker_vg": (25 * 2**30, 15 * 2**30), "rhel": (40 * 2**30, 0)}
PVS = {"/dev/xvdb1": "docker_vg", "/dev/sda2": "rhel"}
LVS = [("docker-pool", "docker_vg"), ("root", "rhel")]


def test_set_setup_keys_replaces_in_place_drops_duplicates_and_appends():
    text = "# c\nA=1\nSTORAGE_DRIVER=devicemapper\n# STORAGE_DRIVER=x\nSTORAGE_DRIVER=old\n"
    assert set_setup_keys(text, {"STORAGE_DRIVER": "overlay2", "B": "2"}) == (
        "# c\nA=1\nSTORAGE_DRIVER=overlay2\n# STORAGE_DRIVER=x\nB=2\n"
    )
    assert parse_lvs("  docker-pool|docker_vg\n  root|rhel\n\n") == LVS


def test_devicemapper_to_overlay2_removes_then_recreates_in_the_guides_order():
    plan = build_backend_plan(SETUP, "devicemapper", "overlay2", VGS, PVS, LVS)
    assert plan["lv_remove"] == ["/dev/docker_vg/docker-pool"] and plan["pv_remove"] == ["/dev/xvdb1"]
    assert plan["wipe_devices"] == ["/dev/xvdb"] and plan["root_lv_present"] is False
    assert plan["setup_content"] == (
        "# installer\nDEVS=/dev/xvdb\nVG=docker_vg\nSTORAGE_DRIVER=overlay2\n"
        "CONTAINER_ROOT_LV_NAME=dockerlv\nCONTAINER_ROOT_LV_MOUNT_PATH=/var/lib/docker\n"
    )
    steps = plan["steps"]
    order = ["drain", "systemctl stop docker", "systemctl stop atomic-openshift-node", "lvremove", "vgremove",
             "pvremove", "wipefs", "aside", "STORAGE_DRIVER=overlay2", "docker-storage-setup", "systemctl start docker",
             "check DOCKER_STORAGE_OPTIONS", "systemctl restart", "schedulable again"]  # fmt: skip
    at = [next(i for i, s in enumerate(steps) if word in s) for word in order]
    assert at == sorted(at), steps


def test_driver_in_place_is_nothing_to_do_and_half_way_resumes():
    done = SETUP.replace("devicemapper", "overlay2") + "CONTAINER_ROOT_LV_NAME=docker-root\n"
    plan = build_backend_plan(done, "overlay2", "overlay2", VGS, PVS, [("docker-root", "docker_vg")])
    assert plan["steps"] == [] and plan["root_lv_present"] is True and plan["lv_remove"] == []
    # setup file already edited, old options still in effect, volume group already gone: no vgremove, the rest runs
    half = build_backend_plan(done, "devicemapper", "overlay2", {"rhel": VGS["rhel"]}, {"/dev/sda2": "rhel"}, LVS[1:])
    assert half["lv_remove"] == [] and half["pv_remove"] == [] and half["wipe_devices"] == ["/dev/xvdb"]
    assert not any(s.startswith("vgremove") for s in half["steps"]) and "docker-storage-setup" in " ".join(
        half["steps"]
    )


@pytest.mark.parametrize(
    "setup, in_effect, pvs, lvs, reason",
    [
        ("VG=docker_vg\nSTORAGE_DRIVER=devicemapper\n", None, PVS, LVS, "shares a volume group with the system"),
        ("DEVS=/dev/xvdb\n", None, PVS, LVS, "sets no VG="),
        (SETUP, "btrfs", PVS, LVS, "starts from devicemapper"),
        (SETUP, None, PVS, LVS + [("data", "docker_vg")], "other logical volumes (data)"),
        (SETUP, None, dict(PVS, **{"/dev/xvdc1": "docker_vg"}), LVS, "also spans /dev/xvdc1"),
        (
            SETUP.replace("/dev/xvdb", "/dev/xvdb /dev/xvdc"),
            None,
            dict(PVS, **{"/dev/xvdc1": "rhel"}),
            LVS,
            "/dev/xvdc1 (DEVS) is a physical volume of volume group rhel",
        ),
    ],
)
def test_refusals(setup, in_effect, pvs, lvs, reason):
    with pytest.raises(Day2Error, match="back-end change refused") as exc:
        build_backend_plan(setup, in_effect, "overlay2", VGS, pvs, lvs)
    assert reason in str(exc.value)


def test_module_reads_the_options_file_and_lvs(tmp_path, run_main):
    setup = tmp_path / "docker-storage-setup"
    setup.write_text(SETUP)
    options = tmp_path / "docker-storage"
    options.write_text("DOCKER_STORAGE_OPTIONS='--storage-driver overlay2'\n")
    echo = [sys.executable, "-c", "import sys; sys.stdout.write(sys.argv[1])"]
    args = {
        "storage_driver": "overlay2",
        "setup_file": str(setup),
        "docker_storage_file": str(options),
        "vgs_command": echo + ["docker_vg|1|0\n"],
        "pvs_command": echo + ["/dev/xvdb1|docker_vg\n"],
        "lvs_command": echo + ["docker-pool|docker_vg\n"],
    }
    # options say overlay2, the setup file still devicemapper: a half-done run resumes
    out = run_main(ocp3_container_storage_plan.main, args)
    assert not out.get("failed") and out["driver"] == "overlay2" and out["configured_driver"] == "devicemapper", out
    assert out["lv_remove"] == ["/dev/docker_vg/docker-pool"] and out["changed"] is False
    options.unlink()  # no options file: the setup file's driver counts
    assert run_main(ocp3_container_storage_plan.main, args)["driver"] == "devicemapper"
    mixed = run_main(ocp3_container_storage_plan.main, dict(args, new_devices=["/dev/xvdd"]))
    assert mixed["failed"] and "one procedure at a time" in mixed["msg"]
