"""ocp3_container_storage on nodes of the simulated cluster, in ONE ansible-playbook run of two plays:
- 002 §7.1.2, a new disk and an existing disk enlarged in place: the order of the guide's steps (pvresize of the
  enlarged disk before docker-storage-setup), the DEVS line, the static pods parked and put back, the volume group
  grown and verified, the node drained then schedulable;
- 002 §7.1.3, the back end changed from devicemapper to overlay2 on a second node (tasks_from backend): the guide's
  order (drain, docker then the node service stopped, lvremove/vgremove/pvremove/wipefs, STORAGE_DRIVER set,
  docker-storage-setup, docker started, node service restarted), the pods left (daemon set only), the new options
  file, the old ones and the setup file's backup kept 0600, the node schedulable; a second run is a no-op and a
  master without confirmation is refused before anything changes.
Real block devices cannot be changed here: the LVM and service commands are stand-ins (lvm_standin.py) over state
files, and the new disk is a regular file (require_block_device=false)."""

from __future__ import annotations

import json
import os
import sys

from tests.harness.ansible import run_playbook, write_playbook

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lvm_standin.py")
GIB = 2**30
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars: %(grow)s
  roles:
    - ocp.day2.ocp3_container_storage
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Change the back end
      ansible.builtin.include_role: {name: ocp.day2.ocp3_container_storage, tasks_from: backend}
      vars: %(backend)s
    - name: Again (nothing to do)
      ansible.builtin.include_role: {name: ocp.day2.ocp3_container_storage, tasks_from: backend}
      vars: %(backend)s
    - name: A master without confirmation
      block:
        - ansible.builtin.include_role: {name: ocp.day2.ocp3_container_storage, tasks_from: backend}
          vars: %(master)s
      rescue:
        - ansible.builtin.debug: {msg: "REFUSED {{ ansible_failed_result.msg }}"}
"""


def _node(mgmt, name, labels=None):
    mgmt.put({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": {},
              "status": {"conditions": [{"type": "Ready", "status": "True"}]}})  # fmt: skip


def _pod(mgmt, name, node, owner=None):
    meta = {"name": name, "namespace": "default"}
    if owner:  # the node's uid: the simulator's garbage collector keeps the pod, and no controller recreates it
        uid = mgmt.get("v1", "Node", node)["metadata"]["uid"]
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner, "name": name, "uid": uid}]
    mgmt.put({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
              "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
              "status": {"phase": "Running"}})  # fmt: skip


def test_grow_container_storage_with_a_new_disk(mgmt_cluster, tmp_path, installed_collection):
    mgmt = mgmt_cluster
    node = "%s-storage-0" % mgmt.name
    _node(mgmt, node)
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

    def standin(*cmd, state=state):
        return [sys.executable, STANDIN, "--state=%s" % state, *cmd]

    grow = {
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
    }
    backend, master, changed_node = _backend_case(mgmt, tmp_path, standin)
    common = {
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
        "ocp3_container_storage_disable_eviction": True,
        "ocp3_container_storage_drain_timeout": 30,
        "ansible_python_interpreter": sys.executable,
    }
    play = write_playbook(
        tmp_path, PLAY % {"grow": json.dumps(grow), "backend": json.dumps(backend), "master": json.dumps(master)}
    )
    result = run_playbook(play, extra_vars=common)
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
    _check_backend(mgmt, tmp_path, changed_node, result)


def _backend_case(mgmt, tmp_path, standin):
    """A devicemapper node (thin pool docker-pool in docker_vg on /dev/xvdc1) and a master, for 002 §7.1.3."""
    node, master_node = "%s-storage-1" % mgmt.name, "%s-master-0" % mgmt.name
    _node(mgmt, node)
    _node(mgmt, master_node, {"node-role.kubernetes.io/master": "true"})
    _pod(mgmt, "sdn-x", node, owner="DaemonSet")  # stays: the drain ignores daemon sets
    _pod(mgmt, "app-1", node, owner="ReplicaSet")  # drained
    base = tmp_path / "backend"
    (base / "pods").mkdir(parents=True)
    setup = base / "docker-storage-setup"
    setup.write_text("# written by the installer\nDEVS=/dev/xvdc\nVG=docker_vg\nSTORAGE_DRIVER=devicemapper\n")
    options = base / "docker-storage"
    options.write_text('DOCKER_STORAGE_OPTIONS="--storage-driver devicemapper --storage-opt dm.fs=xfs"\n')
    state = base / "lvm.json"
    state.write_text(json.dumps({
        "vgs": {"docker_vg": [25 * GIB, 15 * GIB], "rhel": [40 * GIB, 0]},
        "pvs": {"/dev/xvdc1": "docker_vg", "/dev/sda2": "rhel"},
        "pv_size": {"/dev/xvdc1": 25 * GIB, "/dev/sda2": 40 * GIB},
        "lvs": {"docker-pool": "docker_vg", "root": "rhel"},
        "disks": {"/dev/xvdc": 25 * GIB},
        "signatures": {"/dev/xvdc": True},
        "docker": "running", "node": "running",
        "setup_file": str(setup), "docker_storage_file": str(options),
        "log": [],
    }))  # fmt: skip
    backend = {
        "ocp3_container_storage_node": node,
        "ocp3_container_storage_setup_file": str(setup),
        "ocp3_container_storage_docker_storage_file": str(options),
        "ocp3_container_storage_pods_dir": str(base / "pods"),
    }
    for name in ("vgs", "pvs", "lvs", "docker-storage-setup"):
        backend["ocp3_container_storage_%s_command" % name.replace("docker-storage-", "")] = standin(name, state=state)
    for var, cmd in (("stop_docker", "systemctl stop docker"), ("start_docker", "systemctl start docker"),
                     ("node_stop", "systemctl stop atomic-openshift-node"),
                     ("node_restart", "systemctl restart atomic-openshift-node.service"),
                     ("lvremove", "lvremove -y"), ("vgremove", "vgremove -y"), ("pvremove", "pvremove -y"),
                     ("wipefs", "wipefs -a")):  # fmt: skip
        backend["ocp3_container_storage_%s_command" % var] = standin(*cmd.split(), state=state)
    master = dict(backend, ocp3_container_storage_node=master_node)
    return backend, master, node


def _check_backend(mgmt, tmp_path, node, result):
    base = tmp_path / "backend"
    final = json.loads((base / "lvm.json").read_text())
    changes = [c for c in final["log"] if not c.startswith(("vgs", "pvs", "lvs"))]
    assert changes == [
        "systemctl stop docker",
        "systemctl stop atomic-openshift-node",
        "lvremove -y /dev/docker_vg/docker-pool",
        "vgremove -y docker_vg",
        "pvremove -y /dev/xvdc1",
        "wipefs -a /dev/xvdc",
        "docker-storage-setup",
        "systemctl start docker",
        "systemctl restart atomic-openshift-node.service",
    ], final["log"]  # the second run and the refused master changed nothing
    assert final["lvs"] == {"dockerlv": "docker_vg", "root": "rhel"} and final["pvs"]["/dev/sda2"] == "rhel"
    setup = (base / "docker-storage-setup").read_text()
    assert setup == (
        "# written by the installer\nDEVS=/dev/xvdc\nVG=docker_vg\nSTORAGE_DRIVER=overlay2\n"
        "CONTAINER_ROOT_LV_NAME=dockerlv\nCONTAINER_ROOT_LV_MOUNT_PATH=/var/lib/docker\n"
    )
    assert "--storage-driver overlay2" in (base / "docker-storage").read_text()
    backups = sorted(
        p.name for p in base.iterdir() if p.name not in ("docker-storage", "docker-storage-setup", "lvm.json", "pods")
    )
    assert len(backups) == 2 and backups[1] == "docker-storage.devicemapper", backups
    for name in backups:
        assert (base / name).stat().st_mode & 0o777 == 0o600, name
    assert "STORAGE_DRIVER=devicemapper" in (base / backups[0]).read_text()
    assert not mgmt.get("v1", "Node", node).get("spec", {}).get("unschedulable")
    pods = {p["metadata"]["name"] for p in mgmt.list("v1", "Pod", "default")}
    assert "sdn-x" in pods and "app-1" not in pods, pods
    assert "already uses overlay2: nothing to do" in result.stdout
    assert "REFUSED" in result.stdout and "is a master or etcd host" in result.stdout
