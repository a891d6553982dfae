"""One hosted cluster for the whole lifecycle module: configured, scaled to zero and back, gathered, deleted."""

import pytest

from tests.harness.net import wait_for
from tests.sim.cluster import ManagementCluster


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    """(mgmt, hc): a SingleReplica hosted cluster `life` with 2 NodePools of 1 node each (no Route53 modelled)."""
    mgmt = ManagementCluster(str(tmp_path_factory.mktemp("mgmt-life")), name="mgmt-life")
    mgmt.config_seconds = 0.5  # a config rollout takes this long in the NodePool stand-in
    try:
        mgmt.start()
        hc = mgmt.create_hosted_cluster(name="life", availability="SingleReplica", nodepools=2, replicas=1)
        wait_for(lambda: len(mgmt.guest(hc).nodes()) == 2, timeout=30, interval=0.1, what="2 nodes")
        yield mgmt, hc
    finally:
        mgmt.stop()
