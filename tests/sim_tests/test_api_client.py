"""The simulated API server through the `kubernetes` Python client, as kubernetes.core uses it."""

import time

import pytest
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException

from tests.sim.objects import hosted_cluster_objects


@pytest.fixture
def api(mgmt_cluster):
    return config.new_client_from_config(mgmt_cluster.kubeconfig, context="mgmt-a")


@pytest.fixture
def dyn(api):
    return dynamic.DynamicClient(api)


def _deployment(name, replicas=1, labels=None):
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
        },
    }


def test_discovery_serves_core_and_custom_kinds(dyn):
    for api_version, kind in [
        ("v1", "Namespace"),
        ("v1", "PersistentVolumeClaim"),
        ("apps/v1", "StatefulSet"),
        ("route.openshift.io/v1", "Route"),
        ("hypershift.openshift.io/v1beta1", "HostedCluster"),
        ("hypershift.openshift.io/v1beta1", "NodePool"),
        ("cluster.x-k8s.io/v1beta1", "MachineDeployment"),
        ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachine"),
        ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ]:
        assert dyn.resources.get(api_version=api_version, kind=kind).kind == kind
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.subresources["scale"].kind == "Scale"
    with pytest.raises(Exception, match="No matches"):
        dyn.resources.get(api_version="example.com/v1", kind="Nothing")


def test_crud_metadata_and_list_shape(mgmt_cluster, dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    created = cms.create(
        body={"metadata": {"name": "one", "labels": {"tier": "a"}}, "data": {"k": "v"}}, namespace="default"
    )
    meta = created.metadata
    assert meta.uid and meta.resourceVersion and meta.creationTimestamp
    cms.create(body={"metadata": {"name": "two", "labels": {"tier": "b"}}}, namespace="default")
    listed = cms.get(namespace="default")
    assert listed.kind == "ConfigMapList" and listed.apiVersion == "v1"
    assert {i.metadata.name for i in listed.items} == {"one", "two"}
    assert [i.metadata.name for i in cms.get(namespace="default", label_selector="tier=a").items] == ["one"]
    assert [i.metadata.name for i in cms.get(namespace="default", label_selector="tier in (b,c)").items] == ["two"]
    assert [i.metadata.name for i in cms.get(namespace="default", field_selector="metadata.name=two").items] == ["two"]
    assert mgmt_cluster.get("v1", "ConfigMap", "one", "default")["data"] == {"k": "v"}
    with pytest.raises(ApiException) as err:
        cms.create(body={"metadata": {"name": "one"}}, namespace="default")
    assert err.value.status == 409 and "AlreadyExists" in err.value.body
    with pytest.raises(ApiException) as err:
        cms.get(name="missing", namespace="default")
    assert err.value.status == 404
    with pytest.raises(ApiException) as err:
        cms.create(body={"metadata": {"name": "Bad_Name"}}, namespace="default")
    assert err.value.status == 422
    with pytest.raises(ApiException) as err:
        cms.create(body={"metadata": {"name": "stale", "resourceVersion": "5"}}, namespace="default")
    assert err.value.status == 500 and "resourceVersion should not be set" in err.value.body


def test_replace_with_stale_resource_version_conflicts(dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    first = cms.create(body={"metadata": {"name": "cfg"}, "data": {"a": "1"}}, namespace="default").to_dict()
    second = dict(first, data={"a": "2"})
    updated = cms.replace(body=second, namespace="default")
    assert updated.data["a"] == "2"
    assert int(updated.metadata.resourceVersion) > int(first["metadata"]["resourceVersion"])
    with pytest.raises(ApiException) as err:
        cms.replace(body=dict(first, data={"a": "3"}), namespace="default")
    assert err.value.status == 409 and "Conflict" in err.value.body


def test_patch_types_and_generation(dyn):
    deps = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    deps.create(body=_deployment("web"), namespace="default")
    merged = deps.patch(
        name="web",
        namespace="default",
        body={"metadata": {"labels": {"x": "1"}}},
        content_type="application/merge-patch+json",
    )
    assert merged.metadata.labels["x"] == "1" and merged.metadata.generation == 1
    smp = deps.patch(
        name="web",
        namespace="default",
        body={"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": "busybox:2"}]}}}},
    )
    assert smp.spec.replicas == 2 and smp.metadata.generation == 2
    assert smp.spec.template.spec.containers[0].image == "busybox:2"
    jp = deps.patch(
        name="web",
        namespace="default",
        content_type="application/json-patch+json",
        body=[{"op": "replace", "path": "/spec/replicas", "value": 0}],
    )
    assert jp.spec.replicas == 0
    with pytest.raises(ApiException) as err:
        deps.patch(
            name="web",
            namespace="default",
            content_type="application/json-patch+json",
            body=[{"op": "test", "path": "/spec/replicas", "value": 5}],
        )
    assert err.value.status == 422
    hcs = dyn.resources.get(api_version="hypershift.openshift.io/v1beta1", kind="HostedCluster")
    body = next(
        o
        for o in hosted_cluster_objects("h", "clusters", "SingleReplica", "quay.io/x/y:4.15.1", 0, False, "example.com")
        if o["kind"] == "HostedCluster"
    )
    body["spec"]["pausedUntil"] = "true"
    hcs.create(body=body, namespace="clusters")
    with pytest.raises(ApiException) as err:
        hcs.patch(name="h", namespace="clusters", body={"spec": {"pausedUntil": "true"}})
    assert err.value.status == 415


def test_scale_subresource_and_controller_status(mgmt_cluster, api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", _deployment("svc", replicas=1))
    scale = apps.read_namespaced_deployment_scale("svc", "default")
    assert scale.kind == "Scale" and scale.api_version == "autoscaling/v1" and scale.spec.replicas == 1
    apps.patch_namespaced_deployment_scale("svc", "default", {"spec": {"replicas": 3}})
    deadline = time.time() + 10
    while time.time() < deadline:
        dep = apps.read_namespaced_deployment("svc", "default")
        if (dep.status.ready_replicas or 0) == 3:
            break
        time.sleep(0.1)
    assert dep.status.ready_replicas == 3 and dep.status.observed_generation == dep.metadata.generation
    pods = client.CoreV1Api(api).list_namespaced_pod("default", label_selector="app=svc").items
    assert len(pods) == 3 and all(p.status.phase == "Running" for p in pods)


def test_finalizers_keep_object_until_removed(mgmt_cluster, dyn):
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body={"metadata": {"name": "held", "finalizers": ["example.com/keep"]}}, namespace="default")
    cms.delete(name="held", namespace="default")
    held = cms.get(name="held", namespace="default")
    assert held.metadata.deletionTimestamp
    cms.patch(
        name="held",
        namespace="default",
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    assert mgmt_cluster.get("v1", "ConfigMap", "held", "default") is None


def test_watch_sees_changes(mgmt_cluster, api):
    from kubernetes import watch

    v1 = client.CoreV1Api(api)
    v1.create_namespaced_config_map("default", {"metadata": {"name": "w"}})
    rv = v1.list_namespaced_config_map("default").metadata.resource_version
    mgmt_cluster.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "w", "namespace": "default"},
            "data": {"changed": "yes"},
        }
    )
    events = []
    for ev in watch.Watch().stream(v1.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
        break
    assert events == [("MODIFIED", "w")]


def test_faults_fail_once_then_pass_and_stall(mgmt_cluster, api):
    v1 = client.CoreV1Api(api)
    mgmt_cluster.faults.add(method="GET", path=r"/namespaces/default$", status=500, times=1)
    with pytest.raises(ApiException) as err:
        v1.read_namespace("default")
    assert err.value.status == 500
    assert v1.read_namespace("default").metadata.name == "default"
    mgmt_cluster.faults.add(method="GET", path=r"/namespaces/default$", stall=3, times=None)
    with pytest.raises(Exception, match="(?i)timed? ?out"):
        v1.read_namespace("default", _request_timeout=1)
    mgmt_cluster.faults.clear()
    assert v1.read_namespace("default").metadata.name == "default"


def test_a_server_forgets_the_discovery_kubernetes_core_cached_for_its_url(api, mgmt_cluster, tmp_path, monkeypatch):
    # kubernetes.core caches discovery per API URL in the temp dir; a later simulator on the same port serving
    # other kinds must not be answered from it, so the server removes that file when it starts.
    import tempfile

    from ansible_collections.kubernetes.core.plugins.module_utils.client.discovery import LazyDiscoverer

    from tests.sim.apiserver import forget_cached_discovery

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dynamic.DynamicClient(api, discoverer=LazyDiscoverer)
    cached = list(tmp_path.glob("k8srcp-*.json"))
    assert len(cached) == 1, cached
    forget_cached_discovery(api.configuration.host)
    assert not cached[0].exists()
