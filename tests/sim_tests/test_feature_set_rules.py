"""HostedCluster spec.configuration.featureGate.featureSet: the enum and the CEL rules that make the NoUpgrade
feature sets irreversible, as a real API server applies them on every write."""

import pytest

from tests.sim.errors import ApiError
from tests.sim.resources import lookup

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")


def _set(mgmt, value):
    hc = mgmt.get(*HC, "fs", "clusters")
    hc["spec"].setdefault("configuration", {})["featureGate"] = {"featureSet": value}
    return mgmt.store.update(lookup(*HC), hc, "clusters", "fs", check_rv=False)


def test_feature_set_enum_and_irreversible_sets(mgmt_cluster):
    mgmt_cluster.create_hosted_cluster(name="fs", namespace="clusters", availability="SingleReplica", wait=False)
    with pytest.raises(ApiError) as bad:
        _set(mgmt_cluster, "TechPreview")
    assert "featureSet" in str(bad.value.message)
    _set(mgmt_cluster, "")
    _set(mgmt_cluster, "TechPreviewNoUpgrade")
    with pytest.raises(ApiError) as back:
        _set(mgmt_cluster, "")
    assert "TechPreviewNoUpgrade may not be changed" in str(back.value.message)
    hc = mgmt_cluster.get(*HC, "fs", "clusters")
    assert hc["spec"]["configuration"]["featureGate"]["featureSet"] == "TechPreviewNoUpgrade"
    hc["spec"]["configuration"]["oauth"] = {"identityProviders": [{"name": "x", "type": "HTPasswd"}]}
    mgmt_cluster.store.update(lookup(*HC), hc, "clusters", "fs", check_rv=False)  # the other sections are kept as sent
