"""hostedcluster_import: checksums before anything, fixed group order, create/merge/create-only HostedCluster, labels,
check mode, diff, retries, and a table of bad inputs. The export is made by hostedcluster_export from a fake source."""

import json
import os

import pytest
import yaml
from test_hostedcluster_export import HCP, HS, PLAIN, FakeApi, add_hosted_cluster, api_error, b64, module_runner

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.importer_apply import restore_urls

URL = "https://bucket.s3.us-east-1.amazonaws.com/example/etcd-0.db?X-Amz-Signature=5ecret51gnature"
LABELS = {"ocp.day2/migration-id": "m-1"}
PRE_HC = ["hc-secrets", "hc-configmaps", "hcp-secrets", "hcp", "cluster", "machines"]


@pytest.fixture
def src(tmp_path, capsys, monkeypatch):
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_export

    source = FakeApi()
    add_hosted_cluster(source)
    run = module_runner(hostedcluster_export, source, capsys, monkeypatch, {"name": "example"})
    failed, result = run({"dest": str(tmp_path / "export")})
    assert not failed, result
    return tmp_path / "export"


@pytest.fixture
def dest():
    return FakeApi(host="https://api.mgmt-dst.example.com:6443")


@pytest.fixture
def run_import(src, dest, capsys, monkeypatch):
    from ansible_collections.ocp.day2.plugins.modules import hostedcluster_import

    defaults = {"src": str(src), "restore_snapshot_url": URL, "labels": LABELS}
    return module_runner(hostedcluster_import, dest, capsys, monkeypatch, defaults)


def manifest(src):
    return json.loads((src / "export.json").read_text())


def test_import_creates_everything_in_order_with_one_restore_url(run_import, src, dest):
    failed, result = run_import({})
    assert not failed, result
    assert result["changed"] and result["namespaces_created"] == ["clusters", HCP]
    objects = manifest(src)["objects"]
    assert [(a["kind"], a["name"]) for a in result["applied"]] == [(o["kind"], o["name"]) for o in objects]
    assert {a["action"] for a in result["applied"]} == {"created"}
    creates = [c for c in dest.calls if c[0] == "create"]
    assert [c[1] for c in creates[:2]] == ["Namespace", "Namespace"]
    assert [c[1] for c in creates[-3:]] == ["HostedCluster", "NodePool", "NodePool"]
    hc = dest.get(HS, "HostedCluster", "clusters", "example")
    assert hc["spec"]["etcd"]["managed"]["storage"] == {"type": "PersistentVolume", "restoreSnapshotURL": [URL]}
    assert "pausedUntil" not in hc["spec"] and hc["metadata"]["labels"] == LABELS
    assert dest.get("v1", "Namespace", None, HCP)["metadata"]["labels"] == LABELS
    secret = dest.get("v1", "Secret", "clusters", "example-pull-secret")
    assert secret["data"] == {"key": b64(PLAIN)} and secret["metadata"]["labels"] == LABELS
    assert not result["hostedcluster_existed"]
    assert URL not in json.dumps(result) and PLAIN not in json.dumps(result) and b64(PLAIN) not in json.dumps(result)


def test_rerun_is_unchanged_and_the_hostedcluster_is_create_only(run_import, dest):
    run_import({})
    dest.calls.clear()
    failed, again = run_import({"restore_snapshot_url": "https://other.example.com/x"})
    assert not failed and not again["changed"] and again["hostedcluster_existed"]
    assert {a["action"] for a in again["applied"]} == {"unchanged"} and dest.writes() == []
    hc = dest.get(HS, "HostedCluster", "clusters", "example")
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [URL]
    assert "already exists" in json.dumps(again["warnings"])


def test_existing_objects_are_merged_without_our_labels(run_import, dest):
    dest.add("v1", "Namespace", None, "clusters")
    dest.add(
        "v1",
        "Secret",
        "clusters",
        "example-ssh-key",
        type="Opaque",
        data={"key": b64("old"), "extra": "eA=="},
        metadata={"labels": {"owner": "admin"}},
    )
    dest.add("v1", "Secret", "clusters", "gh-client", type="Opaque", data={"key": b64(PLAIN)})
    failed, result = run_import({"groups": ["hc-secrets"]}, diff=True)
    assert not failed, result
    actions = {a["name"]: a["action"] for a in result["applied"]}
    assert actions["example-ssh-key"] == "updated" and actions["gh-client"] == "unchanged"
    assert actions["example-pull-secret"] == "created" and result["namespaces_created"] == [HCP]
    ssh = dest.get("v1", "Secret", "clusters", "example-ssh-key")
    assert ssh["data"] == {"key": b64(PLAIN), "extra": "eA=="} and ssh["metadata"]["labels"] == {"owner": "admin"}
    assert result["diff"]["after"]["objects"]["Secret clusters/example-ssh-key"] == "updated"
    assert result["diff"]["before"]["objects"]["Secret clusters/example-pull-secret"] == "absent"
    assert "Secret clusters/gh-client" not in result["diff"]["after"]["objects"]
    assert PLAIN not in json.dumps(result["diff"]) and b64(PLAIN) not in json.dumps(result["diff"])


def test_an_update_keeps_the_destination_finalizers(run_import, src, dest):
    path = src / ("namespaces/%s/hcp-example.yaml" % HCP)
    hcp = yaml.safe_load(path.read_text())
    hcp["metadata"]["finalizers"] = ["hypershift.openshift.io/finalizer"]
    _rewrite(src, path, hcp)
    dest.add("v1", "Namespace", None, HCP)
    dest.add(
        HS,
        "HostedControlPlane",
        HCP,
        "example",
        spec={"infraID": "old"},
        metadata={"finalizers": ["hypershift.openshift.io/finalizer", "destination.example/keep"]},
    )
    failed, result = run_import({"groups": ["hcp"]})
    assert not failed and [a["action"] for a in result["applied"]] == ["updated"]
    there = dest.get(HS, "HostedControlPlane", HCP, "example")
    assert there["spec"]["infraID"] == "x" and len(there["metadata"]["finalizers"]) == 2
    failed, again = run_import({"groups": ["hcp"]})
    assert not failed and not again["changed"]


def test_the_control_plane_carries_the_same_restore_url_as_the_hostedcluster(run_import, dest):
    # Applied first without a URL (as the seeds do), the HostedControlPlane could never take one later: HyperShift
    # copies the HostedCluster's etcd spec onto it and the API refuses to add restoreSnapshotURL. It is created again.
    failed, pre = run_import({"groups": PRE_HC, "restore_snapshot_url": None})
    assert not failed and restore_urls(dest.get(HS, "HostedControlPlane", HCP, "example")) is None
    dest.get(HS, "HostedControlPlane", HCP, "example")["metadata"]["finalizers"] = ["hypershift.openshift.io/finalizer"]
    failed, check = run_import({"groups": ["hostedcluster"]}, check=True)
    assert not failed and [a["action"] for a in check["applied"]] == ["recreated", "created"]
    assert restore_urls(dest.get(HS, "HostedControlPlane", HCP, "example")) is None
    failed, result = run_import({"groups": ["hostedcluster", "nodepools"]})
    assert not failed, result
    assert [(a["kind"], a["action"]) for a in result["applied"][:2]] == [
        ("HostedControlPlane", "recreated"),
        ("HostedCluster", "created"),
    ]
    hcp = dest.get(HS, "HostedControlPlane", HCP, "example")
    assert restore_urls(hcp) == [URL] and hcp["metadata"]["labels"] == LABELS
    assert restore_urls(dest.get(HS, "HostedCluster", "clusters", "example")) == [URL]
    failed, again = run_import({})
    assert not failed and not again["changed"]


def test_the_control_plane_gets_the_url_when_applied_with_it(run_import, dest):
    failed, result = run_import({"groups": ["hcp"]})
    assert not failed and restore_urls(dest.get(HS, "HostedControlPlane", HCP, "example")) == [URL]
    failed, result = run_import({"groups": ["hcp", "hostedcluster"]})
    assert not failed and "recreated" not in [a["action"] for a in result["applied"]]
    # Another URL later: the immutable field is left alone on the control plane, and the HostedCluster too.
    failed, again = run_import(
        {"groups": ["hcp", "hostedcluster"], "restore_snapshot_url": "https://other.example.com/x"}
    )
    assert not failed and not again["changed"] and again["hostedcluster_existed"]
    assert restore_urls(dest.get(HS, "HostedControlPlane", HCP, "example")) == [URL]


def test_groups_are_applied_in_the_fixed_order_whatever_given(run_import, dest):
    failed, result = run_import({"groups": ["hcp", "hc-secrets"]})
    assert not failed, result
    groups = [a["group"] for a in result["applied"]]
    assert groups == sorted(groups, key=["hc-secrets", "hcp"].index) and set(groups) == {"hc-secrets", "hcp"}
    assert dest.get(HS, "HostedCluster", "clusters", "example") is None
    failed, result = run_import({"groups": PRE_HC, "restore_snapshot_url": None})
    assert not failed and "hostedcluster" not in [a["group"] for a in result["applied"]]


def test_check_mode_plans_and_changes_nothing(run_import, dest):
    failed, result = run_import({}, check=True, diff=True)
    assert not failed and result["changed"]
    assert {a["action"] for a in result["applied"]} == {"created"} and result["namespaces_created"] == ["clusters", HCP]
    assert dest.writes() == [] and not any(dest.objects.values())
    assert URL not in json.dumps(result)


def test_transient_errors_are_retried_and_a_lost_create_answer_counts(run_import, dest):
    dest.inject("get", "Secret", "example-pull-secret", api_error(503), times=2)
    dest.inject("create", "HostedControlPlane", "example", api_error(500), times=1)
    failed, result = run_import({"groups": ["hc-secrets", "hcp"]})
    assert not failed, result
    assert dest.get(HS, "HostedControlPlane", HCP, "example") is not None

    # A create whose answer is lost after the object was stored: the retry meets 409 and counts it as created.
    real = dest.resources.get

    def lossy(api_version=None, kind=None, **kw):
        resource = real(api_version=api_version, kind=kind)
        if kind == "Cluster":
            create = resource.create

            def create_then_fail(body=None, namespace=None):
                if not dest.get(api_version, kind, namespace, body["metadata"]["name"]):
                    create(body=body, namespace=namespace)
                    raise api_error(503, "lost")
                return create(body=body, namespace=namespace)

            resource.create = create_then_fail
        return resource

    dest.resources.get = lossy
    failed, result = run_import({"groups": ["cluster"]})
    assert not failed, result
    assert [a["action"] for a in result["applied"] if a["kind"] == "Cluster"] == ["created"]


def test_persistent_error_names_the_object_and_what_is_in_place(run_import, dest):
    dest.inject("create", "HostedControlPlane", "example", api_error(422, "spec.infraID: Required value"), times=5)
    failed, result = run_import({})
    assert failed and result["changed"]
    assert "HostedControlPlane clusters-example/example (group hcp)" in result["msg"]
    assert "spec.infraID: Required value" in result["msg"] and "re-run applies the rest" in result["msg"]
    assert result["applied"][-1]["group"] == "hcp-secrets"
    assert dest.get(HS, "HostedCluster", "clusters", "example") is None


def test_a_refusal_quoting_the_url_does_not_show_it(run_import, dest):
    dest.inject("create", "HostedCluster", "example", api_error(422, 'restoreSnapshotURL: Invalid value: "%s"' % URL))
    failed, result = run_import({})
    assert failed and "restoreSnapshotURL: Invalid value" in result["msg"] and "<restore_snapshot_url>" in result["msg"]
    assert "5ecret51gnature" not in json.dumps(result)


def test_namespaces_terminating_or_missing_without_create(run_import, dest):
    failed, result = run_import({"create_namespaces": False})
    assert failed and "Namespace clusters does not exist and create_namespaces is false" in result["msg"]
    dest.add("v1", "Namespace", None, "clusters")
    dest.add("v1", "Namespace", None, HCP, metadata={"deletionTimestamp": "2026-01-01T00:00:00Z"})
    failed, result = run_import({})
    assert failed and "Namespace clusters-example is being deleted" in result["msg"] and dest.writes() == []


def test_unmanaged_etcd_is_refused(run_import, src, dest):
    path = src / "namespaces/clusters/hc-example.yaml"
    hc = yaml.safe_load(path.read_text())
    hc["spec"]["etcd"] = {"managementType": "Unmanaged", "unmanaged": {"endpoint": "https://etcd:2379"}}
    _rewrite(src, path, hc)
    failed, result = run_import({"groups": ["hostedcluster"]})
    assert failed and "only possible with Managed etcd" in result["msg"]
    assert dest.get(HS, "HostedCluster", "clusters", "example") is None


def _rewrite(src, path, obj):
    """Change a file and its checksum in the manifest (an export edited by hand, consistently)."""
    path.write_text(yaml.safe_dump(obj))
    _rewrite_raw(src, path)


def _rewrite_raw(src, path):
    import hashlib

    data = manifest(src)
    relative = os.path.relpath(path, src)
    for entry in data["objects"]:
        if entry["file"] == relative:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (src / "export.json").write_text(json.dumps(data))


def _tamper(src, case):
    """Damage the export in the way `case` names; returns the args to add."""
    data = manifest(src)
    secret_file = src / "namespaces/clusters/secret-gh-client.yaml"
    if case == "checksum":
        secret_file.write_text(secret_file.read_text() + "# edited\n")
    elif case == "missing-file":
        secret_file.unlink()
    elif case == "no-manifest":
        (src / "export.json").unlink()
    elif case == "bad-json":
        (src / "export.json").write_text("{not json")
    elif case == "format":
        data["format"] = 2
        (src / "export.json").write_text(json.dumps(data))
    elif case == "outside":
        data["objects"][0]["file"] = "../../etc/passwd"
        (src / "export.json").write_text(json.dumps(data))
    elif case == "foreign-namespace":
        data["objects"][0]["namespace"] = "kube-system"
        (src / "export.json").write_text(json.dumps(data))
    elif case == "bad-yaml":
        secret_file.write_text("a: [unclosed\n")
        _rewrite_raw(src, secret_file)
    elif case == "wrong-object":
        _rewrite(
            src, secret_file, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "clusters"}}
        )
    return {}


@pytest.mark.parametrize(
    "args, case, words",
    [
        ({"src": ""}, None, "src (the export directory) must not be empty"),
        ({"src": "/nonexistent/backup"}, None, "is not a directory"),
        ({}, "no-manifest", "export.json not found"),
        ({}, "bad-json", "Cannot read"),
        ({}, "format", "not an export manifest of format 1"),
        ({}, "checksum", "namespaces/clusters/secret-gh-client.yaml does not match its sha256"),
        ({}, "missing-file", "namespaces/clusters/secret-gh-client.yaml is missing"),
        ({}, "outside", "outside this hosted cluster's export"),
        ({}, "foreign-namespace", "outside this hosted cluster's export"),
        ({}, "wrong-object", "does not hold the Secret clusters/gh-client"),
        ({"groups": ["hc-secrets"]}, "bad-yaml", "Cannot read namespaces/clusters/secret-gh-client.yaml"),
        ({"groups": ["hc-secrets", "nodes"]}, None, "unknown group(s) 'nodes'"),
        ({"groups": []}, None, "unknown group(s) (none given)"),
        ({"restore_snapshot_url": None}, None, "restore_snapshot_url is required"),
        ({"restore_snapshot_url": ""}, None, "restore_snapshot_url is required"),
        ({"restore_snapshot_url": "http://bucket/x"}, None, "https:// or s3:// URL"),
        ({"restore_snapshot_url": "ftp://bucket/x"}, None, "got a ftp:// URL"),
        ({"restore_snapshot_url": "https:///no-host"}, None, "with a host or bucket"),
        ({"restore_snapshot_url": "https://h/" + "x" * 1100}, None, "at most 1024"),
        ({"labels": {"bad key!": "x"}}, None, "not a valid label key"),
        ({"labels": {"ok": "not ok!"}}, None, "must be a string of at most 63"),
        ({"labels": "m-1"}, None, "labels"),
        ({"create_namespaces": "perhaps"}, None, "create_namespaces"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_is_applied(run_import, src, dest, tmp_path, args, case, words):
    if case:
        _tamper(src, case)
    if args.get("src") == "FILE":
        args = dict(args, src=str(src / "export.json"))
    failed, result = run_import(args)
    assert failed and words in result["msg"], result
    assert dest.writes() == [] and not any(dest.objects.values())
    assert "5ecret51gnature" not in json.dumps(result)


def test_src_is_a_file(run_import, src, dest):
    failed, result = run_import({"src": str(src / "export.json")})
    assert failed and "is not a directory" in result["msg"] and dest.writes() == []
