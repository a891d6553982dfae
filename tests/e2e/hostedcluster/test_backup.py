"""hostedcluster_etcd_backup end to end: disk and S3, manifest, permissions, check mode, secrets in -vvv.

One management cluster and one HA hosted cluster for the module; ONE real backup (disk + S3, -vvv --diff) is read
by two tests, check mode runs on the same cluster. Several clusters in one run (forks=2, one SingleReplica, one
HighlyAvailable by the API's default) are backed up in tests/e2e/inventory/test_fleet_backup.py.
"""

import base64
import hashlib
import json
import os
from types import SimpleNamespace

import pytest
import yaml

from tests.harness.etcd import restore_snapshot, seed_keys

from .helpers import (
    KEY_PREFIX,
    assert_private_tree,
    backup_host,
    cluster_state,
    encryption_secret,
    find_manifests,
    load_json,
    run,
    write_inventory,
)

BUCKET = "hc-backups-eu"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def cluster(shared_mgmt):
    """The module's HighlyAvailable hosted cluster (3 etcd members, AES-CBC encryption) holding 3000 keys."""
    hc = shared_mgmt.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    data = seed_keys(3000, prefix=KEY_PREFIX)
    hc.etcd.put_many(data, per_txn=100)  # the same keys, 30 raft entries instead of 3000
    return hc, {k.encode(): v for k, v in data.items()}


@pytest.fixture(scope="module")
def verbose_backup(shared_mgmt, moto_server, cluster, tmp_path_factory):
    """ONE real backup to disk and S3, run with -vvv --diff, that the tests below all read.

    Connection settings are said once, as the collection-wide ocp_day2_* variables, AWS credentials included and
    none in the environment (so the run must hand them to every AWS call itself); the bucket is not where the AWS
    client starts (us-east-1), and the manifest must record where it really is.
    """
    hc, _data = cluster
    moto_server.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    work = tmp_path_factory.mktemp("verbose-backup")
    before = cluster_state(shared_mgmt, hc)
    host = {
        "hostedcluster_etcd_backup_name": hc.name,
        "hostedcluster_etcd_backup_namespace": hc.namespace,
        "hostedcluster_etcd_backup_dir": str(work / "backups"),
        "hostedcluster_etcd_backup_s3_bucket": BUCKET,
    }
    env = moto_server.env
    group = {
        "ocp_day2_kubeconfig": shared_mgmt.kubeconfig,
        "ocp_day2_aws_endpoint_url": moto_server.endpoint_url,
        "ocp_day2_aws_region": "us-east-1",
        "ocp_day2_aws_access_key": env["AWS_ACCESS_KEY_ID"],
        "ocp_day2_aws_secret_key": env["AWS_SECRET_ACCESS_KEY"],
    }
    inv = write_inventory(work, {hc.name: host}, group_vars=group)
    clean_env = dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "")
    res = run("hostedcluster_etcd_backup", inv, env=dict(env, **clean_env), verbosity=3, diff=True)
    return SimpleNamespace(res=res, before=before, backups=work / "backups", work=work)


def test_backup_to_disk_and_s3(shared_mgmt, moto_server, cluster, verbose_backup):
    mgmt_cluster, s3 = shared_mgmt, moto_server.client("s3")
    hc, data = cluster
    res, before, backups = verbose_backup.res, verbose_backup.before, verbose_backup.backups
    tmp_path = verbose_backup.work
    assert res.rc == 0, res

    # the cluster is back exactly as found: pause, replicas, no record left
    assert cluster_state(mgmt_cluster, hc) == before
    assert before["replicas"]["kube-apiserver"] > 0

    manifests = find_manifests(backups)
    assert len(manifests) == 1
    manifest = load_json(manifests[0])
    run_dir = os.path.dirname(manifests[0])
    assert manifest["cluster"] == "example" and manifest["namespace"] == "clusters"
    assert manifest["release"]["version"] == hc.object["status"]["version"]["desired"]["version"]
    assert [m["member"] for m in manifest["members"]] == ["etcd-0", "etcd-1", "etcd-2"]
    assert manifest["availability"] == "HighlyAvailable"
    assert all(m["restore_tested"] for m in manifest["members"])
    assert_private_tree(backups)
    files = [m["file"] for m in manifest["members"]] + [k["file"] for k in manifest["encryption"]["keys"]]
    assert sorted(os.listdir(run_dir)) == sorted(files + ["manifest.json"])

    for member in manifest["members"]:
        path = os.path.join(run_dir, member["file"])
        assert os.path.getsize(path) == member["bytes"]
        assert sha256_file(path) == member["sha256"]
        assert member["total_keys"] >= len(data)
        body = s3.get_object(Bucket=BUCKET, Key=member["s3"]["key"])["Body"].read()
        assert hashlib.sha256(body).hexdigest() == member["sha256"]
        # every key and value written before the backup is in every member's snapshot
        restored = restore_snapshot(path, str(tmp_path / ("restored-" + member["member"])))
        try:
            assert restored.get_all(KEY_PREFIX) == data
        finally:
            restored.stop()

    # the encryption key secret is saved beside the snapshots, on disk and in S3, and matches the cluster's
    secret = encryption_secret(mgmt_cluster, hc)
    [key] = manifest["encryption"]["keys"]
    assert key["secret"] == secret["metadata"]["name"] and key["role"] == "active"
    assert key["namespace"] == "clusters" and key["file"] == key["secret"] + ".secret.json"
    with open(os.path.join(run_dir, key["file"]), "rb") as f:
        text = f.read()
    assert hashlib.sha256(text).hexdigest() == key["sha256"] and len(text) == key["bytes"]
    assert hashlib.md5(text).hexdigest() == key["md5"]
    saved = json.loads(text)
    assert saved == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": secret["metadata"]["name"], "namespace": "clusters"},
        "type": secret.get("type") or "Opaque",
        "data": secret["data"],
    }
    prefix = manifest["destinations"]["s3_prefix"]
    in_s3 = s3.get_object(Bucket=BUCKET, Key=prefix + "/" + key["file"])
    assert in_s3["Body"].read() == text and in_s3["ServerSideEncryption"] == "AES256"
    assert yaml.safe_load(s3.get_object(Bucket=BUCKET, Key=prefix + "/manifest.json")["Body"].read()) == manifest
    with open(manifests[0]) as f:
        assert "presigned_url" not in f.read()
    # the bucket's real region, for presigning at restore time (etcd_snapshot reports it in artifact s3.region)
    assert {m["s3"]["region"] for m in manifest["members"]} == {"eu-west-1"}
    assert manifest["destinations"]["s3_region"] == "eu-west-1"


def test_no_secret_in_verbose_output(shared_mgmt, moto_server, cluster, verbose_backup):
    """-vvv --diff of the run above shows no key material, no AWS secret key and no kubeconfig client key."""
    res = verbose_backup.res
    assert res.rc == 0, res
    out = res.output
    hc, _data = cluster
    secret = encryption_secret(shared_mgmt, hc)
    key_b64 = secret["data"]["key"]
    assert len(key_b64) >= 16
    assert key_b64 not in out
    assert base64.b64decode(key_b64).hex() not in out
    assert moto_server.env["AWS_SECRET_ACCESS_KEY"] not in out
    with open(shared_mgmt.kubeconfig) as f:
        kubeconfig = yaml.safe_load(f)
    client_key = kubeconfig["users"][0]["user"]["client-key-data"]
    assert client_key not in out
    pem_lines = [ln for ln in base64.b64decode(client_key).decode().splitlines() if ln and not ln.startswith("-----")]
    assert all(ln not in out for ln in pem_lines)
    # the run did handle the key (so the absence above means something): the snapshot task saved it, reporting
    # only its name and checksums
    name = secret["metadata"]["name"]
    assert '"secrets": [' in out and '"%s"' % name in out and name + ".secret.json" in out


def test_check_mode_changes_nothing(shared_mgmt, moto_server, cluster, tmp_path):
    """--check --diff: nothing changes on the cluster, on disk or in S3."""
    hc, _data = cluster
    bucket = "hc-backups-check"
    moto_server.client("s3").create_bucket(Bucket=bucket)
    before = cluster_state(shared_mgmt, hc)
    backups = tmp_path / "backups"
    inv = write_inventory(
        tmp_path,
        {
            hc.name: backup_host(
                hc,
                shared_mgmt,
                hostedcluster_etcd_backup_dir=str(backups),
                hostedcluster_etcd_backup_s3_bucket=bucket,
                hostedcluster_etcd_backup_s3_endpoint_url=moto_server.endpoint_url,
            )
        },
    )
    res = run("hostedcluster_etcd_backup", inv, env=moto_server.env, check=True, diff=True)
    assert res.rc == 0, res
    assert "changed=" in res.stdout
    assert cluster_state(shared_mgmt, hc) == before
    assert not backups.exists() or find_manifests(backups) == []
    assert moto_server.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
