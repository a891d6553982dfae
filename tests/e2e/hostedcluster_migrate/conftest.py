"""Fixtures for the hosted-cluster migration tests: one pair of simulated management clusters per test module.

`pair` (module scope) holds the source and destination management clusters, the shared moto server (emptied
once for the module), the bucket and the HTTPS front to S3 that the destination's operator trusts (a
restoreSnapshotURL must be https). `pair.hosted_cluster(name, keys)` creates an HA hosted cluster with
encryption on the source and seeds keys; `pair.migrate(hc, tmp_path, **vars)` runs the playbook as users do.
Each test that migrates uses its own hosted cluster name, so tests of one module share the pair.
"""

import os

import pytest

from tests.e2e.hostedcluster.helpers import run, write_inventory
from tests.harness.etcd import seed_keys
from tests.sim import fileserver
from tests.sim.cluster import ManagementCluster

BUCKET = "hc-migrations"
KEY_PREFIX = "/kubernetes.io/e2e/"
HYPERSHIFT = "hypershift.openshift.io/v1beta1"
TXN_OPS = 100  # puts per etcd transaction (etcd's --max-txn-ops is 128 by default)


def s3_front(moto):
    """An HTTPS front to moto (its CA trusted by the operator stand-in); call .start() and .stop()."""
    return fileserver.HttpsFront(target=moto.endpoint_url)


class Pair:
    def __init__(self, source, destination, moto, https):
        self.source = source
        self.destination = destination
        self.moto = moto
        self.https = https
        self.bucket = BUCKET

    @property
    def env(self):
        """AWS environment for the playbook: moto's fake credentials, S3 and Route53 through the HTTPS front."""
        return dict(self.moto.env, **self.https.env)

    def hosted_cluster(self, name="example", keys=0, availability="HighlyAvailable", **kw):
        """An HA hosted cluster with AES-CBC encryption on the source; returns (handle, {key bytes: value})."""
        hc = self.source.create_hosted_cluster(
            name=name, namespace="clusters", availability=availability, nodepools=1, encryption=True, **kw
        )
        data = seed_keys(keys, prefix=KEY_PREFIX + name + "/") if keys else {}
        if data:
            hc.etcd.put_many(data, per_txn=TXN_OPS)
        return hc, {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in data.items()}

    def host_vars(self, hc, tmp_path, **extra):
        host = {
            "hostedcluster_migrate_name": hc.name,
            "hostedcluster_migrate_namespace": hc.namespace,
            "hostedcluster_migrate_source_kubeconfig": self.source.kubeconfig,
            "hostedcluster_migrate_destination_kubeconfig": self.destination.kubeconfig,
            "hostedcluster_migrate_s3_bucket": self.bucket,
            "hostedcluster_migrate_s3_endpoint_url": self.https.endpoint_url,
            "hostedcluster_migrate_s3_ca_bundle": self.https.ca_cert,
            "hostedcluster_migrate_backup_dir": os.path.join(str(tmp_path), "migrate"),
            "hostedcluster_migrate_confirm": True,
            "hostedcluster_migrate_wait_timeout": 180,
            "hostedcluster_migrate_dns_timeout": 120,
            "hostedcluster_migrate_nodes_timeout": 120,
            "hostedcluster_migrate_presign_expiry": 900,
        }
        host.update(extra)
        return host

    def migrate(self, hc, tmp_path, check=False, verbosity=0, inventory_name="inventory.yml", **extra):
        """Run ocp.day2.hostedcluster_migrate for hc (one inventory host) and return the PlaybookResult."""
        inv = write_inventory(tmp_path, {hc.name: self.host_vars(hc, tmp_path, **extra)}, name=inventory_name)
        return run("hostedcluster_migrate", inv, env=self.env, check=check, verbosity=verbosity)

    def state(self, hc):
        """The progress record (migration.json) in S3, or None."""
        import json

        key = "hostedcluster-migrate/%s/%s/migration.json" % (hc.namespace, hc.name)
        s3 = self.moto.client("s3")
        try:
            return json.loads(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None


@pytest.fixture(scope="module")
def pair(tmp_path_factory, moto_server):
    """(module scope) Source and destination management clusters, the bucket, the HTTPS S3 front."""
    moto_server.reset()
    base = tmp_path_factory.mktemp("migrate")
    source = ManagementCluster(str(base / "mgmt-src"), moto=moto_server, name="mgmt-src")
    destination = ManagementCluster(str(base / "mgmt-dst"), moto=moto_server, name="mgmt-dst")
    front = s3_front(moto_server).start()
    try:
        source.start()
        destination.start()
        moto_server.client("s3").create_bucket(Bucket=BUCKET)
        yield Pair(source, destination, moto_server, front)
    finally:
        destination.stop()
        source.stop()
        front.stop()


@pytest.fixture
def clean_faults(pair):
    """Clear injected faults of both clusters before and after a test."""
    pair.source.faults.clear()
    pair.destination.faults.clear()
    yield pair
    pair.source.faults.clear()
    pair.destination.faults.clear()
