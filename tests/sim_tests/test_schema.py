# ruff: noqa: E501 - one parametrized case a line
"""The simulated API server refuses what the real one with the HyperShift CRDs refuses (422 Invalid).

One management cluster for the module; every HostedCluster is created paused, so the operator
stand-in renders nothing and each test costs only API calls.
"""

import copy
import json

import pytest
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException

from tests.sim.cluster import ManagementCluster
from tests.sim.objects import hosted_cluster_objects

GROUP, VERSION, NS = "hypershift.openshift.io", "v1beta1", "clusters"
IMAGE = "quay.io/openshift-release-dev/ocp-release:4.15.1-x86_64"
URL = "https://backups.s3.us-east-1.amazonaws.com/etcd-0-snapshot.db?X-Amz-Signature=abc"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    mgmt = ManagementCluster(str(tmp_path_factory.mktemp("schema")), name="schema").start()
    try:
        yield client.CustomObjectsApi(config.new_client_from_config(mgmt.kubeconfig, context="schema"))
    finally:
        mgmt.stop()


_COUNTER = iter(range(10000))


def _objects(availability="HighlyAvailable", **kw):
    name = "hc%d" % next(_COUNTER)
    objs = hosted_cluster_objects(name, NS, availability, IMAGE, 1, True, "example.com", paused_until="true", **kw)
    hc = next(o for o in objs if o["kind"] == "HostedCluster")
    np_ = next(o for o in objs if o["kind"] == "NodePool")
    np_["spec"]["pausedUntil"] = "true"
    return hc, np_


def _create(api, obj):
    plural = obj["kind"].lower() + "s"
    return api.create_namespaced_custom_object(GROUP, VERSION, NS, plural, obj)


def _patch(api, obj, patch):
    plural = obj["kind"].lower() + "s"
    return api.patch_namespaced_custom_object(GROUP, VERSION, NS, plural, obj["metadata"]["name"], patch)


def _refused(call, *args):
    with pytest.raises(ApiException) as err:
        call(*args)
    assert err.value.status == 422, err.value.body
    status = json.loads(err.value.body)
    assert status["reason"] == "Invalid"
    return status


def _storage(hc):
    return hc["spec"]["etcd"]["managed"]["storage"]


def test_factory_objects_are_accepted_and_defaulted(api):
    hc, np_ = _objects()
    hc["spec"]["notAField"] = "pruned"
    del hc["spec"]["controllerAvailabilityPolicy"], hc["spec"]["etcd"]
    created = _create(api, hc)
    spec = created["spec"]
    assert spec["controllerAvailabilityPolicy"] == "HighlyAvailable"
    assert spec["etcd"] == {
        "managementType": "Managed",
        "managed": {"storage": {"type": "PersistentVolume", "persistentVolume": {"size": "8Gi"}}},
    }
    assert spec["olmCatalogPlacement"] == "management" and spec["capabilities"] == {}
    assert "notAField" not in spec
    del np_["spec"]["arch"], np_["spec"]["management"]["replace"]
    np_spec = _create(api, np_)["spec"]
    assert np_spec["arch"] == "amd64"
    assert np_spec["management"]["replace"] == {
        "strategy": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_three_restore_urls_are_refused_for_an_ha_cluster(api):
    hc, _np = _objects()
    _storage(hc)["restoreSnapshotURL"] = [URL, URL + "1", URL + "2"]
    status = _refused(_create, api, hc)
    name = hc["metadata"]["name"]
    assert status["message"].startswith('HostedCluster.hypershift.openshift.io "%s" is invalid: [' % name)
    assert "spec.etcd.managed.storage.restoreSnapshotURL: Too many: 3: must have at most 1 items" in status["message"]
    assert "RestoreSnapshotURL shouldn't contain more than 1 entry" in status["message"]
    fields = {c["field"] for c in status["details"]["causes"]}
    assert fields == {"spec.etcd.managed.storage.restoreSnapshotURL"}
    _storage(hc)["restoreSnapshotURL"] = [URL]
    assert _storage(_create(api, hc))["restoreSnapshotURL"] == [URL]


@pytest.mark.parametrize("url", ["http://moto:5000/b/k", "ftp://x/y", "backups/etcd.db"])
def test_restore_url_scheme_must_be_https_or_s3(api, url):
    hc, _np = _objects()
    _storage(hc)["restoreSnapshotURL"] = [url]
    status = _refused(_create, api, hc)
    assert "restoreSnapshotURL must be a valid URL with scheme https or s3" in status["message"]


@pytest.mark.parametrize(
    ("patch", "field", "message"),
    [
        ({"spec": {"controllerAvailabilityPolicy": "SingleReplica"}}, "spec.controllerAvailabilityPolicy", "ControllerAvailabilityPolicy is immutable"),
        (
            {"spec": {"etcd": {"managed": {"storage": {"restoreSnapshotURL": [URL]}}}}},
            "spec.etcd.managed.storage",
            "restoreSnapshotURL cannot be added or removed after creation",
        ),
        ({"spec": {"etcd": {"managementType": "Unmanaged"}}}, "spec.etcd.managementType", "managementType is immutable"),
        (
            {"spec": {"etcd": {"managed": {"storage": {"persistentVolume": {"size": "16Gi"}}}}}},
            "spec.etcd.managed.storage.persistentVolume.size",
            "Etcd PV storage size is immutable",
        ),
        ({"spec": {"secretEncryption": None}}, "spec", "secretEncryption cannot be removed once configured"),
        ({"spec": {"platform": {"type": "None"}}}, "spec.platform.type", "Type is immutable"),
        ({"spec": {"infraID": "other"}}, "spec.infraID", "infraID is immutable"),
        ({"spec": {"infraID": None}}, "<nil>", "infraID cannot be removed once set"),
        ({"spec": {"dns": {"baseDomain": "example.org"}}}, "spec.dns.baseDomain", "baseDomain is immutable"),
        ({"spec": {"services": None}}, "spec.services", "Required value"),
    ],
)  # fmt: skip
def test_immutable_hosted_cluster_fields(api, patch, field, message):
    hc, _np = _objects()
    _create(api, hc)
    status = _refused(_patch, api, hc, patch)
    assert any(c["field"] == field and message in c["message"] for c in status["details"]["causes"]), status


def test_restore_url_is_immutable_once_set(api):
    hc, _np = _objects()
    _storage(hc)["restoreSnapshotURL"] = [URL]
    _create(api, hc)
    status = _refused(
        _patch, api, hc, {"spec": {"etcd": {"managed": {"storage": {"restoreSnapshotURL": [URL + "x"]}}}}}
    )
    assert "restoreSnapshotURL is immutable" in status["message"]
    status = _refused(_patch, api, hc, {"spec": {"etcd": {"managed": {"storage": {"restoreSnapshotURL": None}}}}})
    assert "restoreSnapshotURL cannot be added or removed after creation" in status["message"]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"spec": {"management": {"upgradeType": "InPlace"}}}, "UpgradeType is immutable"),
        ({"spec": {"clusterName": "other"}}, "ClusterName is immutable"),
        ({"spec": {"arch": "arm64"}}, "Arch is immutable"),
        ({"spec": {"autoScaling": {"min": 1, "max": 2}}}, "Both replicas or autoScaling should not be set"),
        ({"spec": {"platform": {"aws": {"rootVolume": {"size": 4}}}}}, "should be greater than or equal to 8"),
    ],
)
def test_nodepool_rules(api, patch, message):
    hc, np_ = _objects()
    _create(api, hc)
    _create(api, np_)
    status = _refused(_patch, api, np_, patch)
    assert message in status["message"], status


@pytest.mark.parametrize("value", ["tomorrow", "2026-13", "2026-01-01 10:00:00Z"])
def test_paused_until_must_pass_the_pattern(api, value):
    hc, np_ = _objects()
    _create(api, hc)
    _create(api, np_)
    msg = "PausedUntil must be a date in RFC3339 format or 'True', 'true', 'False' or 'false'"
    for obj in (hc, np_):
        status = _refused(_patch, api, obj, {"spec": {"pausedUntil": value}})
        assert 'spec.pausedUntil: Invalid value: "string": ' + msg in status["message"]


def test_paused_until_that_passes_the_pattern_is_accepted(api):
    hc, _np = _objects()
    _create(api, hc)
    out = _patch(api, hc, {"spec": {"pausedUntil": "2026-01-01T00:00:00+0100"}})  # not RFC 3339, yet accepted
    assert out["spec"]["pausedUntil"] == "2026-01-01T00:00:00+0100"


def test_wrong_enum_missing_required_and_too_long(api):
    hc, _np = _objects()
    bad = copy.deepcopy(hc)
    bad["spec"]["controllerAvailabilityPolicy"] = "Triple"
    status = _refused(_create, api, bad)
    supported = 'supported values: "HighlyAvailable", "SingleReplica"'
    assert status["message"].endswith('spec.controllerAvailabilityPolicy: Unsupported value: "Triple": ' + supported)
    assert status["details"]["causes"][0]["reason"] == "FieldValueNotSupported"
    bad = copy.deepcopy(hc)
    del bad["spec"]["release"]
    assert _refused(_create, api, bad)["message"].endswith("spec.release: Required value")
    bad = copy.deepcopy(hc)
    bad["spec"]["channel"] = "stable-" + "4" * 100
    assert _refused(_create, api, bad)["message"].endswith("spec.channel: Too long: may not be more than 100 bytes")
    bad = copy.deepcopy(hc)
    bad["spec"]["secretEncryption"] = {"aescbc": {"activeKey": {"name": "k"}}}
    assert _refused(_create, api, bad)["message"].endswith("spec.secretEncryption.type: Required value")
    bad = copy.deepcopy(hc)
    bad["spec"]["services"] = bad["spec"]["services"][:3]
    assert (
        "spec.services in body should have at least 4 items or 3 for IBMCloud" in _refused(_create, api, bad)["message"]
    )


def test_json_patch_and_replace_are_validated(api):
    hc, _np = _objects()
    created = _create(api, hc)
    name = hc["metadata"]["name"]
    hcs = dynamic.DynamicClient(api.api_client).resources.get(
        api_version="%s/%s" % (GROUP, VERSION), kind="HostedCluster"
    )
    with pytest.raises(ApiException) as err:
        hcs.patch(
            name=name,
            namespace=NS,
            body=[{"op": "replace", "path": "/spec/controllerAvailabilityPolicy", "value": "SingleReplica"}],
            content_type="application/json-patch+json",
        )
    assert err.value.status == 422 and "ControllerAvailabilityPolicy is immutable" in str(err.value.body)
    created = api.get_namespaced_custom_object(GROUP, VERSION, NS, "hostedclusters", name)
    created["spec"]["etcd"]["managementType"] = "Unmanaged"
    with pytest.raises(ApiException) as err:
        api.replace_namespaced_custom_object(GROUP, VERSION, NS, "hostedclusters", name, created)
    assert err.value.status == 422 and "managementType is immutable" in err.value.body


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("issuerURL",), "not a url", "issuerURL must be a valid absolute URL"),
        (("clusterID",), "x" * 36, "clusterID must be an RFC4122 UUID value"),
        (("infraID",), "Bad_ID", "infraID must consist of lowercase alphanumeric characters"),
        (("dns", "baseDomain"), "-bad-.", "baseDomain must be a valid domain name"),
        (
            ("networking", "serviceNetwork"),
            [{"cidr": "10.132.0.0/14"}],
            "CIDR ranges in machineNetwork, clusterNetwork, and serviceNetwork must be unique and non-overlapping",
        ),
        (("etcd", "managed"), None, "Only managed configuration must be set when managementType is Managed"),
        (("release", "image"), " spaced", "Image must start with a word character"),
        (("platform", "type"), "GCP", 'Unsupported value: "GCP"'),
    ],
)
def test_creation_rules(api, path, value, message):
    hc, _np = _objects()
    node = hc["spec"]
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    status = _refused(_create, api, hc)
    assert message in status["message"], status


def test_services_are_immutable(api):
    hc, _np = _objects()
    _create(api, hc)
    services = copy.deepcopy(hc["spec"]["services"])
    services[0]["servicePublishingStrategy"]["route"]["hostname"] = "api2.example.com"
    status = _refused(_patch, api, hc, {"spec": {"services": services}})
    assert "Services is immutable. Changes might result in unpredictable and disruptive behavior." in status["message"]
