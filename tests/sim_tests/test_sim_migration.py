"""The simulator's rules a hosted-cluster migration depends on: each test can break one rule.

Render order (HCP before HC), Routes after a pause, ExternalDNS ownership, the guest API (admin
kubeconfig, Nodes Ready/NotReady, OVN pods, ClusterVersion), finalizers, instance termination and a
management cluster without the HyperShift operator.
"""

import base64
import copy
import os
import shutil
import subprocess
import time

import pytest

from tests.harness.net import wait_for

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")
NP = ("hypershift.openshift.io/v1beta1", "NodePool")
HCP = ("hypershift.openshift.io/v1beta1", "HostedControlPlane")
ROUTE = ("route.openshift.io/v1", "Route")
SERVER_SET = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences",
              "deletionTimestamp", "deletionGracePeriodSeconds")  # fmt: skip


def _clean(obj):
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    for k in SERVER_SET:
        obj["metadata"].pop(k, None)
    return obj


def _ns(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_hcp_applied_before_the_hosted_cluster_is_adopted_and_the_rest_rendered(mgmt_pair):
    source, destination = mgmt_pair
    hc = source.create_hosted_cluster(availability="SingleReplica", nodepools=0)
    hcp = _clean(source.get(*HCP, "example", hc.hcp_namespace))
    hcp["metadata"].setdefault("annotations", {})["test/applied-by"] = "migration"
    destination.put(_ns("clusters"))
    destination.put(_ns(hc.hcp_namespace))
    destination.put(hcp)
    for name in ("etcd-client-tls", "etcd-ca"):  # the source's PKI, as an import applies it
        kind = "Secret" if name.endswith("tls") else "ConfigMap"
        destination.put(_clean(source.get("v1", kind, name, hc.hcp_namespace)))
    time.sleep(0.6)
    assert destination.get("apps/v1", "StatefulSet", "etcd", hc.hcp_namespace) is None  # nothing before the HC
    for obj in source.list("v1", "Secret", "clusters"):
        destination.put(_clean(obj))
    destination.put(_clean(hc.object))
    dst = destination.wait_hosted_cluster(destination.hosted_handle("example"), timeout=60)
    assert dst.etcd.healthy()
    adopted = destination.get(*HCP, "example", hc.hcp_namespace)
    assert adopted["metadata"]["annotations"]["test/applied-by"] == "migration"
    assert adopted["metadata"]["uid"] != source.get(*HCP, "example", hc.hcp_namespace)["metadata"]["uid"]
    for dep in ("kube-apiserver", "control-plane-operator", "cluster-api", "capi-provider"):
        assert destination.get("apps/v1", "Deployment", dep, hc.hcp_namespace) is not None, dep
    # the etcd PKI is the one destination's members use, not the applied copy
    assert (
        destination.get("v1", "ConfigMap", "etcd-ca", hc.hcp_namespace)["data"]
        != source.get("v1", "ConfigMap", "etcd-ca", hc.hcp_namespace)["data"]
    )


def test_routes_deleted_while_paused_stay_deleted_and_come_back_once_unpaused(mgmt_cluster):
    hc = mgmt_cluster.create_hosted_cluster(availability="SingleReplica", nodepools=0)
    obj = hc.object
    obj["spec"]["pausedUntil"] = "true"
    mgmt_cluster.put(obj)
    routes = [r["metadata"]["name"] for r in mgmt_cluster.list(*ROUTE, namespace=hc.hcp_namespace)]
    assert "kube-apiserver" in routes
    for name in routes:
        mgmt_cluster.delete(*ROUTE, name, hc.hcp_namespace)
    time.sleep(1.0)
    assert mgmt_cluster.list(*ROUTE, namespace=hc.hcp_namespace) == []
    obj = hc.object
    del obj["spec"]["pausedUntil"]
    mgmt_cluster.put(obj)
    wait_for(
        lambda: (
            sorted(r["metadata"]["name"] for r in mgmt_cluster.list(*ROUTE, namespace=hc.hcp_namespace))
            == sorted(routes)
        ),
        timeout=10,
        what="the Routes recreated",
    )


def _records(moto, zone_name="example.com."):
    r53 = moto.client("route53")
    zone = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == zone_name][0]
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return zone["Id"], {(s["Name"].replace("\\052", "*").rstrip("."), s["Type"]): s for s in sets}


def test_external_dns_owns_its_records_and_never_touches_another_owners(mgmt_pair, moto):
    source, destination = mgmt_pair
    api = "api.example.example.com"
    hc = source.create_hosted_cluster(availability="SingleReplica", nodepools=0)
    wait_for(lambda: source.dns_owner(api) == "mgmt-src", timeout=10, what="the source's api record")
    zone, records = _records(moto)
    txt = records[(api, "TXT")]["ResourceRecords"][0]["Value"]
    assert txt.startswith('"heritage=external-dns,external-dns/owner=mgmt-src,external-dns/resource=route/')
    assert ("a-" + api, "TXT") in records and ("*.apps.example.example.com", "TXT") in records
    # a record someone else wrote without an ownership TXT
    foreign = "oauth.example.example.com"
    r53 = moto.client("route53")
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": records[(foreign, "A")]},
        {"Action": "DELETE", "ResourceRecordSet": records[(foreign, "TXT")]},
        {"Action": "DELETE", "ResourceRecordSet": records[("a-" + foreign, "TXT")]},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": foreign, "Type": "A", "TTL": 30,
                                                   "ResourceRecords": [{"Value": "198.51.100.7"}]}}]})  # fmt: skip
    source.operator.dns.records.pop(foreign)  # as if the source had never written it
    # the destination runs the same hosted cluster: it must not take over any record
    for obj in source.list("v1", "Secret", "clusters"):
        destination.put(_clean(obj))
    destination.put(_clean(hc.object))
    destination.wait_hosted_cluster(destination.hosted_handle("example"))
    time.sleep(1.0)
    assert source.dns_owner(api) == "mgmt-src" and destination.dns_owner(api) == "mgmt-src"
    # hand-over: the source's Routes go (paused first, so they stay gone)
    obj = hc.object
    obj["spec"]["pausedUntil"] = "true"
    source.put(obj)
    for r in source.list(*ROUTE, namespace=hc.hcp_namespace):
        source.delete(*ROUTE, r["metadata"]["name"], hc.hcp_namespace)
    wait_for(lambda: destination.dns_owner(api) == "mgmt-dst", timeout=15, what="the destination owning the api")
    _zone, records = _records(moto)
    assert records[(foreign, "A")]["ResourceRecords"] == [{"Value": "198.51.100.7"}]
    assert (foreign, "TXT") not in records and destination.dns_owner(foreign) is None
    assert destination.dns_owner("*.apps.example.example.com") == "mgmt-dst"
    # the destination's Routes go too: its records go, the foreign one stays
    obj = destination.get(*HC, "example", "clusters")
    obj["spec"]["pausedUntil"] = "true"
    destination.put(obj)
    for r in destination.list(*ROUTE, namespace=hc.hcp_namespace):
        destination.delete(*ROUTE, r["metadata"]["name"], hc.hcp_namespace)
    wait_for(lambda: destination.dns_owner(api) is None, timeout=15, what="the destination's records removed")
    _zone, records = _records(moto)
    assert (foreign, "A") in records and (api, "A") not in records and ("a-" + api, "TXT") not in records


# -- the hosted cluster's own API ------------------------------------------------------------------
def _guest_client(mgmt, hc_name="example"):
    from kubernetes import client, config

    secret = mgmt.get("v1", "Secret", "%s-admin-kubeconfig" % hc_name, "clusters")
    path = os.path.join(mgmt.base_dir, "read-admin-kubeconfig")
    with open(path, "wb") as f:
        f.write(base64.b64decode(secret["data"]["kubeconfig"]))
    return client.CoreV1Api(config.new_client_from_config(config_file=path)), path


def _scale(mgmt, ns, name, replicas, kind="Deployment"):
    obj = mgmt.get("apps/v1", kind, name, ns)
    obj["spec"]["replicas"] = replicas
    mgmt.put(obj)


def _pause(mgmt, name="example"):
    for kind in (HC, NP):
        for obj in mgmt.list(*kind, namespace="clusters"):
            if obj["metadata"]["name"] == name or obj["spec"].get("clusterName") == name:
                obj["spec"]["pausedUntil"] = "true"
                mgmt.put(obj)


def test_guest_api_admin_kubeconfig_nodes_ovn_pods_and_cluster_version(mgmt_cluster):
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    hc = mgmt_cluster.create_hosted_cluster(availability="SingleReplica", replicas=2)
    guest = mgmt_cluster.guest(hc)
    wait_for(lambda: hc.object["status"].get("kubeconfig"), timeout=10, what="status.kubeconfig")
    assert hc.object["status"]["kubeconfig"] == {"name": "example-admin-kubeconfig"}
    core, path = _guest_client(mgmt_cluster)
    wait_for(lambda: len(core.list_node().items) == 2, timeout=10, what="two nodes")
    machines = mgmt_cluster.list("cluster.x-k8s.io/v1beta1", "Machine", hc.hcp_namespace)
    assert sorted(n.metadata.name for n in core.list_node().items) == sorted(
        m["status"]["nodeRef"]["name"] for m in machines
    )
    wait_for(lambda: all(ready for _n, ready in guest.nodes()), timeout=10, what="nodes Ready")
    api = config.new_client_from_config(config_file=path)
    cv = client.CustomObjectsApi(api).get_cluster_custom_object(
        "config.openshift.io", "v1", "clusterversions", "version"
    )
    assert cv["status"]["desired"]["version"] == "4.14.8" and cv["status"]["history"][0]["state"] == "Completed"
    with pytest.raises(ApiException) as exc:  # the guest is not a management cluster
        client.CustomObjectsApi(api).list_namespaced_custom_object(
            "hypershift.openshift.io", "v1beta1", "clusters", "hostedclusters"
        )
    assert exc.value.status == 404
    wait_for(lambda: [p["phase"] for p in guest.ovn_pods()] == ["Running"] * 2, timeout=10, what="OVN pods")
    before = {p["name"] for p in guest.ovn_pods()}
    core.delete_collection_namespaced_pod("openshift-ovn-kubernetes")
    wait_for(lambda: len(guest.ovn_pods()) == 2, timeout=5, what="pods replaced")
    after = guest.ovn_pods()
    assert not before & {p["name"] for p in after} and all(p["phase"] == "Pending" for p in after)
    wait_for(lambda: [p["phase"] for p in guest.ovn_pods()] == ["Running"] * 2, timeout=10, what="pods Running")
    assert {p["control_plane"] for p in guest.ovn_pods()} == {"mgmt-a"}
    if shutil.which("kubectl"):  # the seeds' command, through the admin kubeconfig
        before = {p["name"] for p in guest.ovn_pods()}
        cmd = [
            "kubectl",
            "--kubeconfig",
            path,
            "delete",
            "pod",
            "-n",
            "openshift-ovn-kubernetes",
            "--all",
            "--wait=false",
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        assert res.returncode == 0, res.stderr
        wait_for(lambda: len(guest.ovn_pods()) == 2 and not before & {p["name"] for p in guest.ovn_pods()},
                 timeout=10, what="pods replaced after kubectl delete --all")  # fmt: skip
        out = subprocess.run(["kubectl", "--kubeconfig", path, "get", "nodes"], capture_output=True, text=True,
                             timeout=60, check=True).stdout  # fmt: skip
        assert out.count(" Ready ") == 2, out
    # no kube-apiserver: connection refused, nodes NotReady; back: served again (new port, Secret updated)
    _pause(mgmt_cluster)
    _scale(mgmt_cluster, hc.hcp_namespace, "kube-apiserver", 0)
    wait_for(lambda: not guest.served, timeout=10, what="the guest API stopped")
    with pytest.raises(Exception) as refused:
        core.list_node(_request_timeout=5)
    assert "refused" in str(refused.value).lower()
    wait_for(lambda: not any(ready for _n, ready in guest.nodes()), timeout=10, what="nodes NotReady")
    _scale(mgmt_cluster, hc.hcp_namespace, "kube-apiserver", 1)
    wait_for(lambda: all(ready for _n, ready in guest.nodes()), timeout=10, what="nodes Ready again")
    core, _path = _guest_client(mgmt_cluster)
    assert len(core.list_node().items) == 2


# -- finalizers, namespace deletion, instance termination ----------------------------------------------
CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
FINALIZERS = {
    (CAPI, "Cluster"): "cluster.cluster.x-k8s.io",
    (CAPI, "MachineDeployment"): "cluster.x-k8s.io/machinedeployment",
    (CAPI, "MachineSet"): "cluster.x-k8s.io/machineset",
    (CAPI, "Machine"): "machine.cluster.x-k8s.io",
    (INFRA, "AWSCluster"): "awscluster.infrastructure.cluster.x-k8s.io",
    (INFRA, "AWSMachine"): "awsmachine.infrastructure.cluster.x-k8s.io",
    HCP: "hypershift.openshift.io/finalizer",
}


def _strip(mgmt, api_version, kind, name, ns):
    obj = mgmt.get(api_version, kind, name, ns)
    if obj is not None:
        obj["metadata"]["finalizers"] = []
        mgmt.put(obj)


def test_finalizers_termination_and_namespace_deletion(mgmt_cluster):
    hc = mgmt_cluster.create_hosted_cluster(availability="SingleReplica", replicas=2)
    ns, guest = hc.hcp_namespace, mgmt_cluster.guest(hc)

    def has_all():
        return all(
            f in (o["metadata"].get("finalizers") or [])
            for kind, f in FINALIZERS.items()
            for o in mgmt_cluster.list(*kind, namespace=ns)
        ) and all(mgmt_cluster.list(*kind, namespace=ns) for kind in FINALIZERS)

    wait_for(has_all, timeout=10, what="every finalizer")
    assert (
        "hypershift.openshift.io/finalizer" in mgmt_cluster.list(*NP, namespace="clusters")[0]["metadata"]["finalizers"]
    )
    assert "hypershift.openshift.io/finalizer" in hc.object["metadata"]["finalizers"]
    wait_for(lambda: len(guest.nodes()) == 2, timeout=10, what="two nodes")
    # CAPA running: deleting an AWSMachine terminates its instance and the node leaves the guest
    victim = mgmt_cluster.list(INFRA, "AWSMachine", ns)[0]
    iid = victim["spec"]["instanceID"]
    mgmt_cluster.delete(INFRA, "AWSMachine", victim["metadata"]["name"], ns)
    wait_for(lambda: iid in mgmt_cluster.terminated_instances, timeout=10, what="the instance terminated")
    assert guest.instances()[iid]["terminated"]
    wait_for(lambda: len([i for i in guest.instances().values() if not i["terminated"]]) == 2, timeout=10,
             what="the NodePool's replacement instance")  # fmt: skip
    # a new instance is a new node: the terminated one's node is gone from the guest
    gone = guest.instances()[iid]["node"]
    wait_for(lambda: len(guest.nodes()) == 2 and gone not in dict(guest.nodes()), timeout=10, what="the new node")
    # controllers scaled to 0 (as after quiesce; HC and NodePools paused so nothing scales them back)
    _pause(mgmt_cluster)
    for dep in ("cluster-api", "capi-provider", "control-plane-operator"):
        _scale(mgmt_cluster, ns, dep, 0)
    time.sleep(0.5)
    running = {k: v for k, v in guest.instances().items() if not v["terminated"]}
    am = mgmt_cluster.list(INFRA, "AWSMachine", ns)[0]
    mgmt_cluster.delete(INFRA, "AWSMachine", am["metadata"]["name"], ns)
    time.sleep(1.0)
    stuck = mgmt_cluster.get(INFRA, "AWSMachine", am["metadata"]["name"], ns)
    assert stuck["metadata"].get("deletionTimestamp") and stuck["metadata"]["finalizers"]
    _strip(mgmt_cluster, INFRA, "AWSMachine", am["metadata"]["name"], ns)
    assert mgmt_cluster.get(INFRA, "AWSMachine", am["metadata"]["name"], ns) is None
    time.sleep(0.5)
    assert {k for k, v in guest.instances().items() if not v["terminated"]} == set(running)  # nothing terminated
    assert len(mgmt_cluster.terminated_instances) == 1
    # namespace deletion: contents deleted, the namespace Terminating until the last finalizer is gone
    for obj in mgmt_cluster.list("apps/v1", "Deployment", ns):
        _scale(mgmt_cluster, ns, obj["metadata"]["name"], 0)
    mgmt_cluster.delete("v1", "Namespace", ns)
    time.sleep(1.0)
    assert mgmt_cluster.get("v1", "Namespace", ns)["status"]["phase"] == "Terminating"
    assert mgmt_cluster.list("apps/v1", "Deployment", ns) == []
    left = [(k, o["metadata"]["name"]) for k in FINALIZERS for o in mgmt_cluster.list(*k, namespace=ns)]
    assert left and all(mgmt_cluster.get(*k, n, ns)["metadata"].get("deletionTimestamp") for k, n in left)
    for kind, name in left:
        _strip(mgmt_cluster, *kind, name, ns)
    wait_for(lambda: mgmt_cluster.get("v1", "Namespace", ns) is None, timeout=10, what="the namespace gone")
    assert len(mgmt_cluster.terminated_instances) == 1  # no running CAPA: no instance terminated


def test_deleting_a_nodepool_with_capi_running_terminates_its_instances(mgmt_cluster):
    hc = mgmt_cluster.create_hosted_cluster(availability="SingleReplica", replicas=2)
    guest = mgmt_cluster.guest(hc)
    wait_for(lambda: len(guest.nodes()) == 2, timeout=10, what="two nodes")
    ids = set(guest.instances())
    np = mgmt_cluster.list(*NP, namespace="clusters")[0]
    mgmt_cluster.delete(*NP, np["metadata"]["name"], "clusters")
    wait_for(lambda: mgmt_cluster.get(*NP, np["metadata"]["name"], "clusters") is None, timeout=15, what="NP gone")
    assert set(mgmt_cluster.terminated_instances) == ids
    wait_for(lambda: guest.nodes() == [], timeout=5, what="no node left")
    assert mgmt_cluster.list(CAPI, "Machine", hc.hcp_namespace) == []


def test_a_management_cluster_without_the_operator(tmp_path, moto):
    from tests.sim.cluster import ManagementCluster

    mgmt = ManagementCluster(str(tmp_path / "bare"), moto=moto, name="bare", operator=False).start()
    try:
        assert mgmt.get("apps/v1", "Deployment", "operator", "hypershift") is None
        assert mgmt.get("v1", "ConfigMap", "supported-versions", "hypershift") is None
        assert mgmt.get("v1", "Namespace", "hypershift") is not None
        mgmt.create_hosted_cluster(wait=False)
        time.sleep(1.0)
        assert mgmt.get("v1", "Namespace", "clusters-example") is None
        assert "status" not in mgmt.get(*HC, "example", "clusters")
    finally:
        mgmt.stop()


# -- the migration as the seeds do it, by hand on the simulator ---------------------------------------
MACHINE_KINDS = [(INFRA, "AWSMachineTemplate"), (INFRA, "AWSMachine"), (CAPI, "MachineDeployment"),
                 (CAPI, "MachineSet"), (CAPI, "Machine")]  # fmt: skip


def _export(obj):
    obj = _clean(obj)
    obj["spec"].pop("pausedUntil", None)
    return obj


def test_migration_by_hand_nodes_follow_dns_and_ovn_pods_reconnect(mgmt_pair):
    source, destination = mgmt_pair
    hc = source.create_hosted_cluster(availability="SingleReplica", replicas=2)
    ns, api = hc.hcp_namespace, "api.example.example.com"
    src_guest, dst_guest = source.guest(hc), destination.guest("example")
    wait_for(lambda: [r for _n, r in src_guest.nodes()] == [True, True], timeout=10, what="nodes Ready")
    wait_for(lambda: {p["control_plane"] for p in src_guest.ovn_pods()} == {"mgmt-src"}, timeout=10, what="OVN")
    instances = set(src_guest.instances())
    # backup: quiesce, then export without status and server-set fields
    _pause(source)
    for dep in ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver", "control-plane-operator"):
        _scale(source, ns, dep, 0)
    wait_for(lambda: not src_guest.served, timeout=10, what="the source's guest API down")
    wait_for(lambda: not any(r for _n, r in src_guest.nodes()), timeout=10, what="nodes NotReady")
    # restore: everything but the HC and NodePools first, then the HC, then the NodePools
    destination.put(_ns("clusters"))
    destination.put(_ns(ns))
    for obj in source.list("v1", "Secret", "clusters") + [source.get(*HCP, "example", ns)]:
        destination.put(_export(obj) if obj["kind"] != "Secret" else _clean(obj))
    for kind in [(CAPI, "Cluster"), (INFRA, "AWSCluster")] + MACHINE_KINDS:
        for obj in source.list(*kind, namespace=ns):
            destination.put(_export(obj))
    destination.put(_export(hc.object))
    for obj in source.list(*NP, namespace="clusters"):
        destination.put(_export(obj))
    destination.wait_hosted_cluster(destination.hosted_handle("example"))
    wait_for(lambda: dst_guest.served, timeout=10, what="the destination's guest API")
    time.sleep(1.0)
    # the destination serves the same nodes (same instances, none launched), NotReady: DNS is the source's
    assert set(dst_guest.instances()) == instances and not destination.terminated_instances
    assert sorted(n for n, _r in dst_guest.nodes()) == sorted(n for n, _r in src_guest.nodes())
    assert not any(r for _n, r in dst_guest.nodes()) and destination.dns_owner(api) == "mgmt-src"
    # the imported admin kubeconfig Secret was replaced by the destination's (its own port)
    core, _path = _guest_client(destination)
    assert len(core.list_node().items) == 2
    # DNS hand-over: the source's Routes go, its ExternalDNS removes its records, the destination's take over
    for r in source.list(*ROUTE, namespace=ns):
        source.delete(*ROUTE, r["metadata"]["name"], ns)
    wait_for(lambda: destination.dns_owner(api) == "mgmt-dst", timeout=15, what="the destination owning the API")
    wait_for(lambda: [r for _n, r in dst_guest.nodes()] == [True, True], timeout=10, what="nodes Ready")
    # after: the OVN pods still talk to the source's OVN control plane until they are restarted
    assert {p["control_plane"] for p in dst_guest.ovn_pods()} == {"mgmt-src"}
    core.delete_collection_namespaced_pod("openshift-ovn-kubernetes")
    wait_for(
        lambda: [(p["phase"], p["control_plane"]) for p in dst_guest.ovn_pods()] == [("Running", "mgmt-dst")] * 2,
        timeout=10,
        what="OVN pods on the destination's control plane",
    )
    # teardown on the source, the safe way: everything scaled to 0, finalizers stripped, then deleted
    for kind in ("Deployment", "StatefulSet"):
        for obj in source.list("apps/v1", kind, ns):
            _scale(source, ns, obj["metadata"]["name"], 0, kind)
    for kind in [(CAPI, "Machine"), (CAPI, "MachineSet"), (CAPI, "MachineDeployment"), (CAPI, "Cluster"),
                 (INFRA, "AWSMachine"), (INFRA, "AWSMachineTemplate"), (INFRA, "AWSCluster"), HCP]:  # fmt: skip
        for obj in source.list(*kind, namespace=ns):
            _strip(source, *kind, obj["metadata"]["name"], ns)
            source.delete(*kind, obj["metadata"]["name"], ns)
    for obj in source.list(*NP, namespace="clusters"):
        _strip(source, *NP, obj["metadata"]["name"], "clusters")
        source.delete(*NP, obj["metadata"]["name"], "clusters")
    source.delete("v1", "Namespace", ns)
    _strip(source, *HC, "example", "clusters")
    source.delete(*HC, "example", "clusters")
    wait_for(lambda: source.get("v1", "Namespace", ns) is None, timeout=10, what="the source's namespace gone")
    time.sleep(0.5)
    assert source.terminated_instances == [] and [r for _n, r in dst_guest.nodes()] == [True, True]
    assert destination.dns_owner(api) == "mgmt-dst"
