"""ocp3_container_storage (002 §7.1.2, a new disk and an existing disk enlarged in place, in one run) on one node
of the simulated cluster. Real block devices cannot be changed here: the LVM and service commands are stand-ins
(lvm_standin.py) over a state file, and the new disk is a regular file (require_block_device=false). One run checks
the order of the guide's steps (pvresize of the enlarged disk before docker-storage-setup), the DEVS line, the
static pods parked and put back, the volume group grown and verified, and the node drained then schedulable."""

from __future__ import annotations

import json
import os
import sys

from tests.harness.ansible import run_playbook, write_playbook

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lvm_standin.py")
GIB = 2**30
PLAY = (
    "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_container_storage\n"
)


def test_grow_container_storage_with_a_new_disk(mgmt_cluster, tmp_path, installed_collection):
    mgmt = mgmt_cluster
    node = "%s-storage-0" % mgmt.name
    mgmt.put({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}, "spec": {},
              "status": {"conditions": [{"type": "Ready", "status": "True"}]}})  # fmt: skip
    setup = tmp_path / "docker-storage-setup"
    setup.write_text('DEVS="/dev/xvdb"\nVG=docker_vol\nSTORAGE_DRIVER=overlay2\nCONTAINER_ROOT_LV_NAME=dockerlv\n')
    disk = tmp_path / "xvdd"
    disk.write_bytes(b"")
    pods = tmp_path / "pods"
    pods.mkdir()
    (pods / "sdn.yaml").write_text("kind: Pod\n")
    state = tmp_path / "lvm.json"
    lv = "/dev/mapper/docker_vol-dockerlv"
    state.write_text(json.dumps({
        "vgs": {"docker_vol": [10 * GIB, 0], "rhel": [40 * GIB, 0]},
        "pvs": {"/dev/xvdb1": "docker_vol", "/dev/sda2": "rhel"},
        "pv_size": {"/dev/xvdb1": 10 * GIB, "/dev/sda2": 40 * GIB},
        "disks": {str(disk): 55 * GIB, "/dev/xvdb1": 15 * GIB},  # xvdb enlarged in place by 5 GiB
        "lv": {lv: "docker_vol"},
        "docker": "running",
        "setup_file": str(setup),
        "log": [],
    }))  # fmt: skip

    def standin(*cmd):
        return [sys.executable, STANDIN, *cmd]

    extra = {
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
        "ocp3_container_storage_node": node,
        "ocp3_container_storage_new_devices": [str(disk)],
        "ocp3_container_storage_grown_devices": ["/dev/xvdb"],  # the guide's "existing disk" in the same run
        "ocp3_container_storage_pvresize_command": standin("pvresize"),
        "ocp3_container_storage_setup_file": str(setup),
        "ocp3_container_storage_require_block_device": False,
        "ocp3_container_storage_stop_docker_command": standin("systemctl", "stop", "docker"),
        "ocp3_container_storage_start_docker_command": standin("systemctl", "start", "docker"),
        "ocp3_container_storage_node_restart_command": standin("systemctl", "restart", "atomic-openshift-node.service"),
        "ocp3_container_storage_setup_command": standin("docker-storage-setup"),
        "ocp3_container_storage_lvextend_command": standin("lvextend", "-r", "-l", "+100%FREE"),
        "ocp3_container_storage_xfs_growfs_command": standin("xfs_growfs"),
        "ocp3_container_storage_vgs_command": standin("vgs"),
        "ocp3_container_storage_pvs_command": standin("pvs"),
        "ocp3_container_storage_pods_dir": str(pods),
        "ocp3_container_storage_stopped_pods_dir": str(tmp_path / "pods-stopped"),
        "ocp3_container_storage_disable_eviction": True,
        "ocp3_container_storage_drain_timeout": 30,
        "ansible_python_interpreter": sys.executable,
    }
    play = write_playbook(tmp_path, PLAY)
    result = run_playbook(play, extra_vars=extra, env={"OCP3_LVM_STATE": str(state)})
    assert result.rc == 0, result
    final = json.loads(state.read_text())
    changes = [c for c in final["log"] if not c.startswith(("vgs", "pvs"))]
    assert changes == [
        "systemctl stop docker",
        "pvresize /dev/xvdb1",
        "docker-storage-setup",
        "lvextend -r -l +100%FREE " + lv,
        "xfs_growfs " + lv,
        "docker-storage-setup",
        "systemctl start docker",
        "systemctl restart atomic-openshift-node.service",
    ], final["log"]
    assert final["vgs"]["docker_vol"] == [70 * GIB, 0] and final["pvs"][str(disk) + "1"] == "docker_vol"
    assert final["pv_size"]["/dev/xvdb1"] == 15 * GIB
    assert 'DEVS="/dev/xvdb %s"\n' % disk in setup.read_text()
    assert sorted(os.listdir(pods)) == ["sdn.yaml"] and os.listdir(tmp_path / "pods-stopped") == []
    assert not mgmt.get("v1", "Node", node).get("spec", {}).get("unschedulable")
    assert "Volume group docker_vol grew from 10.00 GB to 70.00 GB" in result.stdout
