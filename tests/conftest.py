"""Shared pytest fixtures: real etcd with TLS, a moto server, and the installed collection."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.harness.ansible import collections_path
from tests.harness.diskclean import purge_idle_etcd_data
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


# Files whose tests take minutes (HA migrations and restores with real etcd), longest first. They are collected
# first and scripts/pytest.sh keeps that order (`--dist loadfile --no-loadscope-reorder`), so every worker starts
# on one and the short files fill in beside them, instead of the long ones running last with workers idle.
LONG_FIRST = (
    "tests/e2e/hostedcluster_migrate/test_migrate_faults.py",
    "tests/e2e/hostedcluster_migrate/test_migrate.py",
    "tests/e2e/hostedcluster/test_restore_in_place.py",
    "tests/e2e/hostedcluster/test_restore_at_creation.py",
    "tests/e2e/hostedcluster/test_backup_faults.py",
    "tests/e2e/hostedcluster/test_backup.py",
    "tests/e2e/hostedcluster_lifecycle/test_lifecycle.py",
    "tests/e2e/hostedcluster/test_backup_putback.py",
    "tests/e2e/ocp4/test_ocp4_disaster_recovery.py",
    "tests/e2e/hostedcluster/test_member_recover.py",
    "tests/e2e/hostedcluster_upgrade/test_upgrade.py",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: the order within each file and among the other files is kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test of a file (its fixtures are gone by then), free the disk its etcd members held."""
    yield
    if nextitem is None or nextitem.path != item.path:
        purge_idle_etcd_data(str(item.config._tmp_path_factory.getbasetemp()))
