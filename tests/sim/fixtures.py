"""pytest fixtures: `mgmt_cluster` and `mgmt_pair` (loaded by tests/conftest.py via pytest_plugins)."""

import pytest

from .cluster import ManagementCluster


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
