# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a restore to a previous cluster state (003 §5.4.2.2): what runs on which control-plane host and on the
cluster, in the seed's order, which steps an earlier run already finished, and the refusals that come first."""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

OPERATORS = ("Etcd", "KubeAPIServer", "KubeControllerManager", "KubeScheduler")
OTHER_HOST_STEPS = (
    ("stop_etcd_pod", "move etcd-pod.yaml out of the manifest directory, wait until the etcd containers are gone"),
    ("stop_kube_apiserver_pod", "move kube-apiserver-pod.yaml out, wait until the kube-apiserver container is gone"),
    ("move_etcd_data", "move the etcd data directory aside"),
    ("stop_keepalived", "if keepalived.yaml is there: move it out, wait until keepalived is gone, remove the VIPs"),
)
RECOVERY_HOST_STEPS = (
    ("check_vip", "check that the recovery host holds the API VIP (when keepalived VIPs are given)"),
    ("copy_backup", "copy the backup to the recovery host"),
    ("cluster_restore", "run cluster-restore.sh with the backup directory"),
)
ALL_HOST_STEPS = (("restart_kubelet", "restart the kubelet (recovery host first)"),)
CHECK_ETCD = ("check_etcd", "wait until the restored etcd container runs on the recovery host")
OVN_HOST = ("remove_ovn_dbs", "remove the OVN northbound and southbound databases")


def cluster_steps(ovn, recreate):
    """(step, description) on the cluster, in the seed's order; host steps interleave as noted."""
    steps = [("approve_csrs", "approve the pending CSRs of the expected nodes (ocp.day2.ocp4_csr_approve)")]
    if ovn:
        what = (
            "OVN-Kubernetes clean-up: delete the Node objects of the other control-plane hosts, wait until "
            "ovnkube-master no longer names their IP addresses, remove the OVN databases on every host, restart the "
            "ovnkube-master then the ovnkube-node pods"
        )
        steps.append(("ovn", what))
    steps += [
        ("recreate_machine:%s" % node, "delete the Machine of %s, wait for its replacement" % node) for node in recreate
    ]
    steps.append(("quorum_guard_off", "switch the etcd quorum guard off (unsupportedConfigOverrides)"))
    steps.append(("redeploy:Etcd", "force a redeployment of etcd, wait for AllNodesAtLatestRevision"))
    steps.append(("quorum_guard_on", "switch the quorum guard back on (unsupportedConfigOverrides removed)"))
    for kind in OPERATORS[1:]:
        steps.append(("redeploy:%s" % kind, "force a redeployment of %s, wait for AllNodesAtLatestRevision" % kind))
    steps.append(("verify", "check every operator is at its latest revision and the guard is on"))
    return steps


def _is_control_plane(machine):
    labels = (machine.get("metadata") or {}).get("labels") or {}
    return labels.get("machine.openshift.io/cluster-api-machine-role") == "master"


def _node_ips(name, nodes, machines):
    ips = set()
    for node in nodes:
        if node["metadata"]["name"] == name:
            ips |= {
                a["address"] for a in (node.get("status") or {}).get("addresses") or [] if a.get("type") == "InternalIP"
            }
    for m in machines:
        if ((m.get("status") or {}).get("nodeRef") or {}).get("name") == name:
            ips |= {
                a["address"] for a in (m.get("status") or {}).get("addresses") or [] if a.get("type") == "InternalIP"
            }
    return sorted(ips)


def build(hosts, recovery, recreate, network_type, proxy, done, nodes, machines, vips=()):
    """The plan; Day2Error for a request the seed forbids (the recovery host's machine recreated, ...).

    hosts: [{"name": inventory name, "node": node name}] of the reachable control-plane hosts.
    """
    names = [h["name"] for h in hosts]
    if recovery not in names:
        raise Day2Error(
            "The recovery host %r is not among the control-plane hosts of this run (%s): name one of them in "
            "ocp4_cluster_restore_recovery_host." % (recovery, ", ".join(names))
        )
    if len({h["node"] for h in hosts}) != len(hosts):
        raise Day2Error("Two control-plane hosts have the same node name: set ocp4_cluster_restore_node_name per host.")
    node_of = {h["name"]: h["node"] for h in hosts}
    recovery_node = node_of[recovery]
    if recovery_node in recreate:
        raise Day2Error(
            "The machine of the recovery host (%s) must never be deleted and recreated (003 §5.4.2.2): remove it from "
            "ocp4_cluster_restore_recreate_machines." % recovery_node
        )
    machine_of = {}
    for node in recreate:
        found = [
            m["metadata"]["name"]
            for m in machines
            if ((m.get("status") or {}).get("nodeRef") or {}).get("name") == node
        ]
        if len(found) != 1 and "recreate_machine:%s" % node not in done:
            raise Day2Error(
                "ocp4_cluster_restore_recreate_machines names %s, but %s Machine in openshift-machine-api has it as "
                "its node; name lost control-plane nodes whose Machine exists."
                % (node, "no" if not found else "more than one")
            )
        machine_of[node] = found[0] if found else None
    others = [node_of[h] for h in names if h != recovery] + [n for n in recreate if n not in node_of.values()]
    ovn = network_type == "OVNKubernetes"
    host_steps = {}
    for name in names:
        if name == recovery:
            steps = (
                [s for s in RECOVERY_HOST_STEPS if vips or s[0] != "check_vip"] + list(ALL_HOST_STEPS) + [CHECK_ETCD]
            )
        else:
            steps = list(OTHER_HOST_STEPS) + list(ALL_HOST_STEPS)
        if ovn:
            steps.append(OVN_HOST)
        host_steps[name] = [{"step": s, "what": w} for s, w in steps]
    env = {}
    for field, var in (("httpProxy", "HTTP_PROXY"), ("httpsProxy", "HTTPS_PROXY"), ("noProxy", "NO_PROXY")):
        if (proxy or {}).get(field):
            env[var] = env[var.lower()] = proxy[field]
    return {
        "recovery_host": recovery,
        "recovery_node": recovery_node,
        "other_nodes": others,
        "other_node_ips": sorted({ip for n in others for ip in _node_ips(n, nodes, machines)}),
        "expected_nodes": sorted(node_of.values()),
        "machines": [{"node": n, "machine": machine_of[n]} for n in recreate],
        "control_plane_machines": len([m for m in machines if _is_control_plane(m)]),
        "ovn": ovn,
        "network_type": network_type,
        "proxy_env": env,
        "host_steps": host_steps,
        "cluster_steps": [{"step": s, "what": w, "done": s in done} for s, w in cluster_steps(ovn, recreate)],
        "done": sorted(done),
    }


def lines(plan):
    """The plan as text, per host then on the cluster (check mode prints it)."""
    out = []
    for host, steps in sorted(plan["host_steps"].items()):
        role = "recovery host" if host == plan["recovery_host"] else "other control-plane host"
        out.append("%s (%s): %s" % (host, role, "; ".join(s["what"] for s in steps)))
    for s in plan["cluster_steps"]:
        out.append("cluster: %s%s" % (s["what"], " [done by an earlier run]" if s["done"] else ""))
    return out
