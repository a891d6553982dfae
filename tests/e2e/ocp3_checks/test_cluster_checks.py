"""Cluster checks through kubernetes.core's client against canned API answers on loopback, and etcdctl
against a real etcd with TLS; the role end to end, and in check mode."""

from __future__ import annotations

import datetime
import json
import re
import sys

from tests.e2e.ocp3_checks.canned_api import deploymentconfig, leader_configmap, node, storageclass
from tests.e2e.ocp3_checks.plays import health_check_play
from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import free_port

HOLDER = "master-ose-master-0.example.com-10.0.0.1-abcd1234"


def _now(offset_seconds=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _inventory(tmp_path, etcd_hosts=("master1",)):
    path = tmp_path / "inventory.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    etcd = {"hosts": {name: {} for name in etcd_hosts}}
    path.write_text(json.dumps({"all": {"children": {"masters": {"hosts": {"master1": host}}, "etcd": etcd}}}))
    return str(path)


def _role_vars(api, etcd):
    tls = {"ocp3_health_check_etcd_cacert": "", "ocp3_health_check_etcd_cert": "", "ocp3_health_check_etcd_key": ""}
    if etcd is not None:
        tls = {
            "ocp3_health_check_etcd_endpoints": etcd.endpoints,
            "ocp3_health_check_etcd_cacert": etcd.ca.cert,
            "ocp3_health_check_etcd_cert": etcd.client.cert,
            "ocp3_health_check_etcd_key": etcd.client.key,
        }
    return dict(
        tls,
        ocp3_health_check_checks=["disk"],
        ocp3_health_check_var_min_gb_master=1,
        ocp3_health_check_container_storage_min_gb=1,
        ocp3_health_check_disk_free_warn_percent=0,
        ocp3_health_check_kubeconfig=api.kubeconfig,
    )


def _healthy(api):
    for name in ("master1", "node1", "node2"):
        api.add(node(name))
    api.add(storageclass("standard", default=True, beta=True))
    api.add(storageclass("ssd"))
    api.add(deploymentconfig("router", 2, 2))
    api.add(leader_configmap(HOLDER, _now()))


def _run(tmp_path, extra_vars, check=False, etcd_hosts=("master1",)):
    out = tmp_path / "results.json"
    play = write_playbook(tmp_path, health_check_play(out))
    result = run_playbook(play, inventory=_inventory(tmp_path, etcd_hosts), extra_vars=extra_vars, check=check)
    (tmp_path / "ansible-output.txt").write_text(result.output)
    data = json.loads(out.read_text()) if out.exists() else {}
    return result, {r["name"]: r for r in data.get("(cluster)", [])}


def test_healthy_cluster_passes_and_check_mode_changes_nothing(canned_api, etcd_tls, tmp_path):
    _healthy(canned_api)
    result, cluster = _run(tmp_path, _role_vars(canned_api, etcd_tls))
    assert result.rc == 0, result
    statuses = {name: r["status"] for name, r in cluster.items()}
    assert statuses == {
        "default_storageclass": "ok",
        "nodes_ready": "ok",
        "router_replicas": "ok",
        "docker_registry_replicas": "skipped",
        "api_healthz": "ok",
        "controller_leader": "ok",
        "etcd_members": "ok",
        "etcd_health": "ok",
    }, cluster
    assert "active controller on ose-master-0.example.com" in cluster["controller_leader"]["observed"]
    assert cluster["etcd_members"]["observed"] == "1 member(s): etcd-0"
    assert cluster["nodes_ready"]["observed"] == "3/3 Ready"
    assert "/healthz" in canned_api.requests

    canned_api.add(leader_configmap(HOLDER, _now()))
    result, _results = _run(tmp_path, _role_vars(canned_api, etcd_tls), check=True)
    assert result.rc == 0, result
    recap = result.stdout.split("PLAY RECAP")[1]
    assert "changed=0" in recap and "failed=0" in recap, recap


def test_broken_cluster_fails_each_check(canned_api, tmp_path):
    canned_api.add(node("master1"))
    canned_api.add(node("node1", ready=False))
    canned_api.add(storageclass("ssd"))
    canned_api.add(deploymentconfig("router", 3, 1))
    canned_api.add(deploymentconfig("docker-registry", 2, 2, available=1))
    canned_api.add(leader_configmap(HOLDER, _now(-600), lease=15))
    canned_api.healthz = (500, "[-]etcd failed: reason withheld\nhealthz check failed")
    # etcd's only endpoint is a port where nothing listens.
    extra = dict(_role_vars(canned_api, None), ocp3_health_check_etcd_endpoints=["https://127.0.0.1:%d" % free_port()])
    extra["ocp3_health_check_summary_layout"] = "rows"
    result, cluster = _run(tmp_path, extra)
    assert result.rc != 0
    assert re.search(r'"master1 +disk:/var +ok +[0-9.]+ GB total', result.stdout), result.stdout
    assert {name: r["status"] for name, r in cluster.items()} == {
        "default_storageclass": "fail",
        "nodes_ready": "fail",
        "router_replicas": "fail",
        "docker_registry_replicas": "fail",
        "api_healthz": "fail",
        "controller_leader": "fail",
        "etcd_members": "fail",
        "etcd_health": "fail",
    }, cluster
    assert cluster["etcd_members"]["observed"].startswith("etcdctl member list: ")
    assert "etcd did not answer" in cluster["etcd_health"]["message"]
    assert "NotReady: node1 (NodeStatusUnknown)" in cluster["nodes_ready"]["observed"]
    assert cluster["router_replicas"]["observed"] == "desired 3, current 1, available 1"
    assert "HTTP 500" in cluster["api_healthz"]["observed"]
    assert "long past its 15s" in cluster["controller_leader"]["message"]
    assert "(cluster) default_storageclass" in result.output
