"""Metadata rules every API server applies to every kind, over HTTP with the kubernetes client (sim/metadata.py)."""

import pytest
from kubernetes import config, dynamic
from kubernetes.client.rest import ApiException

GOOD = {"ocp.day2/migration-id": "20261126T124141Z", "app": "x"}


@pytest.fixture
def configmaps(mgmt_cluster):
    api = config.new_client_from_config(mgmt_cluster.kubeconfig, context=mgmt_cluster.name)
    return dynamic.DynamicClient(api).resources.get(api_version="v1", kind="ConfigMap")


def _cm(name, **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": dict(name=name, **meta), "data": {}}


@pytest.mark.parametrize(
    "meta, words",
    [
        ({"labels": {"ocp.day2/migration-id": "clusters/example"}}, "valid label value"),
        ({"labels": {"ocp.day2/migration-id": "x" * 64}}, "valid label value"),
        ({"labels": {"Bad_Prefix/x": "1"}}, "prefix part"),
        ({"labels": {"ocp.day2/": "1"}}, "name part"),
        ({"annotations": {"ocp.day2/prior state": "{}"}}, "name part"),
        ({"annotations": {"ocp.day2/record": "x" * (256 * 1024)}}, "Too long"),
        ({"finalizers": ["example.com/has space"]}, "name part"),
    ],
    ids=["value-slash", "value-64", "prefix", "empty-name", "annotation-key", "annotations-size", "finalizer"],
)
def test_bad_metadata_is_refused_on_create_and_update(configmaps, meta, words):
    with pytest.raises(ApiException) as err:
        configmaps.create(body=_cm("bad", **meta), namespace="default")
    assert err.value.status == 422 and words in err.value.body
    configmaps.create(body=_cm("good", labels=GOOD), namespace="default")
    with pytest.raises(ApiException) as err:
        configmaps.patch(body={"metadata": meta}, name="good", namespace="default",
                         content_type="application/merge-patch+json")  # fmt: skip
    assert err.value.status == 422 and words in err.value.body


def test_labels_and_annotations_the_collection_writes_are_accepted(configmaps):
    made = configmaps.create(
        body=_cm("ok", labels=GOOD, annotations={"ocp.day2/migration-prior-state": '{"replicas": {}}'}),
        namespace="default",
    )
    assert made.metadata.labels["ocp.day2/migration-id"] == "20261126T124141Z"
