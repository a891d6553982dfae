"""ocp3_host_backup / ocp3_host_restore against a fake OpenShift 3.11 host tree on localhost."""

import hashlib
import json
import os
import re
import stat
import tarfile

import pytest

from tests.harness.ansible import run_playbook, write_playbook

NAME = "20240101"
PACKAGES = ["atomic-openshift-3.11.0-1.el7.x86_64", "docker-1.13.1-1.el7.x86_64", "etcd-3.2.22-1.el7.x86_64"]

FILES = {
    "etc/origin/master/master-config.yaml": (b"kind: MasterConfig\napiLevels: [v1]\n", 0o600),
    "etc/origin/master/ca.key": (b"-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n", 0o600),
    "etc/origin/node/node-config.yaml": (b"kind: NodeConfig\n", 0o600),
    "etc/sysconfig/atomic-openshift-node": (b"OPTIONS=--loglevel=2\n", 0o644),
    "etc/sysconfig/docker": (b"OPTIONS=' --selinux-enabled'\n", 0o644),
    "etc/sysconfig/iptables": (b"*filter\nCOMMIT\n", 0o600),
    "etc/cni/net.d/80-openshift-network.conf": (b'{"type": "openshift-sdn"}\n', 0o644),
    "etc/dnsmasq.d/origin-dns.conf": (b"server=/cluster.local/172.30.0.1\n", 0o644),
    "etc/NetworkManager/dispatcher.d/99-origin-dns.sh": (b"#!/bin/bash\nexit 0\n", 0o755),
    "etc/docker/certs.d/registry.example.com/ca.crt": (b"REGISTRY CA\n", 0o644),
    "etc/pki/ca-trust/source/anchors/corp-ca.crt": (b"CORP CA\n", 0o644),
    "etc/ansible/hosts": (b"[OSEv3:children]\nmasters\nnodes\netcd\n", 0o644),  # 002 §4.4 installation files
}


def _recap_changed(result):
    found = re.findall(r"changed=(\d+)", result.stdout)
    assert found, result
    return sum(int(n) for n in found)


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def host(tmp_path):
    root = tmp_path / "root"
    for rel, (data, mode) in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, mode)
    os.symlink("master-config.yaml", root / "etc/origin/master/current.yaml")
    packages = tmp_path / "packages-now.txt"
    packages.write_text("\n".join(reversed(PACKAGES)) + "\n")
    return tmp_path


def _vars(tmp_path):
    return {
        "ocp3_host_backup_type": "master",
        "ocp3_host_backup_root": str(tmp_path / "root"),
        "ocp3_host_backup_name": NAME,
        "ocp3_host_backup_remote_dir": str(tmp_path / "remote"),
        "ocp3_host_backup_controller_dir": str(tmp_path / "controller"),
        "ocp3_host_backup_package_command": ["cat", str(tmp_path / "packages-now.txt")],
    }


def _restore_vars(tmp_path, **extra):
    data = {
        "ocp3_host_restore_name": NAME,
        "ocp3_host_restore_root": str(tmp_path / "root"),
        "ocp3_host_restore_remote_dir": str(tmp_path / "remote"),
        "ocp3_host_restore_controller_dir": str(tmp_path / "controller"),
        "ocp3_host_restore_package_command": ["cat", str(tmp_path / "packages-now.txt")],
        "ocp3_host_restore_files": ["/etc/origin/master/master-config.yaml", "/etc/pki/ca-trust/source/anchors/*"],
        "ocp3_host_restore_ca_trust_command": ["touch", str(tmp_path / "ca-trust-updated")],
        "ocp3_host_restore_post_commands": [["touch", str(tmp_path / "post-ran")]],
    }
    data.update(extra)
    return data


def _play(tmp_path, role, name):
    return write_playbook(
        tmp_path,
        "- hosts: all\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.%s\n" % role,
        name=name,
    )


def test_host_backup_then_restore(host, installed_collection):
    tmp_path = host
    backup_play = _play(tmp_path, "ocp3_host_backup", "backup.yml")
    result = run_playbook(backup_play, extra_vars=_vars(tmp_path))
    assert result.rc == 0, result

    local_dir = tmp_path / "controller" / "localhost" / NAME
    archive = local_dir / ("localhost-%s.tar.gz" % NAME)
    remote = tmp_path / "remote" / ("localhost-%s.tar.gz" % NAME)
    for d in (tmp_path / "controller", tmp_path / "controller" / "localhost", local_dir, tmp_path / "remote"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for f in (archive, remote, local_dir / "manifest.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f

    manifest = json.loads((local_dir / "manifest.json").read_text())
    assert manifest["sha256"] == _sha(archive) == _sha(remote)
    assert manifest["packages_count"] == len(PACKAGES)
    assert "/etc/etcd/ca" in manifest["missing"]
    by_path = {m["path"]: m for m in manifest["members"]}
    assert (
        by_path["/etc/origin/master/ca.key"]["sha256"]
        == hashlib.sha256(FILES["etc/origin/master/ca.key"][0]).hexdigest()
    )
    assert by_path["/etc/NetworkManager/dispatcher.d/99-origin-dns.sh"]["mode"] == "0755"
    assert by_path["/etc/origin/master/current.yaml"] == dict(by_path["/etc/origin/master/current.yaml"], type="link")

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        assert set(FILES) <= names
        for rel, (data, mode) in FILES.items():
            member = tar.getmember(rel)
            assert tar.extractfile(member).read() == data
            assert member.mode == mode, rel
        assert tar.getmember("etc/origin/master/current.yaml").linkname == "master-config.yaml"
        assert tar.extractfile(".ocp-day2/packages.txt").read().decode().split() == sorted(PACKAGES)
    # the private key never shows in the output
    assert "not-a-real-key" not in result.output

    # unchanged files: same bytes, a re-run in check mode changes nothing
    check = run_playbook(backup_play, extra_vars=_vars(tmp_path), check=True)
    assert check.rc == 0 and _recap_changed(check) == 0, check
    assert _sha(archive) == manifest["sha256"]

    # damage the host: edit the master config, drop the CA anchor, edit a file not chosen; packages change
    root = tmp_path / "root"
    (root / "etc/origin/master/master-config.yaml").write_bytes(b"kind: MasterConfig\nbroken: true\n")
    os.chmod(root / "etc/origin/master/master-config.yaml", 0o644)
    (root / "etc/pki/ca-trust/source/anchors/corp-ca.crt").unlink()
    (root / "etc/origin/node/node-config.yaml").write_bytes(b"edited after backup\n")
    # B13: the registry certificate lost and a wrong one put in its place (002 §4.3, the docker-registry-certs tar)
    certs = root / "etc/docker/certs.d/registry.example.com"
    (certs / "ca.crt").unlink()
    (root / "etc/docker/certs.d/registry.example.com/ca.crt.bak").write_bytes(b"stray\n")
    (tmp_path / "packages-now.txt").write_text(PACKAGES[0] + "\n" + PACKAGES[2] + "\nnew-tool-1.0-1.el7.noarch\n")

    (root / "etc/sysconfig/iptables").write_bytes(b"*filter\n-A INPUT -j DROP\nCOMMIT\n")

    # a master: master-restart api / controllers after master files, the node service after /etc/docker (the
    # registry certificates), the iptables rules loaded again (002 §5.2.3)
    log = tmp_path / "services.log"

    def logged(word):
        return ["sh", "-c", "echo %s >> %s" % (word, log)]

    services = {
        "ocp3_host_restore_type": "master",
        "ocp3_host_restore_files": [
            "/etc/origin/master/master-config.yaml",
            "/etc/pki/ca-trust/source/anchors/*",
            "/etc/sysconfig/iptables",
            "/etc/docker/certs.d",
        ],
        "ocp3_host_restore_master_restart_commands": [logged("api"), logged("controllers")],
        "ocp3_host_restore_iptables_command": logged("iptables"),
        "ocp3_host_restore_node_restart_command": logged("node"),
    }
    restore_play = _play(tmp_path, "ocp3_host_restore", "restore.yml")
    check = run_playbook(restore_play, extra_vars=_restore_vars(tmp_path, **services), check=True)
    assert check.rc == 0, check
    assert (root / "etc/origin/master/master-config.yaml").read_bytes().endswith(b"broken: true\n")
    plan = check.stdout[check.stdout.index("After the restore: ") :].split("check mode: nothing is run")[0]
    assert "master: sh -c echo api" in plan and "iptables: sh -c echo iptables" in plan, plan
    assert "node: sh -c echo node" in plan, "/etc/docker is node configuration: the node service restarts"
    assert not log.exists(), "check mode restarts nothing"

    result = run_playbook(restore_play, extra_vars=_restore_vars(tmp_path, **services))
    assert result.rc == 0, result
    assert log.read_text().split() == ["api", "controllers", "iptables", "node"]
    assert (root / "etc/sysconfig/iptables").read_bytes() == b"*filter\nCOMMIT\n"
    mc = root / "etc/origin/master/master-config.yaml"
    assert mc.read_bytes() == FILES["etc/origin/master/master-config.yaml"][0]
    assert stat.S_IMODE(mc.stat().st_mode) == 0o600
    assert (root / "etc/origin/master/master-config.yaml.old").read_bytes().endswith(b"broken: true\n")
    assert (root / "etc/pki/ca-trust/source/anchors/corp-ca.crt").read_bytes() == b"CORP CA\n"
    assert (root / "etc/origin/node/node-config.yaml").read_bytes() == b"edited after backup\n"
    assert (certs / "ca.crt").read_bytes() == FILES["etc/docker/certs.d/registry.example.com/ca.crt"][0]
    assert stat.S_IMODE((certs / "ca.crt").stat().st_mode) == 0o644
    assert (tmp_path / "ca-trust-updated").exists() and (tmp_path / "post-ran").exists()
    assert "packages in the backup but not installed now: %s" % PACKAGES[1] in result.stdout
    assert "packages installed since the backup: new-tool-1.0-1.el7.noarch" in result.stdout

    # restored host: re-running in check mode changes nothing
    check = run_playbook(restore_play, extra_vars=_restore_vars(tmp_path, **services), check=True)
    assert check.rc == 0 and _recap_changed(check) == 0, check

    _rolls_back_and_refuses_damaged_archive(tmp_path)


def _rolls_back_and_refuses_damaged_archive(tmp_path):
    """After the restore above, on the same host and backup (one backup run less)."""
    root = tmp_path / "root"
    mc = root / "etc/origin/master/master-config.yaml"
    mc.write_bytes(b"edited\n")
    restore_play = _play(tmp_path, "ocp3_host_restore", "restore.yml")

    # a post-restore command fails: the restored file is put back as it was and the step is named
    failing = _restore_vars(tmp_path, ocp3_host_restore_post_commands=[["false"]])
    result = run_playbook(restore_play, extra_vars=failing)
    assert result.rc != 0, result
    assert "FAILED at step 'Run the post-restore commands'" in result.output
    assert "were put back" in result.output
    assert mc.read_bytes() == b"edited\n"

    # a path that is not in the backup is refused, nothing changes
    result = run_playbook(
        restore_play, extra_vars=_restore_vars(tmp_path, ocp3_host_restore_files=["/etc/origin/typo.yaml"])
    )
    assert result.rc != 0 and "/etc/origin/typo.yaml" in result.output, result
    assert mc.read_bytes() == b"edited\n"

    # a damaged archive on the controller is refused before anything reaches the host
    archive = tmp_path / "controller" / "localhost" / NAME / ("localhost-%s.tar.gz" % NAME)
    with open(archive, "r+b") as f:
        f.seek(100)
        f.write(b"\0\0\0\0")
    result = run_playbook(restore_play, extra_vars=_restore_vars(tmp_path))
    assert result.rc != 0 and "damaged" in result.output, result
    assert mc.read_bytes() == b"edited\n"
