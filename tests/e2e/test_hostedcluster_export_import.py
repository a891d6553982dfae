"""hostedcluster_export on one simulated management cluster, hostedcluster_import on another, through ansible-playbook.

The source HostedCluster carries what a real one may: references outside the seeds' name prefix (an OAuth client
secret, a trust-bundle ConfigMap, a NodePool config ConfigMap), a quiesce record and a pause, and control-plane
secrets the seeds leave out (tokens, docker config, oauth-openshift, token-<name>).
"""

import base64
import copy
import json
import os
import stat

import boto3
import pytest
import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import seed_keys

API = "hypershift.openshift.io/v1beta1"
HCP_NS = "clusters-example"
BUCKET = "export-import"
MIGRATION = {"ocp.day2/migration-id": "m-1"}
# Secrets the simulator's operator stand-in renders with the management cluster's own etcd PKI.
SIM_ETCD_PKI = {"etcd-client-tls", "etcd-server-tls", "etcd-peer-tls"}
KEY_PREFIX = "/kubernetes.io/export-import/"
KEYS = seed_keys(200, prefix=KEY_PREFIX)
PRE_HC = ["hc-secrets", "hc-configmaps", "hcp-secrets", "hcp", "cluster", "machines"]


def secret(name, namespace, stype="Opaque", **data):
    data = {k: base64.b64encode(v.encode()).decode() for k, v in (data or {"k": "v"}).items()}
    return {"apiVersion": "v1", "kind": "Secret", "type": stype, "data": data,
            "metadata": {"name": name, "namespace": namespace}}  # fmt: skip


def configmap(name, namespace, **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data, "metadata": {"name": name, "namespace": namespace}}


@pytest.fixture
def source_hc(mgmt_pair):
    source, destination = mgmt_pair
    source.create_hosted_cluster(name="example", availability="SingleReplica", nodepools=2)
    hc = source.get(API, "HostedCluster", "example", "clusters")
    hc["spec"]["additionalTrustBundle"] = {"name": "corp-ca"}
    hc["spec"]["configuration"] = {
        "oauth": {
            "identityProviders": [
                {"name": "gh", "type": "GitHub", "github": {"clientID": "x", "clientSecret": {"name": "gh-client"}}}
            ]
        }
    }
    hc["spec"]["pausedUntil"] = "true"
    hc["metadata"].setdefault("annotations", {})["ocp.day2/quiesce-prior-state"] = '{"run_id": "r"}'  # fmt: skip
    source.put(hc)
    pool = sorted(source.list(API, "NodePool", "clusters"), key=lambda p: p["metadata"]["name"])[0]
    pool["spec"]["config"] = [{"name": "np-config"}]
    source.put(pool)
    for obj in (
        secret("gh-client", "clusters", clientSecret="s3cr3t-gh"),
        secret("example-extra", "clusters"),
        secret("unrelated", "clusters"),
        configmap("corp-ca", "clusters", **{"ca-bundle.crt": "PEM"}),
        configmap("np-config", "clusters", config="kind: MachineConfig"),
        secret("builder-token-x", HCP_NS, "kubernetes.io/service-account-token"),
        secret("builder-dockercfg-x", HCP_NS, "kubernetes.io/dockercfg"),
        secret("oauth-openshift-session", HCP_NS),
        secret("token-example-abc", HCP_NS),
        secret("kept-hcp-secret", HCP_NS),
    ):
        source.put(obj)
    return source, destination


def play(tmp_path, kubeconfig, tasks, names, name, check=False, verbosity=0):
    """Run tasks (YAML, indented 4) on localhost; return ({registered name: result}, PlaybookResult)."""
    out = tmp_path / ("%s.json" % name)
    save = """
    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {%s} | to_json }}"
        dest: "%s"
        mode: "0600"
      check_mode: false
""" % (", ".join("'%s': %s | default(None)" % (n, n) for n in names), out)
    head = "- name: %s\n  hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n" % name
    proc = run_playbook(write_playbook(tmp_path, head + tasks + save, name=name + ".yml"),
                        env={"K8S_AUTH_KUBECONFIG": str(kubeconfig)}, check=check, timeout=600,
                        verbosity=verbosity)  # fmt: skip
    if proc.rc != 0:
        pytest.fail("ansible-playbook failed: %r" % proc, pytrace=False)
    return json.loads(out.read_text()), proc


def presigned_snapshot(tmp_path, source, moto_https):
    """A real etcd snapshot of the source HC in the bucket, as an https presigned URL."""
    path = tmp_path / "snapshot.db"
    etcd = source.hosted_handle("example", "clusters").etcd
    etcd.put_many(KEYS)
    etcd.etcdctl("snapshot", "save", str(path))
    s3 = boto3.client("s3", endpoint_url=moto_https.endpoint_url, verify=moto_https.ca_cert, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    s3.create_bucket(Bucket=BUCKET)
    s3.upload_file(str(path), BUCKET, "example/etcd-0.db")
    return s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "example/etcd-0.db"}, ExpiresIn=900)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def comparable(obj):
    """What must travel unchanged: data and type, or spec (server-set metadata and status left out)."""
    if obj["kind"] in ("Secret", "ConfigMap"):
        return {"type": obj.get("type"), "data": obj.get("data")}
    spec = copy.deepcopy(obj.get("spec") or {})
    if obj["kind"] in ("HostedCluster", "HostedControlPlane"):
        spec.get("etcd", {}).get("managed", {}).get("storage", {}).pop("restoreSnapshotURL", None)
    return spec


def test_export_then_import_on_another_management_cluster(tmp_path, source_hc, moto_https):
    source, destination = source_hc
    dest = tmp_path / "backup"
    export = "      ocp.day2.hostedcluster_export:\n        name: example\n        dest: %s\n" % dest
    tasks = (
        "    - name: Plan only\n" + export.replace(str(dest), str(tmp_path / "plan-only"))
        + "      check_mode: true\n      register: plan\n"
        + "    - name: Export\n" + export + "      diff: true\n      register: first\n"
        + "    - name: Export again\n" + export + "      register: again\n"
    )  # fmt: skip
    res, proc = play(tmp_path, source.kubeconfig, tasks, ["plan", "first", "again"], "export", verbosity=3)
    assert "s3cr3t-gh" not in proc.output and base64.b64encode(b"s3cr3t-gh").decode() not in proc.output
    plan, first, again = res["plan"], res["first"], res["again"]
    assert not (tmp_path / "plan-only").exists(), "check mode wrote files"
    assert plan["changed"] and [o["file"] for o in plan["objects"]] == [o["file"] for o in first["objects"]]
    assert first["changed"] and not again["changed"], again
    assert again["manifest"]["exported_at"] == first["manifest"]["exported_at"]
    by_group = {}
    for obj in first["objects"]:
        by_group.setdefault(obj["group"], []).append(obj["name"])
    assert {"example-pull-secret", "example-ssh-key", "example-etcd-encryption-key", "example-extra",
            "gh-client"} <= set(by_group["hc-secrets"])  # fmt: skip
    assert "unrelated" not in by_group["hc-secrets"] and "example-admin-kubeconfig" not in by_group["hc-secrets"]
    assert by_group["hc-configmaps"] == ["corp-ca", "np-config"]
    assert "kept-hcp-secret" in by_group["hcp-secrets"]
    assert not {"builder-token-x", "builder-dockercfg-x", "oauth-openshift-session", "token-example-abc"} & set(
        by_group["hcp-secrets"]
    )
    assert by_group["hcp"] == ["example"] and by_group["hostedcluster"] == ["example"]
    assert len(by_group["nodepools"]) == 2 and by_group["cluster"] and by_group["machines"]
    info = first["manifest"]["hostedcluster"]
    assert info["etcd_members"] == 1 and info["controllerAvailabilityPolicy"] == "SingleReplica"
    assert info["uid"] == source.get(API, "HostedCluster", "example", "clusters")["metadata"]["uid"]
    assert first["manifest"]["source"]["server"] == source.api_url
    # Files 0600 in 0700 directories; the HC without status, server-set metadata, pause or quiesce record.
    for root, _dirs, files in os.walk(dest):
        assert mode(root) == 0o700, root
        assert all(mode(os.path.join(root, f)) == 0o600 for f in files), files
    hc_file = yaml.safe_load((dest / "namespaces/clusters/hc-example.yaml").read_text())
    assert "status" not in hc_file and "pausedUntil" not in hc_file["spec"]
    assert not {"uid", "resourceVersion", "creationTimestamp", "managedFields"} & set(hc_file["metadata"])
    assert "ocp.day2/quiesce-prior-state" not in (hc_file["metadata"].get("annotations") or {})
    assert "s3cr3t" not in json.dumps(res)  # no secret data in results

    url = presigned_snapshot(tmp_path, source, moto_https)
    imp = "      ocp.day2.hostedcluster_import:\n        src: %s\n        labels: %s\n" % (dest, json.dumps(MIGRATION))
    url_line = "        restore_snapshot_url: %s\n" % json.dumps(url)
    tasks = (
        "    - name: Import everything in check mode\n" + imp + url_line
        + "      check_mode: true\n      register: check\n"
        + "    - name: Read the control-plane namespace\n      kubernetes.core.k8s_info:\n        kind: Namespace\n"
        + "        name: %s\n      register: ns_after_check\n" % HCP_NS
        + "    - name: Import what comes before the HostedCluster\n" + imp
        + "        groups: %s\n      register: pre\n" % json.dumps(PRE_HC)
        + "    - name: Import the HostedCluster and NodePools\n" + imp + url_line
        + "        groups: [hostedcluster, nodepools]\n      diff: true\n      register: hc\n"
        + "    - name: Import everything again\n" + imp + url_line + "      register: rerun\n"
    )  # fmt: skip
    names = ["check", "ns_after_check", "pre", "hc", "rerun"]
    res, proc = play(tmp_path, destination.kubeconfig, tasks, names, "imp", verbosity=3)
    assert url.split("?")[1] not in proc.output and "Signature" not in json.dumps(res)
    assert base64.b64encode(b"s3cr3t-gh").decode() not in proc.output
    assert res["check"]["changed"] and res["ns_after_check"]["resources"] == []
    assert HCP_NS in res["check"]["namespaces_created"]
    assert {a["action"] for a in res["check"]["applied"]} == {"created"}
    assert [a["group"] for a in res["pre"]["applied"]] == [o["group"] for o in first["objects"] if o["group"] in PRE_HC]
    assert {a["action"] for a in res["pre"]["applied"]} == {"created"}
    # Applied without a URL, the control plane could not take one later (HyperShift copies the HC's etcd spec onto
    # it, the API refuses to add restoreSnapshotURL): it is created again with the HostedCluster's URL.
    assert [(a["kind"], a["action"]) for a in res["hc"]["applied"]][:2] == [
        ("HostedControlPlane", "recreated"),
        ("HostedCluster", "created"),
    ]
    hcp = destination.get(API, "HostedControlPlane", "example", HCP_NS)
    assert hcp["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [url]
    assert not res["hc"]["hostedcluster_existed"] and res["rerun"]["hostedcluster_existed"]
    # The simulator's etcd runs with the destination's own certificates, so its operator stand-in writes its etcd
    # TLS Secrets back over the imported ones; the re-run merges them again. Everything else must be unchanged.
    updated = {a["name"] for a in res["rerun"]["applied"] if a["action"] != "unchanged"}
    assert updated <= SIM_ETCD_PKI, res["rerun"]["applied"]
    assert res["rerun"]["changed"] == bool(updated)
    hc = destination.get(API, "HostedCluster", "example", "clusters")
    assert hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] == [url]
    assert "pausedUntil" not in hc["spec"] and hc["metadata"]["labels"]["ocp.day2/migration-id"] == "m-1"
    # Every exported object is on the destination as it was on the source.
    for entry in first["objects"]:
        there = destination.get(entry["apiVersion"], entry["kind"], entry["name"], entry["namespace"])
        assert there is not None, entry
        if entry["name"] in SIM_ETCD_PKI:
            continue
        exported = yaml.safe_load((dest / entry["file"]).read_text())
        assert comparable(there) == comparable(exported), entry
        assert there["metadata"]["labels"]["ocp.day2/migration-id"] == "m-1", entry
    # The HostedCluster as created restores etcd from the snapshot: the destination's etcd holds the source's keys.
    restored = destination.wait_hosted_cluster(destination.hosted_handle("example", "clusters"), timeout=180)
    assert restored.etcd.get_all(KEY_PREFIX.encode()) == {k.encode(): v for k, v in KEYS.items()}


def test_refusals_change_nothing(tmp_path, source_hc):
    source, destination = source_hc
    source.delete("v1", "ConfigMap", "corp-ca", "clusters")
    tasks = """
    - name: Export with a referenced ConfigMap missing
      ocp.day2.hostedcluster_export:
        name: example
        dest: %s
      register: missing
      ignore_errors: true
    - name: Export an unknown HostedCluster
      ocp.day2.hostedcluster_export:
        name: nope
        dest: %s
      register: unknown
      ignore_errors: true
""" % (tmp_path / "b1", tmp_path / "b2")
    res, _proc = play(tmp_path, source.kubeconfig, tasks, ["missing", "unknown"], "refusals")
    assert (
        res["missing"]["failed"]
        and "ConfigMap corp-ca (spec.additionalTrustBundle of HostedCluster/example)" in (res["missing"]["msg"])
    )
    assert "HostedCluster clusters/nope not found" in res["unknown"]["msg"]
    assert not (tmp_path / "b1").exists() and not (tmp_path / "b2").exists()
    # A tampered export is refused before anything is applied on the destination.
    source.put(configmap("corp-ca", "clusters", **{"ca-bundle.crt": "PEM"}))
    tasks = "    - name: Export\n      ocp.day2.hostedcluster_export:\n        name: example\n        dest: %s\n" % (
        tmp_path / "b3"
    )
    play(tmp_path, source.kubeconfig, tasks, [], "export-ok")
    victim = tmp_path / "b3/namespaces/clusters/secret-gh-client.yaml"
    victim.write_text(victim.read_text().replace("clientSecret", "clientSecreT"))
    tasks = """
    - name: Import a tampered export
      ocp.day2.hostedcluster_import:
        src: %s
        restore_snapshot_url: https://s3.example.com/b/k
      register: tampered
      ignore_errors: true
""" % (tmp_path / "b3")
    res, _proc = play(tmp_path, destination.kubeconfig, tasks, ["tampered"], "tampered")
    assert (
        res["tampered"]["failed"]
        and "namespaces/clusters/secret-gh-client.yaml does not match" in (res["tampered"]["msg"])
    )
    assert destination.get("v1", "Namespace", HCP_NS) is None
    assert destination.get("v1", "Secret", "example-pull-secret", "clusters") is None
