"""hostedcluster_etcd_restore at creation: a backup in S3 restored into a new HostedCluster on another cluster."""

import yaml

from tests.harness.etcd import seed_keys
from tests.sim.objects import hosted_cluster_objects

from .conftest import BUCKET
from .helpers import HYPERSHIFT, KEY_PREFIX, backup_host, encryption_secret, run, write_inventory

RELEASE = "quay.io/openshift-release-dev/ocp-release:4.14.8-x86_64"


def _backup_to_s3(source, moto, tmp_path):
    hc = source.create_hosted_cluster(name="example", availability="HighlyAvailable", release_image=RELEASE)
    data = seed_keys(2000, prefix=KEY_PREFIX)
    hc.etcd.put_many(data)
    moto.client("s3").create_bucket(Bucket=BUCKET)
    inv = write_inventory(
        tmp_path,
        {hc.name: backup_host(hc, source, hostedcluster_etcd_backup_s3_bucket=BUCKET,
                              hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url)},
        name="backup-inventory.yml",
    )  # fmt: skip
    res = run("hostedcluster_etcd_backup", inv, env=moto.env)
    assert res.rc == 0, res
    [manifest_key] = [
        o["Key"]
        for o in moto.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]
        if o["Key"].endswith("manifest.json")
    ]
    return hc, {k.encode(): v for k, v in data.items()}, "s3://%s/%s" % (BUCKET, manifest_key)


def _render(tmp_path, release=RELEASE):
    """What `hcp create cluster ... --render --render-sensitive` gives: namespace, secrets (with a NEW key), HC, NP."""
    docs = hosted_cluster_objects("example", "clusters", "HighlyAvailable", release, 1, True, "example.com")
    path = tmp_path / "example-render.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def _restore_inventory(tmp_path, dest, moto, manifest, rendered, **extra):
    host = {
        "hostedcluster_etcd_restore_mode": "at_creation",
        "hostedcluster_etcd_restore_kubeconfig": dest.kubeconfig,
        "hostedcluster_etcd_restore_manifest": manifest,
        "hostedcluster_etcd_restore_hostedcluster_file": rendered,
        "hostedcluster_etcd_restore_presign_expiry": 900,
        "hostedcluster_etcd_restore_s3_endpoint_url": moto.endpoint_url,
        "hostedcluster_etcd_restore_wait_timeout": 180,
        "hostedcluster_etcd_restore_output": str(tmp_path / "out" / "hc-restore.yaml"),
    }
    host.update(extra)
    (tmp_path / "out").mkdir(mode=0o700, exist_ok=True)
    return write_inventory(tmp_path, {"example": host})


def test_restore_at_creation_on_another_cluster(mgmt_pair, moto_server, tmp_path):
    source, dest = mgmt_pair
    moto = moto_server
    src_hc, data, manifest = _backup_to_s3(source, moto, tmp_path)
    inv = _restore_inventory(tmp_path, dest, moto, manifest, _render(tmp_path))

    res = run("hostedcluster_etcd_restore", inv, env=moto.env)
    assert res.rc == 0, res

    new_hc = dest.hosted_handle("example", "clusters")
    hc_obj = dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters")
    urls = hc_obj["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]
    assert len(urls) == 3 and all("X-Amz-Signature=" in u and "X-Amz-Expires=900" in u for u in urls)
    assert "pausedUntil" not in hc_obj["spec"]
    # the same AES key as the source cluster, not the freshly rendered one
    assert encryption_secret(dest, new_hc)["data"]["key"] == encryption_secret(source, src_hc)["data"]["key"]
    # every key and value of the source, on every member of the new cluster
    for i in range(3):
        assert new_hc.etcd.get_all(KEY_PREFIX, member=new_hc.etcd.members[i]) == data
    # the review copy is private
    out = tmp_path / "out" / "hc-restore.yaml"
    assert out.stat().st_mode & 0o777 == 0o600

    # a re-run sees the cluster already restored from this backup and changes nothing
    res = run("hostedcluster_etcd_restore", inv, env=moto.env)
    assert res.rc == 0, res
    assert dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters")["metadata"]["uid"] == hc_obj["metadata"]["uid"]


def test_release_mismatch_is_refused(mgmt_pair, moto_server, tmp_path):
    source, dest = mgmt_pair
    _hc, _data, manifest = _backup_to_s3(source, moto_server, tmp_path)
    rendered = _render(tmp_path, release="quay.io/openshift-release-dev/ocp-release:4.15.2-x86_64")
    inv = _restore_inventory(tmp_path, dest, moto_server, manifest, rendered)
    res = run("hostedcluster_etcd_restore", inv, env=moto_server.env)
    assert res.rc != 0, res
    assert "The snapshot was taken on release 4.14.8" in res.output, res
    assert dest.get(HYPERSHIFT, "HostedCluster", "example", "clusters") is None
    assert dest.get("v1", "Secret", "example-etcd-encryption-key", "clusters") is None
