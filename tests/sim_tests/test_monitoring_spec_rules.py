"""HostedCluster spec.monitoring as the real CRD checks it (MonitoringSpec): at least one field, the metricsSet and
metricsForwarding.mode enums, mode required with metricsForwarding. hostedcluster_monitoring writes this field."""

import pytest

from tests.sim.errors import ApiError
from tests.sim.resources import lookup

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")


def _set(mgmt, value):
    hc = mgmt.get(*HC, "mon", "clusters")
    hc["spec"]["monitoring"] = value
    return mgmt.store.update(lookup(*HC), hc, "clusters", "mon", check_rv=False)


@pytest.mark.parametrize(
    "value, word",
    [
        ({}, "at least 1"),
        ({"metricsSet": "Everything"}, "metricsSet"),
        ({"metricsForwarding": {"metricsSet": "SRE"}}, "mode"),
        ({"metricsForwarding": {"mode": "Push"}}, "mode"),
    ],
)
def test_monitoring_refused_as_the_crd_refuses(mgmt_cluster, value, word):
    mgmt_cluster.create_hosted_cluster(name="mon", namespace="clusters", availability="SingleReplica", wait=False)
    with pytest.raises(ApiError) as bad:
        _set(mgmt_cluster, value)
    assert word in str(bad.value.message)


def test_monitoring_accepted(mgmt_cluster):
    mgmt_cluster.create_hosted_cluster(name="mon", namespace="clusters", availability="SingleReplica", wait=False)
    _set(mgmt_cluster, {"metricsSet": "SRE", "metricsForwarding": {"mode": "Forward", "metricsSet": "Telemetry"}})
    assert mgmt_cluster.get(*HC, "mon", "clusters")["spec"]["monitoring"]["metricsForwarding"]["mode"] == "Forward"
