"""The HyperShift stand-ins: rendered objects, pausedUntil, versions, restoreSnapshotURL, ExternalDNS, faults."""

import base64
import os
import time

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from tests.harness.net import wait_for
from tests.sim.fileserver import HttpsFront

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")
NP = ("hypershift.openshift.io/v1beta1", "NodePool")
HCP = ("hypershift.openshift.io/v1beta1", "HostedControlPlane")


def _records(moto, zone_name="example.com."):
    r53 = moto.client("route53")
    zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == zone_name]
    if not zones:
        return set()
    sets = r53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]
    return {s["Name"].replace("\\052", "*") for s in sets if s["Type"] == "A"}


def test_highly_available_hosted_cluster_shapes(mgmt_cluster, moto_server):
    started = time.monotonic()
    hc = mgmt_cluster.create_hosted_cluster()
    assert time.monotonic() - started < 20
    assert (hc.name, hc.namespace, hc.hcp_namespace) == ("example", "clusters", "clusters-example")
    obj = mgmt_cluster.get(*HC, "example", "clusters")
    spec = obj["spec"]
    assert spec["release"]["image"].endswith("4.14.8-x86_64")
    assert spec["controllerAvailabilityPolicy"] == "HighlyAvailable"
    assert spec["etcd"]["managementType"] == "Managed"
    assert spec["etcd"]["managed"]["storage"]["type"] == "PersistentVolume"
    assert spec["platform"]["type"] == "AWS" and spec["dns"]["baseDomain"] == "example.com"
    key = mgmt_cluster.get("v1", "Secret", spec["secretEncryption"]["aescbc"]["activeKey"]["name"], "clusters")
    assert len(base64.b64decode(key["data"]["key"])) == 32
    for ref in (spec["pullSecret"]["name"], spec["sshKey"]["name"]):
        assert mgmt_cluster.get("v1", "Secret", ref, "clusters") is not None
    status = obj["status"]
    assert status["version"]["desired"]["version"] == "4.14.8"
    assert status["version"]["history"][0]["state"] == "Completed"
    assert {c["type"]: c["status"] for c in status["conditions"]}["Available"] == "True"
    pools = mgmt_cluster.list(*NP, namespace="clusters")
    assert len(pools) == 1 and pools[0]["spec"]["clusterName"] == "example"
    assert pools[0]["spec"]["management"]["upgradeType"] == "Replace"
    assert pools[0]["status"]["version"] == "4.14.8"
    ns = hc.hcp_namespace
    assert mgmt_cluster.get(*HCP, "example", ns)["spec"]["releaseImage"] == spec["release"]["image"]
    for dep in ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver", "control-plane-operator"):
        assert mgmt_cluster.get("apps/v1", "Deployment", dep, ns)["spec"]["replicas"] == 3
    sts = mgmt_cluster.get("apps/v1", "StatefulSet", "etcd", ns)
    assert sts["spec"]["replicas"] == 3 and sts["status"]["readyReplicas"] == 3
    for i in range(3):
        pod = mgmt_cluster.get("v1", "Pod", "etcd-%d" % i, ns)
        assert pod["spec"]["containers"][0]["name"] == "etcd" and pod["status"]["phase"] == "Running"
        assert mgmt_cluster.get("v1", "PersistentVolumeClaim", "data-etcd-%d" % i, ns)["status"]["phase"] == "Bound"
        assert os.path.isdir(os.path.join(hc.member_dir(i), "data", "member"))
    for svc in ("etcd-discovery", "etcd-client"):
        assert mgmt_cluster.get("v1", "Service", svc, ns) is not None
    assert len(mgmt_cluster.list("route.openshift.io/v1", "Route", ns)) >= 3
    assert len(hc.etcd.etcdctl("member", "list").stdout.splitlines()) == 3
    assert b"/kubernetes.io/namespaces/default" in hc.etcd.get_all("/kubernetes.io/")  # as kube-apiserver writes
    cm = mgmt_cluster.get("v1", "ConfigMap", "supported-versions", "hypershift")
    assert "4.14" in cm["data"]["supported-versions"]
    wait_for(
        lambda: {"api.example.example.com.", "*.apps.example.example.com."} <= _records(moto_server),
        timeout=10,
        what="route53 records",
    )


def test_pause_upgrade_and_versions(mgmt_cluster):
    mgmt_cluster.upgrade_seconds = 0.5
    hc = mgmt_cluster.create_hosted_cluster(name="up", availability="SingleReplica", channel="stable-4.14")
    obj = mgmt_cluster.get(*HC, "up", "clusters")
    assert [u["version"] for u in obj["status"]["version"]["availableUpdates"]][:1] == ["4.14.9"]
    new_image = obj["status"]["version"]["availableUpdates"][0]["image"]
    obj["spec"]["pausedUntil"] = "true"
    mgmt_cluster.put(obj)
    wait_for(
        lambda: mgmt_cluster.get(*HCP, "up", hc.hcp_namespace)["spec"].get("pausedUntil") == "true",
        timeout=5,
        what="pausedUntil on the HostedControlPlane",
    )
    obj = mgmt_cluster.get(*HC, "up", "clusters")
    obj["spec"]["release"]["image"] = new_image
    mgmt_cluster.put(obj)
    time.sleep(1)
    paused = mgmt_cluster.get(*HC, "up", "clusters")
    assert paused["status"]["version"]["desired"]["version"] == "4.14.8"
    assert {c["type"]: c["status"] for c in paused["status"]["conditions"]}["ReconciliationActive"] == "False"
    del paused["spec"]["pausedUntil"]
    mgmt_cluster.put(paused)
    wait_for(
        lambda: "pausedUntil" not in mgmt_cluster.get(*HCP, "up", hc.hcp_namespace)["spec"],
        timeout=5,
        what="pausedUntil removed from the HostedControlPlane",
    )

    def completed():
        hist = mgmt_cluster.get(*HC, "up", "clusters")["status"]["version"]["history"]
        return hist[0]["version"] == "4.14.9" and hist[0]["state"] == "Completed" and len(hist) == 2

    wait_for(completed, timeout=10, what="the upgrade to complete")
    pool = mgmt_cluster.list(*NP, namespace="clusters")[0]
    pool["spec"]["release"]["image"] = new_image
    pool["spec"]["replicas"] = 4
    mgmt_cluster.put(pool)
    wait_for(
        lambda: mgmt_cluster.list(*NP, namespace="clusters")[0]["status"]["version"] == "4.14.9",
        timeout=10,
        what="the NodePool version",
    )
    assert mgmt_cluster.list(*NP, namespace="clusters")[0]["status"]["replicas"] == 4
    bad = mgmt_cluster.get(*HC, "up", "clusters")
    bad["spec"]["release"]["image"] = "quay.io/not-a-release"
    mgmt_cluster.put(bad)
    wait_for(
        lambda: (
            {c["type"]: c["status"] for c in mgmt_cluster.get(*HC, "up", "clusters")["status"]["conditions"]}[
                "ValidReleaseImage"
            ]
            == "False"
        ),
        timeout=5,
        what="ValidReleaseImage=False",
    )


def test_restore_snapshot_url_retried_until_served(mgmt_pair, tmp_path):
    """One https restoreSnapshotURL; a failed download leaves EtcdSnapshotRestored=False and is retried."""
    source, destination = mgmt_pair
    hc = source.create_hosted_cluster(name="mig", availability="SingleReplica")
    hc.etcd.put_many({"/migrate/%d" % i: "v%d" % i for i in range(50)})
    served = tmp_path / "served"
    served.mkdir()
    snap = str(tmp_path / "snap.db")
    hc.etcd.etcdctl("snapshot", "save", snap)
    server = HttpsFront(directory=str(served)).start()
    try:
        restored = destination.create_hosted_cluster(
            name="mig", availability="SingleReplica", wait=False, restore_snapshot_urls=[server.url("snap.db")]
        )

        def restore_failed():
            conds = (destination.get(*HC, "mig", "clusters").get("status") or {}).get("conditions") or []
            return any(c["type"] == "EtcdSnapshotRestored" and c["status"] == "False" for c in conds)

        wait_for(restore_failed, timeout=30, what="the restore to fail while the snapshot is not served")
        os.replace(snap, str(served / "snap.db"))
        destination.wait_hosted_cluster(restored, timeout=30)
    finally:
        server.stop()
    assert len(restored.etcd.get_all("/migrate/")) == 50
    assert source.api_url != destination.api_url


def test_external_dns_and_member_kill(mgmt_cluster, moto_server):
    mgmt_cluster.external_dns_delay = 0.5
    hc = mgmt_cluster.create_hosted_cluster(name="dns")
    wait_for(lambda: "api.dns.example.com." in _records(moto_server), timeout=10, what="the api record")
    mgmt_cluster.kill_etcd_member(hc, 2)
    wait_for(
        lambda: (
            mgmt_cluster.get("v1", "Pod", "etcd-2", hc.hcp_namespace)["status"]["containerStatuses"][0]["state"]
            .get("waiting", {})
            .get("reason")
            == "CrashLoopBackOff"
        ),
        timeout=10,
        what="CrashLoopBackOff",
    )
    assert hc.etcd.etcdctl("endpoint", "health", endpoints=hc.etcd.endpoints[:2]).returncode == 0
    core = client.CoreV1Api(config.new_client_from_config(mgmt_cluster.kubeconfig))
    with pytest.raises(ApiException, match="400"):
        stream(core.connect_get_namespaced_pod_exec, "etcd-2", hc.hcp_namespace, command=["ls"], stdout=True,
               stderr=True, stdin=False, tty=False)  # fmt: skip
    etcd = hc.etcd
    mgmt_cluster.delete(*HC, "dns", "clusters")
    wait_for(lambda: mgmt_cluster.get(*HC, "dns", "clusters") is None, timeout=20, what="the HostedCluster to go")
    assert mgmt_cluster.get("v1", "Namespace", hc.hcp_namespace) is None
    assert not any(m.running() for m in etcd.members)
    wait_for(lambda: not {r for r in _records(moto_server) if ".dns." in r}, timeout=10, what="records removed")
