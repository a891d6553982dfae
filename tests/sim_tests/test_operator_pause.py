"""The operator stand-in reads pausedUntil as HyperShift does and restores one snapshot into empty members."""

import datetime
import os

import boto3

from tests.harness.moto import FAKE_AWS_ENV
from tests.harness.net import wait_for

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")
NP = ("hypershift.openshift.io/v1beta1", "NodePool")
HCP = ("hypershift.openshift.io/v1beta1", "HostedControlPlane")
CREDS = {
    "region_name": FAKE_AWS_ENV["AWS_DEFAULT_REGION"],
    "aws_access_key_id": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
}


def _condition(obj, ctype="ReconciliationActive"):
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype), None)


def _set_paused(mgmt, kind, name, value, namespace="clusters"):
    obj = mgmt.get(*kind, name, namespace)
    if value is None:
        obj["spec"].pop("pausedUntil", None)
    else:
        obj["spec"]["pausedUntil"] = value
    mgmt.put(obj)


def _wait_condition(mgmt, kind, name, status, reason, namespace="clusters", timeout=10):
    def seen():
        cond = _condition(mgmt.get(*kind, name, namespace) or {})
        return cond if cond and (cond["status"], cond["reason"]) == (status, reason) else None

    return wait_for(
        seen, timeout=timeout, interval=0.1, what="%s %s ReconciliationActive=%s/%s" % (kind[1], name, status, reason)
    )


def _replicas(mgmt, hc, kind, name):
    return mgmt.get("apps/v1", kind, name, hc.hcp_namespace)["spec"]["replicas"]


def _scale(mgmt, hc, kind, name, replicas):
    obj = mgmt.get("apps/v1", kind, name, hc.hcp_namespace)
    obj["spec"]["replicas"] = replicas
    mgmt.put(obj)


def test_pause_reasons_and_expiry_scales_the_control_plane_back(mgmt_cluster):
    hc = mgmt_cluster.create_hosted_cluster(name="pz", availability="HighlyAvailable", nodepools=1)
    np_name = mgmt_cluster.list(*NP, "clusters")[0]["metadata"]["name"]
    active = _wait_condition(mgmt_cluster, HC, "pz", "True", "AsExpected")
    assert active["message"] == "Reconciliation active on resource"
    assert _wait_condition(mgmt_cluster, NP, np_name, "True", "ReconciliationActive")

    # passes the CEL pattern, is no RFC 3339 time: reconciliation goes on, reason InvalidPausedUntilValue
    bad = "2099-01-01T00:00:00 tomorrow"
    _set_paused(mgmt_cluster, HC, "pz", bad)
    _set_paused(mgmt_cluster, NP, np_name, bad)
    cond = _wait_condition(mgmt_cluster, HC, "pz", "True", "InvalidPausedUntilValue")
    assert cond["message"] == "Invalid value provided for PausedUntil field"
    assert _wait_condition(mgmt_cluster, NP, np_name, "True", "InvalidPausedUntilValue")
    _scale(mgmt_cluster, hc, "Deployment", "kube-apiserver", 0)
    wait_for(
        lambda: _replicas(mgmt_cluster, hc, "Deployment", "kube-apiserver") == 3,
        timeout=10,
        what="the operator to scale back",
    )

    # a real pause: ReconciliationActive=False, copied to the HostedControlPlane only; NodePools pause on their own
    _set_paused(mgmt_cluster, HC, "pz", "true")
    cond = _wait_condition(mgmt_cluster, HC, "pz", "False", "ReconciliationPaused")
    assert cond["message"] == "Reconciliation paused until field removed"
    wait_for(lambda: mgmt_cluster.get(*HCP, "pz", hc.hcp_namespace)["spec"].get("pausedUntil") == "true", timeout=10)
    _wait_condition(mgmt_cluster, HCP, "pz", "False", "ReconciliationPaused", namespace=hc.hcp_namespace)
    assert mgmt_cluster.get(*NP, np_name, "clusters")["spec"]["pausedUntil"] == bad

    # a time box: while it runs, what the admin scaled down stays down; when it expires, it comes back
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=4)
    _set_paused(mgmt_cluster, HC, "pz", until.strftime("%Y-%m-%dT%H:%M:%SZ"))
    wait_for(
        lambda: _condition(mgmt_cluster.get(*HC, "pz", "clusters"))["message"].startswith(
            "Reconciliation paused until: "
        ),
        timeout=10,
        what="the time-boxed pause reported",
    )
    _scale(mgmt_cluster, hc, "Deployment", "kube-apiserver", 0)
    _scale(mgmt_cluster, hc, "StatefulSet", "etcd", 0)
    wait_for(
        lambda: mgmt_cluster.get("apps/v1", "StatefulSet", "etcd", hc.hcp_namespace)["status"]["replicas"] == 0,
        timeout=10,
    )
    assert _replicas(mgmt_cluster, hc, "Deployment", "kube-apiserver") == 0
    _wait_condition(mgmt_cluster, HC, "pz", "True", "AsExpected", timeout=15)
    wait_for(
        lambda: _replicas(mgmt_cluster, hc, "Deployment", "kube-apiserver") == 3, timeout=10, what="kube-apiserver back"
    )
    assert _replicas(mgmt_cluster, hc, "StatefulSet", "etcd") == 3
    mgmt_cluster.wait_hosted_cluster(hc, timeout=30)


def test_one_url_restores_every_empty_member_as_its_own_cluster(mgmt_pair, moto_https, tmp_path):
    """An HA cluster created with one presigned https URL (S3 through the https front): all 3 members get the
    same data but, as upstream's etcd-init restores without member names, each is a one-member cluster."""
    source, destination = mgmt_pair
    hc = source.create_hosted_cluster(name="ha", availability="HighlyAvailable")
    keys = {"/restore/%03d" % i: "value-%d" % i for i in range(200)}
    hc.etcd.put_many(keys)
    snap = str(tmp_path / "snap.db")
    hc.etcd.etcdctl("snapshot", "save", snap, endpoints=[hc.etcd.members[0].client_url])
    s3 = boto3.client("s3", endpoint_url=moto_https.endpoint_url, verify=moto_https.ca_cert, **CREDS)
    s3.create_bucket(Bucket="backups")
    s3.upload_file(snap, "backups", "ha/etcd-0-snapshot.db")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "backups", "Key": "ha/etcd-0-snapshot.db"})
    assert url.startswith("https://")
    restored = destination.create_hosted_cluster(
        name="ha", availability="HighlyAvailable", restore_snapshot_urls=[url], wait=False
    )
    destination.wait_hosted_cluster(restored, timeout=60)
    per_member = [restored.etcd.get_all("/restore/", member=m) for m in restored.etcd.members]
    assert all(len(data) == len(keys) for data in per_member)
    assert per_member[0] == per_member[1] == per_member[2]
    assert {k.decode(): v.decode() for k, v in per_member[0].items()} == keys
    for m in restored.etcd.members:
        listed = restored.etcd.etcdctl("member", "list", endpoints=[m.client_url]).stdout.strip().splitlines()
        assert len(listed) == 1, listed  # a one-member cluster: the members are not peers
    restored.etcd.etcdctl("put", "/restore/split", "only-on-0", endpoints=[restored.etcd.members[0].client_url])
    assert restored.etcd.get_all("/restore/split", member=restored.etcd.members[1]) == {}
    cond = wait_for(
        lambda: _condition(destination.get(*HCP, "ha", restored.hcp_namespace), "EtcdSnapshotRestored"),
        timeout=10,
        what="EtcdSnapshotRestored on the HostedControlPlane",
    )
    assert (cond["status"], cond["reason"]) == ("True", "AsExpected")


def test_a_member_with_data_ignores_the_url(mgmt_cluster, tmp_path):
    """etcd-init leaves a non-empty data directory alone (and a missing URL then does not matter)."""
    from tests.sim import rendering

    ns = "clusters-keep"
    path = rendering.ensure_pvc(mgmt_cluster.store, mgmt_cluster.base_dir, ns, "data-etcd-0")
    os.makedirs(os.path.join(path, "data"))
    with open(os.path.join(path, "data", "marker"), "w") as f:
        f.write("x")
    rt = mgmt_cluster.pods.etcd_runtime(ns, create_replicas=1)
    error = mgmt_cluster.operator._restore(ns, rt, ["https://127.0.0.1:1/never-fetched.db"])
    assert error is None
    assert os.listdir(os.path.join(path, "data")) == ["marker"]
