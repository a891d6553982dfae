"""Shared pytest fixtures: real etcd with TLS, a moto server, and the installed collection."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.harness.ansible import collections_path
from tests.harness.etcd import EtcdCluster
from tests.harness.moto import MotoServer


@pytest.fixture(scope="session")
def installed_collection():
    return collections_path()


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server):
    """The shared moto server, emptied before the test."""
    moto_server.reset()
    return moto_server


@pytest.fixture
def etcd_tls(tmp_path):
    """A single real etcd member with client and peer TLS."""
    cluster = EtcdCluster(str(tmp_path / "etcd"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


pytest_plugins = ["tests.sim.fixtures"]
