"""hostedcluster_etcd_restore at creation: a backup in S3 restored into a new HostedCluster on another cluster.

One backup of an HA cluster is taken once for the module (fixture s3_backup); the refusals run before anything
is created, so they share the destination cluster with the one test that creates a cluster (under another name),
and they run as ONE playbook run with a host per refusal (fixture refusals).
"""

import json

import pytest
import yaml

from tests.harness.etcd import seed_keys
from tests.sim.cluster import ManagementCluster
from tests.sim.objects import hosted_cluster_objects

from .conftest import BUCKET
from .helpers import HYPERSHIFT, KEY_PREFIX, HttpsS3Front, backup_host, encryption_secret, run, write_inventory

RELEASE = "quay.io/openshift-release-dev/ocp-release:4.14.8-x86_64"


@pytest.fixture(scope="module")
def s3_backup(tmp_path_factory, moto_server):
    """(source's AES key, destination, source HC, data, manifest URI, HTTPS S3 endpoint trusted by the destination).

    The source cluster is stopped once its backup is in S3 and its AES key noted: nothing later reads it, and its
    etcd members and controllers would otherwise run idle through the whole module."""
    moto = moto_server
    moto.reset()
    base = tmp_path_factory.mktemp("at-creation")
    source = ManagementCluster(str(base / "mgmt-src"), moto=moto, name="mgmt-src")
    dest = ManagementCluster(str(base / "mgmt-dst"), moto=moto, name="mgmt-dst")
    try:
        source.start()
        dest.start()
        hc = source.create_hosted_cluster(name="example", availability="HighlyAvailable", release_image=RELEASE)
        data = seed_keys(2000, prefix=KEY_PREFIX)
        hc.etcd.put_many(data, per_txn=100)  # the same keys, 20 raft entries instead of 2000
        moto.client("s3").create_bucket(Bucket=BUCKET)
        inv = write_inventory(
            base,
            {hc.name: backup_host(hc, source, hostedcluster_etcd_backup_s3_bucket=BUCKET,
                                  hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url)},
            name="backup-inventory.yml",
        )  # fmt: skip
        res = run("hostedcluster_etcd_backup", inv, env=moto.env)
        assert res.rc == 0, res
        [key] = [
            o["Key"]
            for o in moto.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]
            if o["Key"].endswith("manifest.json")
        ]
        source_key = encryption_secret(source, hc)["data"]["key"]
        source.stop()
        with HttpsS3Front(dest, moto) as front:
            yield source_key, dest, hc, {k.encode(): v for k, v in data.items()}, "s3://%s/%s" % (BUCKET, key), front
    finally:
        dest.stop()
        source.stop()


def _render(tmp_path, name="example", release=RELEASE, drop=()):
    """What `hcp create cluster ... --render --render-sensitive` gives: namespace, secrets (with a NEW key), HC, NP.

    `drop` removes HostedCluster spec fields (the API defaults them)."""
    docs = hosted_cluster_objects(name, "clusters", "HighlyAvailable", release, 1, True, "example.com")
    for doc in docs:
        if doc["kind"] == "HostedCluster":
            for field in drop:
                doc["spec"].pop(field, None)
    path = tmp_path / ("%s-render.yaml" % name)
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def _host(tmp_path, s3_backup, rendered, manifest=None, **extra):
    _source, dest, _hc, _data, manifest_uri, front = s3_backup
    host = {
        "hostedcluster_etcd_restore_mode": "at_creation",
        "hostedcluster_etcd_restore_kubeconfig": dest.kubeconfig,
        "hostedcluster_etcd_restore_manifest": manifest or manifest_uri,
        "hostedcluster_etcd_restore_hostedcluster_file": rendered,
        "hostedcluster_etcd_restore_presign_expiry": 900,
        "hostedcluster_etcd_restore_s3_endpoint_url": front.endpoint_url,
        "hostedcluster_etcd_restore_s3_ca_bundle": front.ca_bundle,
        "hostedcluster_etcd_restore_wait_timeout": 120,
        "hostedcluster_etcd_restore_output": str(tmp_path / "out" / "hc-restore.yaml"),
    }
    host.update(extra)
    (tmp_path / "out").mkdir(mode=0o700, exist_ok=True)
    return host


def _restore(tmp_path, s3_backup, rendered, manifest=None, **extra):
    host = _host(tmp_path, s3_backup, rendered, manifest, **extra)
    return run("hostedcluster_etcd_restore", write_inventory(tmp_path, {"example": host}), env=s3_backup[1].moto.env)


def _manifest(moto, uri):
    bucket, key = uri[len("s3://") :].split("/", 1)
    return json.loads(moto.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _nothing_created(dest, name):
    assert dest.get(HYPERSHIFT, "HostedCluster", name, "clusters") is None
    assert dest.get("v1", "Secret", "%s-etcd-encryption-key" % name, "clusters") is None


@pytest.fixture(scope="module")
def refusals(s3_backup, tmp_path_factory):
    """ONE playbook run with a host per refusal, each refused before anything is created: {host: fatal line}.

    wrong-region: the manifest says the bucket is in eu-west-1, S3 says us-east-1 (a URL signed for either would
    be wrong). unreadable: every snapshot object reads back other than recorded (replaced during the run; the
    other two hosts are refused before any snapshot object is read)."""
    dest, manifest_uri = s3_backup[1], s3_backup[4]
    base = tmp_path_factory.mktemp("refusals")
    other = "quay.io/openshift-release-dev/ocp-release:4.15.2-x86_64"
    manifest = _manifest(dest.moto, manifest_uri)
    for member in manifest["members"]:
        member["s3"]["region"] = "eu-west-1"
    manifest["destinations"]["s3_region"] = "eu-west-1"
    local = base / "manifest.json"
    local.write_text(json.dumps(manifest))
    hosts = {}
    for case, release, kw in (
        ("release-mismatch", other, {}),
        ("wrong-region", RELEASE, {"manifest": str(local)}),
        ("unreadable", RELEASE, {}),
    ):
        work = base / case
        work.mkdir()
        hosts[case] = _host(work, s3_backup, _render(work, "refused", release), **kw)
    s3 = dest.moto.client("s3")
    members = _manifest(dest.moto, manifest_uri)["members"]
    saved = {m["s3"]["key"]: s3.get_object(Bucket=BUCKET, Key=m["s3"]["key"])["Body"].read() for m in members}
    try:
        for key in saved:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"not the snapshot")
        res = run("hostedcluster_etcd_restore", write_inventory(base, hosts), env=dest.moto.env, forks=len(hosts))
    finally:
        for key, body in saved.items():
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    assert "Traceback" not in res.stdout + res.stderr
    fatal = {}
    for line in res.stdout.splitlines():
        if line.startswith("fatal: ["):
            fatal[line[len("fatal: [") :].split("]", 1)[0]] = line
    _nothing_created(dest, "refused")
    return fatal


def test_release_mismatch_is_refused(refusals):
    assert "The snapshot was taken on release 4.14.8" in refusals.get("release-mismatch", ""), refusals


def test_wrong_region_is_refused_before_creation(refusals):
    assert "in region eu-west-1, but S3 says it is in us-east-1" in refusals.get("wrong-region", ""), refusals


def test_unreadable_snapshots_are_refused_before_creation(refusals):
    line = refusals.get("unreadable", "")
    assert "can be read through a presigned URL" in line and "Nothing was created" in line, refusals


def _api_replicas(dest, hcp_ns):
    return [
        dest.get("apps/v1", "Deployment", d, hcp_ns)["spec"]["replicas"]
        for d in ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")
    ]


def test_ha_restore_at_creation_on_another_cluster(s3_backup, tmp_path):
    """No controllerAvailabilityPolicy (the API default is HighlyAvailable) and no spec.etcd in the definition:
    one URL. HyperShift's etcd-init restores it without member names, so the 3 members come up as separate
    one-member clusters: the role stops the API servers and says to finish in place; after that in-place run
    every key and value is identical on all 3 members, which form one cluster."""
    source_key, dest, _src_hc, data, manifest_uri, _front = s3_backup
    rendered = _render(tmp_path, drop=("controllerAvailabilityPolicy", "etcd"))
    res = _restore(tmp_path, s3_backup, rendered)
    assert res.rc != 0, res
    assert "came up as separate one-member etcd clusters" in res.output, res
    assert "hostedcluster_etcd_restore_mode=in_place" in res.output, res
    assert _api_replicas(dest, "clusters-example") == [0, 0, 0]

    members = sorted(_manifest(dest.moto, manifest_uri)["members"], key=lambda m: m["member"])
    chosen = max(members, key=lambda m: m["revision"])  # max() keeps the first (lowest ordinal) on a tie
    assert "Every etcd member of the new cluster restores from %s's snapshot" % chosen["member"] in res.output, res
    hc_obj = dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters")
    assert hc_obj["spec"]["controllerAvailabilityPolicy"] == "HighlyAvailable"
    storage = hc_obj["spec"]["etcd"]["managed"]["storage"]
    assert hc_obj["spec"]["etcd"]["managementType"] == "Managed" and storage["type"] == "PersistentVolume"
    [url] = storage["restoreSnapshotURL"]
    assert url.startswith("https://") and chosen["s3"]["key"] in url
    assert "X-Amz-Expires=900" in url and "%2Fus-east-1%2Fs3%2F" in url
    assert hc_obj["spec"]["pausedUntil"] == "true"  # created without it; paused once the members were seen apart
    new_hc = dest.hosted_handle("example", "clusters")
    # the same AES key as the source cluster, not the freshly rendered one
    assert encryption_secret(dest, new_hc)["data"]["key"] == source_key
    # the way out the failure names: an in-place restore from a fresh snapshot of etcd-0
    in_place = {
        "hostedcluster_etcd_restore_mode": "in_place",
        "hostedcluster_etcd_restore_kubeconfig": dest.kubeconfig,
        "hostedcluster_etcd_restore_name": "example",
        "hostedcluster_etcd_restore_namespace": "clusters",
        "hostedcluster_etcd_restore_confirm": True,
        "hostedcluster_etcd_restore_work_dir": str(tmp_path / "work"),
        "hostedcluster_etcd_restore_wait_timeout": 120,
    }
    inv = write_inventory(tmp_path, {"example": in_place}, name="in-place-inventory.yml")
    res = run("hostedcluster_etcd_restore", inv, env=dest.moto.env)
    assert res.rc == 0, res
    # one cluster again, every key and value of the source on every member, the API servers back
    for i in range(3):
        listed = new_hc.etcd.etcdctl("member", "list", endpoints=[new_hc.etcd.members[i].client_url]).stdout
        assert len(listed.strip().splitlines()) == 3, listed
        assert new_hc.etcd.get_all(KEY_PREFIX, member=new_hc.etcd.members[i]) == data, "member %d differs" % i
    assert _api_replicas(dest, "clusters-example") == [3, 3, 3]
    after = dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters")
    assert "pausedUntil" not in after["spec"]
    assert not [a for a in after["metadata"].get("annotations") or {} if a.endswith("prior-state")], after["metadata"]
    out = tmp_path / "out" / "hc-restore.yaml"
    assert out.stat().st_mode & 0o777 == 0o600

    # a re-run sees the cluster already restored from this backup and changes nothing (nor presigns a new URL:
    # restoreSnapshotURL is read only at creation)
    res = _restore(tmp_path, s3_backup, rendered)
    assert res.rc == 0, res
    assert "changed=0" in res.stdout and "Every etcd member of the new cluster restores from" not in res.stdout, res
    assert dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters")["metadata"]["uid"] == hc_obj["metadata"]["uid"]
