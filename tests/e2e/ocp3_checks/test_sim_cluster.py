"""The role against the simulated management cluster over real HTTPS with client certificates: the cluster
checks the simulator can serve (nodes, controller leader, router and registry lookups) and the opt-in node
config map MTU remedy in check mode, for real, and again in check mode (idempotent)."""

from __future__ import annotations

import datetime
import json
import sys

import yaml

from tests.e2e.ocp3_checks.canned_api import leader_configmap
from tests.e2e.ocp3_checks.plays import health_check_play
from tests.harness.ansible import run_playbook, write_playbook

NODE_CONFIG = {
    "kind": "NodeConfig",
    "apiVersion": "v1",
    "networkConfig": {"mtu": 1500, "networkPluginName": "redhat/openshift-ovs-subnet"},
    "servingInfo": {"bindAddress": "0.0.0.0:10250"},
}
CONFIGMAPS = ["node-config-master", "node-config-compute"]


def _node(name, ready=True):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "KubeletReady" if ready else "KubeletNotReady",
                }
            ]
        },
    }


def _setup(mgmt):
    for name in ("master1", "node1"):
        mgmt.put(_node(name))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    mgmt.put(leader_configmap("master-master1.example.com-10.0.0.1-abcd1234", now))
    for name in CONFIGMAPS:
        mgmt.put(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": "openshift-node"},
                "data": {"node-config.yaml": yaml.safe_dump(NODE_CONFIG)},
            }
        )


def _run(mgmt, tmp_path, extra=None, check=False):
    out = tmp_path / "results.json"
    out.unlink(missing_ok=True)
    inventory = tmp_path / "inventory.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"children": {"masters": {"hosts": {"master1": host}}}}}))
    extra_vars = {
        "ocp3_health_check_checks": ["disk"],
        "ocp3_health_check_var_min_gb_master": 1,
        "ocp3_health_check_container_storage_min_gb": 1,
        "ocp3_health_check_disk_free_warn_percent": 0,
        "ocp3_health_check_kubeconfig": mgmt.kubeconfig,
        "ocp3_health_check_cluster_checks": ["nodes_ready", "controller_leader", "router", "registry"],
        "ocp3_health_check_fail_on": "never",
    }
    extra_vars.update(extra or {})
    result = run_playbook(
        write_playbook(tmp_path, health_check_play(out)), inventory=str(inventory), extra_vars=extra_vars, check=check
    )
    data = json.loads(out.read_text()) if out.exists() else {}
    return result, {r["name"]: r for r in data.get("(cluster)", [])}


def _mtus(mgmt):
    return [
        yaml.safe_load(mgmt.get("v1", "ConfigMap", name, "openshift-node")["data"]["node-config.yaml"])
        for name in CONFIGMAPS
    ]


def test_cluster_checks_and_node_mtu_remedy(mgmt_cluster, tmp_path):
    _setup(mgmt_cluster)
    mgmt_cluster.put(_node("node2", ready=False))
    remedy = {"ocp3_health_check_remedy_node_mtu": 1450}

    # Check mode: the cluster checks run for real, the remedy only says what it would change.
    result, cluster = _run(mgmt_cluster, tmp_path, remedy, check=True)
    assert result.rc == 0, result
    assert cluster["nodes_ready"]["status"] == "fail"
    assert "NotReady: node2 (KubeletNotReady)" in cluster["nodes_ready"]["observed"]
    assert cluster["controller_leader"]["status"] == "ok"
    assert "master1.example.com" in cluster["controller_leader"]["observed"]
    # No DeploymentConfig API and no router Deployment: the router is missing (fail), the registry optional.
    assert cluster["router_replicas"]["status"] == "fail"
    assert cluster["docker_registry_replicas"]["status"] == "skipped"
    assert [c["networkConfig"]["mtu"] for c in _mtus(mgmt_cluster)] == [1500, 1500]  # check mode wrote nothing
    assert "changed: [master1]" in result.stdout

    result, _cluster = _run(mgmt_cluster, tmp_path, remedy)
    assert result.rc == 0, result
    configs = _mtus(mgmt_cluster)
    assert [c["networkConfig"]["mtu"] for c in configs] == [1450, 1450]
    # Only the MTU changed: the rest of node-config.yaml is as it was.
    assert configs[0]["networkConfig"]["networkPluginName"] == "redhat/openshift-ovs-subnet"
    assert configs[0]["servingInfo"] == NODE_CONFIG["servingInfo"]
    assert "Restart every node" in result.stdout

    result, _cluster = _run(mgmt_cluster, tmp_path, remedy, check=True)
    assert result.rc == 0, result
    assert "changed=0" in result.stdout.split("PLAY RECAP")[1], result

    # the second config map's write is refused: the first, already written, is put back (no 409 on its stale
    # resourceVersion) and the role fails saying so
    fault = mgmt_cluster.faults.add(method="PATCH", path=r"/configmaps/node-config-compute$", status=403, times=2)
    result, _cluster = _run(mgmt_cluster, tmp_path, {"ocp3_health_check_remedy_node_mtu": 1400})
    assert fault.hits == 2 and result.rc != 0, result  # strategic-merge, then merge
    assert "The node config maps were put back as they were" in result.output, result
    assert "Conflict" not in result.output and "409" not in result.output, result
    assert [c["networkConfig"]["mtu"] for c in _mtus(mgmt_cluster)] == [1450, 1450]
