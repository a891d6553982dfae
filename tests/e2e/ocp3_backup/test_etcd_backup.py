"""ocp3_etcd_backup against a real etcd with TLS: health and space first, config + snapshot, every key compared."""

import hashlib
import json
import re
import stat
import tarfile

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import restore_snapshot, seed_keys
from tests.harness.net import free_port

PLAY = "- hosts: all\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_backup\n"


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _vars(tmp_path, cluster, name, **extra):
    member = cluster.members[0]
    data = {
        "ocp3_etcd_backup_endpoints": cluster.endpoints,
        "ocp3_etcd_backup_local_endpoint": member.client_url,
        "ocp3_etcd_backup_member": member.name,
        "ocp3_etcd_backup_cacert": cluster.ca.cert,
        "ocp3_etcd_backup_cert": cluster.client.cert,
        "ocp3_etcd_backup_key": cluster.client.key,
        "ocp3_etcd_backup_root": str(tmp_path / "root"),
        "ocp3_etcd_backup_remote_dir": str(tmp_path / "remote"),
        "ocp3_etcd_backup_controller_dir": str(tmp_path / "controller"),
        "ocp3_etcd_backup_name": name,
    }
    data.update(extra)
    return data


def test_etcd_backup_verified_and_complete(tmp_path, etcd_tls, installed_collection):
    cluster = etcd_tls
    conf = tmp_path / "root" / "etc" / "etcd"
    conf.mkdir(parents=True)
    (conf / "etcd.conf").write_text("ETCD_NAME=%s\n" % cluster.members[0].name)
    (conf / "peer.key").write_text("KEY MATERIAL\n")
    (conf / "peer.key").chmod(0o600)
    cluster.put_many(seed_keys(3000))
    cluster.put_many({"/openshift.io/secret-ish": b"\x00\xffbinary"})
    before = cluster.get_all()
    assert len(before) == 3001

    play = write_playbook(tmp_path, PLAY)
    result = run_playbook(play, extra_vars=_vars(tmp_path, cluster, "b1"))
    assert result.rc == 0, result

    local = tmp_path / "controller" / "localhost" / "b1"
    for d in (tmp_path / "controller", local.parent, local):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    manifest = json.loads((local / "manifest.json").read_text())
    snap = local / manifest["snapshot"]["file"]
    config = local / manifest["config"]["file"]
    for f in (snap, config, local / "manifest.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert manifest["snapshot"]["sha256"] == _sha(snap)
    assert manifest["config"]["sha256"] == _sha(config)
    assert manifest["snapshot"]["total_keys"] >= 3001
    assert manifest["member"] == cluster.members[0].name
    with tarfile.open(config) as tar:
        assert tar.extractfile("etc/etcd/etcd.conf").read().startswith(b"ETCD_NAME=")
        assert tar.getmember("etc/etcd/peer.key").mode == 0o600
    # host copies are removed once the controller holds verified ones
    assert list((tmp_path / "remote").iterdir()) == []
    assert "KEY MATERIAL" not in result.output

    # every key and value is in the snapshot
    restored = restore_snapshot(str(snap), str(tmp_path / "restored"))
    try:
        assert restored.get_all() == before
    finally:
        restored.stop()

    # the backup exists: a re-run in check mode changes nothing
    check = run_playbook(play, extra_vars=_vars(tmp_path, cluster, "b1"), check=True)
    assert check.rc == 0 and _changed(check) == 0, check
    assert _sha(snap) == manifest["snapshot"]["sha256"]


def test_etcd_backup_refuses_unhealthy_cluster_and_full_disk(tmp_path, etcd_tls, installed_collection):
    cluster = etcd_tls
    (tmp_path / "root" / "etc" / "etcd").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "etcd" / "etcd.conf").write_text("ETCD_NAME=x\n")
    play = write_playbook(tmp_path, PLAY)

    dead = "https://127.0.0.1:%d" % free_port()
    unhealthy = _vars(tmp_path, cluster, "b2", ocp3_etcd_backup_endpoints=cluster.endpoints + [dead])
    result = run_playbook(play, extra_vars=unhealthy)
    assert result.rc != 0, result
    assert "FAILED at step 'Check the health of every etcd endpoint'" in result.output
    assert "etcd is not healthy: 1 member(s) listed, 2 expected" in result.output  # from etcd_member_info
    assert not (tmp_path / "controller" / "localhost" / "b2").exists()

    full = _vars(tmp_path, cluster, "b3", ocp3_etcd_backup_space_factor=1e15)
    result = run_playbook(play, extra_vars=full)
    assert result.rc != 0, result
    assert "FAILED at step 'Check that there is room for the snapshot'" in result.output
    assert "needs 1e+15x" in result.output or "1000000000000000" in result.output
    assert not (tmp_path / "controller" / "localhost" / "b3").exists()
    assert not (tmp_path / "remote").exists() or list((tmp_path / "remote").iterdir()) == []
