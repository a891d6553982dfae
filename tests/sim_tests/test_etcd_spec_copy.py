"""The operator copies the HostedCluster's etcd spec onto its HostedControlPlane, and the HCP's rules apply: an HCP
applied before the HostedCluster without the HostedCluster's restoreSnapshotURL cannot get it afterwards."""

import time

import pytest

from tests.harness.net import wait_for

from .test_sim_migration import HCP, _clean, _ns

URL = "https://127.0.0.1:1/snapshot.db"  # nothing listens: a download fails at once


def _storage(obj):
    return obj["spec"]["etcd"]["managed"]["storage"]


def _condition(mgmt, kind_api, name, ns, ctype):
    obj = mgmt.get(*kind_api, name, ns) or {}
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype), None)


@pytest.mark.parametrize("hcp_has_url", [False, True], ids=["hcp-without-url", "hcp-with-url"])
def test_hostedcluster_url_reaches_etcd_only_through_an_hcp_that_carries_it(mgmt_pair, hcp_has_url):
    source, destination = mgmt_pair
    hc = source.create_hosted_cluster(availability="SingleReplica", nodepools=0)
    hcp = _clean(source.get(*HCP, "example", hc.hcp_namespace))
    if hcp_has_url:
        _storage(hcp)["restoreSnapshotURL"] = [URL]
    destination.put(_ns("clusters"))
    destination.put(_ns(hc.hcp_namespace))
    destination.put(hcp)
    for obj in source.list("v1", "Secret", "clusters"):
        destination.put(_clean(obj))
    want = _clean(hc.object)
    _storage(want)["restoreSnapshotURL"] = [URL]
    destination.put(want)
    hc_api = ("hypershift.openshift.io/v1beta1", "HostedCluster")
    if hcp_has_url:
        # etcd is rendered and its init container tries the URL (and fails: nothing serves it)
        got = wait_for(lambda: _condition(destination, hc_api, "example", "clusters", "EtcdSnapshotRestored"), 30)
        assert got["status"] == "False" and "downloading the etcd snapshot" in got["message"], got
        assert _condition(destination, hc_api, "example", "clusters", "ReconciliationSucceeded") is None
    else:
        got = wait_for(lambda: _condition(destination, hc_api, "example", "clusters", "ReconciliationSucceeded"), 30)
        assert got["status"] == "False" and "restoreSnapshotURL" in got["message"], got
        time.sleep(0.5)
        assert destination.get("apps/v1", "StatefulSet", "etcd", hc.hcp_namespace) is None
        assert "restoreSnapshotURL" not in _storage(destination.get(*HCP, "example", hc.hcp_namespace))
