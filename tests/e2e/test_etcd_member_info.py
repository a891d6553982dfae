"""etcd_member_info through ansible-playbook: pod mode on the simulator's HA hosted cluster (real etcd behind the
exec API), host mode against a real 3-member TLS etcd (tests/harness/etcd.py).

Each scenario is one playbook run of two tasks: a plain look, then wait_healthy with a short timeout.
"""

import json
import time

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import EtcdCluster

PLAYBOOK = """
- name: Look at etcd members
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    ocp.day2.etcd_member_info:
      mode: "{{ mode }}"
      namespace: "{{ hcp_namespace | default(omit) }}"
      endpoints: "{{ endpoints | default(omit) }}"
      cacert: "{{ cacert | default(omit) }}"
      cert: "{{ cert | default(omit) }}"
      key: "{{ key | default(omit) }}"
      command_timeout: 3
  tasks:
    - name: Members, health and status
      ocp.day2.etcd_member_info:
      register: info
      ignore_errors: true

    - name: Wait until healthy, briefly
      ocp.day2.etcd_member_info:
        wait_healthy: true
        expect_members: 3
        timeout: "{{ wait_timeout | default(5) }}"
      register: waited
      ignore_errors: true

    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {'info': info, 'waited': waited} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def run(tmp_path, env=None, check=False, **extra):
    result_file = tmp_path / "result.json"
    result_file.unlink(missing_ok=True)
    extra["result_file"] = str(result_file)
    proc = run_playbook(write_playbook(tmp_path, PLAYBOOK), extra_vars=extra, env=env, check=check, timeout=300)
    assert proc.rc == 0, proc
    out = json.loads(result_file.read_text())
    return out["info"], out["waited"]


def by_name(result):
    return {m["name"]: m for m in result["members"]}


@pytest.fixture
def etcd3(tmp_path):
    cluster = EtcdCluster(str(tmp_path / "etcd"), names=("etcd-0", "etcd-1", "etcd-2"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def host_vars(cluster, endpoints=None):
    return {
        "mode": "host",
        "endpoints": endpoints or cluster.endpoints,
        "cacert": cluster.ca.cert,
        "cert": cluster.client.cert,
        "key": cluster.client.key,
    }


def _wait_for_a_new_leader(etcd3, timeout=15):
    """Until the election after the leader's death is over: the survivors name one of themselves (until then
    they still report the dead leader, and which member leads is what the test then checks)."""
    survivors = [m.client_url for m in etcd3.members[1:]]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        res = etcd3.etcdctl("endpoint", "status", "-w", "json", endpoints=survivors, check=False, timeout=10)
        try:
            status = [e["Status"] for e in json.loads(res.stdout or "[]")]
        except ValueError:
            status = []
        ids = {e["header"]["member_id"] for e in status}
        if len(status) == len(survivors) and all(e["leader"] in ids for e in status):
            return
        time.sleep(0.1)
    raise AssertionError("no leader among the surviving members after %ss" % timeout)


def test_host_mode_real_etcd(tmp_path, etcd3, installed_collection):
    listed = etcd3.etcdctl("member", "list").stdout  # etcdctl's own text output: the IDs to expect
    expected_ids = {line.split(", ")[2]: line.split(", ")[0] for line in listed.splitlines()}
    info, waited = run(tmp_path, check=True, **host_vars(etcd3))
    assert not info.get("failed"), info
    assert info["changed"] is False and info["healthy"] and info["quorum"] and info["output"] == "json"
    assert {m["name"]: m["id"] for m in info["members"]} == expected_ids
    leaders = [m["name"] for m in info["members"] if m["leader"]]
    assert leaders == [info["leader"]]
    for m in info["members"]:
        assert m["healthy"] and m["error"] is None and m["revision"] >= 1 and m["db_size"] > 0
        assert m["client_urls"] == [etcd3.members[int(m["name"][-1])].client_url]
    assert not waited.get("failed") and waited["healthy"]

    # The first endpoint (the first witness) dies: the next one answers, the dead member is data.
    etcd3.members[0].kill()
    _wait_for_a_new_leader(etcd3)
    info, waited = run(tmp_path, **host_vars(etcd3))
    assert not info.get("failed"), info
    assert info["witness"] == etcd3.members[1].client_url
    dead = by_name(info)["etcd-0"]
    assert dead["healthy"] is False and dead["error"] and not dead["leader"]
    assert info["healthy"] is False and info["quorum"] is True and info["unhealthy"] == ["etcd-0"]
    assert info["leader"] in ("etcd-1", "etcd-2")
    assert waited["failed"] and "not healthy after 5s" in waited["msg"] and "etcd-0" in waited["msg"]

    # Nothing answers: a clear failure, not a traceback.
    etcd3.stop()
    info, _waited = run(tmp_path, **host_vars(etcd3, endpoints=etcd3.endpoints[:1]))
    assert info["failed"] and "No etcd member answered" in info["msg"] and "Traceback" not in info["msg"]


@pytest.fixture
def ha(mgmt_cluster):
    return mgmt_cluster.create_hosted_cluster(name="info", availability="HighlyAvailable")


def test_pod_mode_ha_hosted_cluster(tmp_path, mgmt_cluster, ha, installed_collection):
    env = {"K8S_AUTH_KUBECONFIG": str(mgmt_cluster.kubeconfig)}
    info, waited = run(tmp_path, env=env, mode="pod", hcp_namespace=ha.hcp_namespace)
    assert not info.get("failed"), info
    assert info["healthy"] and info["quorum"] and info["witness"] == "etcd-0" and info["output"] == "json"
    assert sorted(by_name(info)) == ["etcd-0", "etcd-1", "etcd-2"]
    assert sum(m["leader"] for m in info["members"]) == 1 and info["leader"]
    assert all(m["healthy"] and m["revision"] and m["version"] for m in info["members"])
    assert not waited.get("failed") and waited["healthy"]

    # etcd-0 (the first witness) is killed: etcd-1 answers and reports etcd-0 unhealthy.
    mgmt_cluster.kill_etcd_member(ha, 0)
    info, waited = run(tmp_path, env=env, mode="pod", hcp_namespace=ha.hcp_namespace)
    assert not info.get("failed"), info
    assert info["witness"] == "etcd-1"
    assert by_name(info)["etcd-0"]["healthy"] is False and by_name(info)["etcd-0"]["error"]
    assert info["quorum"] is True and info["healthy"] is False and info["unhealthy"] == ["etcd-0"]
    assert waited["failed"] and "not healthy after 5s" in waited["msg"] and "etcd-0" in waited["msg"]
