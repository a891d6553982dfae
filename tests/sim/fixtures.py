"""pytest fixtures: `mgmt_cluster` and `mgmt_pair` (loaded by tests/conftest.py via pytest_plugins)."""

import pytest

from .cluster import ManagementCluster


@pytest.fixture
def mgmt_cluster(tmp_path, moto_server):
    """A started management cluster (no HostedCluster yet) using the session's moto server."""
    moto_server.reset()
    mgmt = ManagementCluster(str(tmp_path / "mgmt-a"), moto=moto_server, name="mgmt-a")
    try:
        yield mgmt.start()
    finally:
        mgmt.stop()


@pytest.fixture
def mgmt_pair(tmp_path, moto_server):
    """(source, destination): two management clusters sharing the session's moto server."""
    moto_server.reset()
    source = ManagementCluster(str(tmp_path / "mgmt-src"), moto=moto_server, name="mgmt-src")
    destination = ManagementCluster(str(tmp_path / "mgmt-dst"), moto=moto_server, name="mgmt-dst")
    try:
        source.start()
        destination.start()
        yield source, destination
    finally:
        destination.stop()
        source.stop()
