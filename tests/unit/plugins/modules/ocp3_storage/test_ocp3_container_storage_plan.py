"""The container storage growth plan (002 §7.1.2): the setup file and LVM output parsed, every refusal, the
overlay2 and devicemapper step lists, idempotence; and the module on a real file with stand-in vgs/pvs."""

import sys

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_storage import (
    build_plan,
    mapper_path,
    parse_pv_sizes,
    parse_pvs,
    parse_setup,
    parse_vgs,
)
from ansible_collections.ocp.day2.plugins.modules import ocp3_container_storage_plan

SETUP = 'DEVS="/dev/xvdb"\nVG=docker_vol\n# a comment\nSTORAGE_DRIVER=overlay2\nCONTAINER_ROOT_LV_NAME=dockerlv\n'
VGS = {"docker_vol": (10 * 2**30, 0), "rhel": (40 * 2**30, 0)}
PVS = {"/dev/xvdb1": "docker_vol", "/dev/sda2": "rhel"}


def test_parsers():
    assert parse_setup(SETUP) == {
        "DEVS": "/dev/xvdb",
        "VG": "docker_vol",
        "STORAGE_DRIVER": "overlay2",
        "CONTAINER_ROOT_LV_NAME": "dockerlv",
    }
    assert parse_vgs("  docker_vol|10737418240|0\n  rhel|42949672960|1048576\n") == {
        "docker_vol": (10737418240, 0),
        "rhel": (42949672960, 1048576),
    }
    assert parse_pvs("  /dev/xvdb1|docker_vol\n  /dev/xvdc|\n") == {"/dev/xvdb1": "docker_vol", "/dev/xvdc": ""}
    assert mapper_path("docker-vg", "docker-pool") == "/dev/mapper/docker--vg-docker--pool"
    with pytest.raises(Day2Error, match="name\\|size\\|free"):
        parse_vgs("docker_vol|ten|0\n")
    with pytest.raises(Day2Error, match="Cannot read the line"):
        parse_setup('DEVS="/dev/xvdb\n')


def test_overlay2_plan_grows_the_volume_group_then_the_logical_volume():
    plan = build_plan(parse_setup(SETUP), ["/dev/xvdd"], {"/dev/xvdd": "block"}, PVS, VGS)
    assert plan["devs_line"] == 'DEVS="/dev/xvdb /dev/xvdd"'
    assert plan["to_add"] == ["/dev/xvdd"] and plan["grow_lv"] is True
    assert plan["lv_path"] == "/dev/mapper/docker_vol-dockerlv"
    steps = plan["steps"]
    assert steps.index("systemctl stop docker") < steps.index(
        "docker-storage-setup (extends volume group docker_vol with /dev/xvdd)"
    )
    assert (
        steps[steps.index("lvextend -r -l +100%FREE /dev/mapper/docker_vol-dockerlv") + 1]
        == "xfs_growfs /dev/mapper/docker_vol-dockerlv"
    )
    assert "docker-storage-setup again" in steps and steps[-1] == "make the node schedulable again"


def test_devicemapper_plan_has_no_lvextend_and_a_done_disk_is_nothing_to_do():
    setup = parse_setup("DEVS=/dev/vdb\nVG=docker_vg\n")
    plan = build_plan(setup, ["/dev/vdc"], {"/dev/vdc": "block"}, {"/dev/vdb1": "docker_vg"}, {"docker_vg": (1, 0)})
    assert plan["driver"] == "devicemapper" and not plan["grow_lv"] and plan["lv_path"] == ""
    assert not any(s.startswith(("lvextend", "xfs_growfs")) for s in plan["steps"])
    done = build_plan(
        parse_setup('DEVS="/dev/vdb /dev/vdc"\nVG=docker_vg\n'),
        ["/dev/vdc"],
        {"/dev/vdc": "block"},
        {"/dev/vdb1": "docker_vg", "/dev/vdc1": "docker_vg"},
        {"docker_vg": (2, 0)},
    )
    assert done["to_add"] == [] and done["steps"] == [] and not done["grow_lv"]


@pytest.mark.parametrize(
    ("setup", "devices", "kinds", "pvs", "reason"),
    [
        ("DEVS=/dev/xvdb\n", ["/dev/xvdd"], {"/dev/xvdd": "block"}, PVS, "sets no VG="),
        (
            "DEVS=/dev/xvdb\nVG=other\n",
            ["/dev/xvdd"],
            {"/dev/xvdd": "block"},
            PVS,
            "volume group other named by VG= does not exist",
        ),
        (SETUP, ["/dev/xvdd"], {}, PVS, "/dev/xvdd does not exist on the host"),
        (SETUP, ["/dev/xvdd"], {"/dev/xvdd": "other"}, PVS, "/dev/xvdd is not a block device"),
        (
            SETUP,
            ["/dev/sda"],
            {"/dev/sda": "block"},
            {"/dev/sda": "rhel"},
            "/dev/sda is already a physical volume of volume group rhel",
        ),
        (SETUP, ["/dev/xvdc"], {"/dev/xvdc": "block"}, {"/dev/xvdc": ""}, "outside any volume group"),
        ('DEVS="/dev/xvdb /dev/xvdd"\nVG=docker_vol\n', ["/dev/xvdd"], {"/dev/xvdd": "block"}, PVS, "stopped half way"),
        (SETUP, [], {}, PVS, "name the new disk"),
    ],
)
def test_refusals(setup, devices, kinds, pvs, reason):
    with pytest.raises(Day2Error) as exc:
        build_plan(parse_setup(setup), devices, kinds, pvs, VGS)
    assert reason in exc.value.msg and "Nothing was changed" in exc.value.msg


def test_refusals_are_listed_together():
    with pytest.raises(Day2Error) as exc:
        build_plan(parse_setup("DEVS=/dev/xvdb\n"), ["/dev/x", "/dev/y"], {}, {}, VGS)
    assert len(exc.value.result["refusals"]) == 3


def test_module_reads_the_file_and_the_lvm_commands(tmp_path, run_main):
    setup = tmp_path / "docker-storage-setup"
    setup.write_text(SETUP)
    disk = tmp_path / "xvdd"
    disk.write_bytes(b"")
    echo = [sys.executable, "-c", "import sys; sys.stdout.write(sys.argv[1])"]
    args = {
        "new_devices": [str(disk)],
        "setup_file": str(setup),
        "vgs_command": echo + ["docker_vol|10737418240|0\n"],
        "pvs_command": echo + ["/dev/xvdb1|docker_vol\n"],
    }
    refused = run_main(ocp3_container_storage_plan.main, args)
    assert refused["failed"] and "is not a device path" in refused["msg"], refused
    out = run_main(ocp3_container_storage_plan.main, dict(args, require_block_device=False))
    assert not out.get("failed") and out["changed"] is False, out
    assert out["devs_line"] == 'DEVS="/dev/xvdb %s"' % disk and out["vg_size"] == 10737418240
    broken = run_main(
        ocp3_container_storage_plan.main,
        dict(args, require_block_device=False, vgs_command=[sys.executable, "-c", "import sys; sys.exit(5)"]),
    )
    assert broken["failed"] and "failed (rc 5)" in broken["msg"]


GIB = 2**30


def test_existing_disk_enlarged_in_place_gets_pvresize_before_docker_storage_setup():
    text = "  /dev/xvdb1|docker_vol|%d|%d\n  /dev/sda2|rhel|%d|%d\n" % (10 * GIB, 25 * GIB, 40 * GIB, 40 * GIB)
    sizes = parse_pv_sizes(text)
    assert sizes == {"/dev/xvdb1": (10 * GIB, 25 * GIB), "/dev/sda2": (40 * GIB, 40 * GIB)}
    assert parse_pvs("  /dev/xvdb1|docker_vol|1|2\n") == {"/dev/xvdb1": "docker_vol"}, "sizes do not change the vg"
    plan = build_plan(parse_setup(SETUP), [], {}, PVS, VGS, grown_devices=["/dev/xvdb"], pv_sizes=sizes)
    assert plan["to_resize"] == ["/dev/xvdb1"] and plan["to_add"] == [] and plan["grow_lv"] is True
    steps = plan["steps"]
    assert not [s for s in steps if s.startswith("set DEVS")], "DEVS stays as it is"
    assert (
        steps.index("move the static pod definitions into pods-stopped")
        < steps.index("pvresize /dev/xvdb1 (the enlarged disk)")
        < steps.index("docker-storage-setup (extends volume group docker_vol)")
        < steps.index("lvextend -r -l +100%FREE /dev/mapper/docker_vol-dockerlv")
    ), steps
    # already resized (or a partition not grown with growpart): less than one extent left, nothing to do
    done = {"/dev/xvdb1": (25 * GIB, 25 * GIB + 2**20)}
    plan = build_plan(parse_setup(SETUP), [], {}, PVS, VGS, grown_devices=["/dev/xvdb"], pv_sizes=done)
    assert plan["steps"] == [] and plan["not_grown"] == ["/dev/xvdb1"] and plan["to_resize"] == []
    # without sizes from pvs the disk is resized (pvresize on a full PV changes nothing)
    assert build_plan(parse_setup(SETUP), [], {}, PVS, VGS, grown_devices=["/dev/xvdb"])["to_resize"] == ["/dev/xvdb1"]


@pytest.mark.parametrize(
    "grown, reason",
    [
        (["/dev/sda2"], "/dev/sda2 is not a physical volume of docker_vol (pvs: rhel)"),
        (["/dev/xvdq"], "/dev/xvdq is not a physical volume of docker_vol (pvs: none)"),
    ],
)
def test_enlarged_disk_outside_the_volume_group_is_refused(grown, reason):
    with pytest.raises(Day2Error) as err:
        build_plan(parse_setup(SETUP), [], {}, PVS, VGS, grown_devices=grown)
    assert reason in str(err.value) and "Nothing was changed" in str(err.value)


def test_neither_new_nor_enlarged_disk_is_refused():
    with pytest.raises(Day2Error, match="grown_devices"):
        build_plan(parse_setup(SETUP), [], {}, PVS, VGS)
