"""pytest fixtures: `mgmt_cluster` and `mgmt_pair` (loaded by tests/conftest.py via pytest_plugins)."""

import pytest

from .cluster import ManagementCluster
from .fileserver import HttpsFront


@pytest.fixture
def mgmt_cluster(tmp_path, moto):
    """A started management cluster (no HostedCluster yet) using the session's moto server.

    It takes the `moto` fixture (the session server, emptied once per test), so a test may also ask
    for `moto` or create buckets before or after this fixture without losing them.
    """
    mgmt = ManagementCluster(str(tmp_path / "mgmt-a"), moto=moto, name="mgmt-a")
    try:
        yield mgmt.start()
    finally:
        mgmt.stop()


@pytest.fixture
def mgmt_pair(tmp_path, moto):
    """(source, destination): two management clusters sharing the session's moto server (emptied per test)."""
    source = ManagementCluster(str(tmp_path / "mgmt-src"), moto=moto, name="mgmt-src")
    destination = ManagementCluster(str(tmp_path / "mgmt-dst"), moto=moto, name="mgmt-dst")
    try:
        source.start()
        destination.start()
        yield source, destination
    finally:
        destination.stop()
        source.stop()


@pytest.fixture(scope="session")
def moto_https(moto_server):
    """An HTTPS front to the session's moto server (its own CA, trusted by the operator stand-in).

    A restoreSnapshotURL must be https: presign through `moto_https.endpoint_url` (boto3 with
    `verify=moto_https.ca_cert`, or amazon.aws with the environment `moto_https.env`).
    """
    front = HttpsFront(target=moto_server.endpoint_url).start()
    try:
        yield front
    finally:
        front.stop()
