"""Fixtures for the hosted-cluster etcd end-to-end tests (on the simulated management cluster)."""

import pytest

from tests.harness.etcd import seed_keys

from .helpers import KEY_PREFIX

BUCKET = "hc-backups"


@pytest.fixture
def ha_cluster(mgmt_cluster):
    """A HighlyAvailable hosted cluster (3 etcd members, AES-CBC encryption) holding 3000 keys."""
    hc = mgmt_cluster.create_hosted_cluster(
        name="example", namespace="clusters", availability="HighlyAvailable", nodepools=1, encryption=True
    )
    data = seed_keys(3000, prefix=KEY_PREFIX)
    hc.etcd.put_many(data)
    return hc, {k.encode(): v for k, v in data.items()}


@pytest.fixture
def bucket(moto):
    moto.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET
