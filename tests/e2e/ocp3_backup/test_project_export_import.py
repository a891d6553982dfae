"""ocp3_project_backup / ocp3_project_restore against the simulated cluster over HTTPS."""

import base64
import json
import re
import shutil
import stat

import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import wait_for

SECRET_VALUE = "s3cr3t-db-password-do-not-print"


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


def _seed(mgmt):
    ns = "shop"
    mgmt.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    def meta(name, **kw):
        return dict({"name": name, "namespace": ns}, **kw)

    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("default-token-abcde", annotations={"kubernetes.io/service-account.name": "default"}),
            "type": "kubernetes.io/service-account-token",
            "data": {"token": base64.b64encode(b"sa-token-value").decode()},
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta(
                "default-dockercfg-fghij", annotations={"openshift.io/token-secret.name": "default-token-abcde"}
            ),
            "type": "kubernetes.io/dockercfg",
            "data": {".dockercfg": base64.b64encode(b"{}").decode()},
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta("db"),
            "type": "Opaque",
            "data": {"password": base64.b64encode(SECRET_VALUE.encode()).decode()},
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": meta("default"),
            "secrets": [{"name": "default-token-abcde"}, {"name": "default-dockercfg-fghij"}],
            "imagePullSecrets": [{"name": "default-dockercfg-fghij"}],
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("conf", labels={"app": "web"}),
            "data": {"greeting": "hello"},
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("web"),
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 8080, "targetPort": 8080}]},
        }
    )
    mgmt.put(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": meta("data"),
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        }
    )
    mgmt.put(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta("web"),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1"}]},
                },
            },
        }
    )
    mgmt.put(
        {
            "apiVersion": "route.openshift.io/v1",
            "kind": "Route",
            "metadata": meta("web", annotations={"openshift.io/host.generated": "true"}),
            "spec": {"host": "web-shop.apps.example.com", "to": {"kind": "Service", "name": "web"}},
        }
    )
    return ns


def _names(mgmt, api_version, kind, ns):
    return sorted(o["metadata"]["name"] for o in mgmt.list(api_version, kind, ns))


def test_project_export_then_import_into_new_project(tmp_path, mgmt_cluster, installed_collection):
    mgmt = mgmt_cluster
    ns = _seed(mgmt)
    backup_play = write_playbook(
        tmp_path,
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  roles:\n    - ocp.day2.ocp3_project_backup\n",
        name="backup.yml",
    )
    backup_vars = {
        "ocp3_project_backup_namespaces": [ns],
        "ocp3_project_backup_controller_dir": str(tmp_path / "projects"),
        "ocp3_project_backup_name": "p1",
        "ocp3_project_backup_kubeconfig": mgmt.kubeconfig,
    }
    result = run_playbook(backup_play, extra_vars=backup_vars, verbosity=3)
    assert result.rc == 0, result
    assert SECRET_VALUE not in result.output
    assert base64.b64encode(SECRET_VALUE.encode()).decode() not in result.output

    export = tmp_path / "projects" / "p1" / ns
    for d in (tmp_path / "projects", tmp_path / "projects" / "p1", export):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    files = sorted(p.name for p in export.iterdir())
    for f in export.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert "events.yaml" not in files
    for expected in (
        "secrets.yaml",
        "serviceaccounts.yaml",
        "configmaps.yaml",
        "services.yaml",
        "persistentvolumeclaims.yaml",
        "deployments.apps.yaml",
        "routes.route.openshift.io.yaml",
    ):
        assert expected in files, files
    text = "".join((export / f).read_text() for f in files if f.endswith(".yaml"))
    for field in (
        "uid:",
        "resourceVersion:",
        "creationTimestamp:",
        "selfLink:",
        "managedFields:",
        "clusterIP",
        "volumeName:",
        "ownerReferences:",
        "web-shop.apps.example.com",
        "namespace: shop",
    ):
        assert field not in text, field
    secrets = yaml.safe_load((export / "secrets.yaml").read_text())["items"]
    assert [s["metadata"]["name"] for s in secrets] == ["db"]
    sa = yaml.safe_load((export / "serviceaccounts.yaml").read_text())["items"][0]
    assert "secrets" not in sa and "imagePullSecrets" not in sa
    for item in yaml.safe_load((export / "deployments.apps.yaml").read_text())["items"]:
        assert "status" not in item
    index = json.loads((export / "export.json").read_text())
    reasons = {s["name"]: s["reason"] for s in index["skipped"]}
    assert "service account token" in reasons["default-token-abcde"]
    assert "registry secret" in reasons["default-dockercfg-fghij"]
    assert not any(f["resource"] == "pods" for f in index["files"]), "owned pods are not exported"

    check = run_playbook(backup_play, extra_vars=backup_vars, check=True)
    assert check.rc == 0 and _changed(check) == 0, check

    restore_play = write_playbook(
        tmp_path,
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  roles:\n    - ocp.day2.ocp3_project_restore\n",
        name="restore.yml",
    )
    restore_vars = {
        "ocp3_project_restore_src": str(export),
        "ocp3_project_restore_namespace": "shop-copy",
        "ocp3_project_restore_rename": True,  # a copy under another name is asked for explicitly
        "ocp_day2_kubeconfig": mgmt.kubeconfig,  # the collection-wide variable the role falls back to
    }
    result = run_playbook(restore_play, extra_vars=restore_vars, verbosity=3)
    assert result.rc == 0, result
    assert SECRET_VALUE not in result.output
    copy = "shop-copy"
    assert _names(mgmt, "v1", "Secret", copy) == ["db"]
    db = mgmt.get("v1", "Secret", "db", copy)
    assert base64.b64decode(db["data"]["password"]).decode() == SECRET_VALUE
    assert _names(mgmt, "v1", "ConfigMap", copy) == ["conf"]
    assert _names(mgmt, "apps/v1", "Deployment", copy) == ["web"]
    assert _names(mgmt, "route.openshift.io/v1", "Route", copy) == ["web"]
    assert _names(mgmt, "v1", "PersistentVolumeClaim", copy) == ["data"]
    svc = mgmt.get("v1", "Service", "web", copy)
    assert svc["spec"].get("clusterIP"), "the cluster assigns a new cluster IP"
    assert svc["spec"]["ports"][0]["port"] == 8080
    assert mgmt.get("v1", "ConfigMap", "conf", copy)["metadata"]["labels"] == {"app": "web"}

    again = run_playbook(restore_play, extra_vars=restore_vars, check=True)
    assert again.rc == 0 and _changed(again) == 0, again


def test_project_import_failure_deletes_the_project_it_created(tmp_path, mgmt_cluster, installed_collection):
    mgmt = mgmt_cluster
    ns = _seed(mgmt)
    play = write_playbook(
        tmp_path,
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  roles:\n    - ocp.day2.ocp3_project_backup\n",
        name="backup.yml",
    )
    assert (
        run_playbook(
            play,
            extra_vars={
                "ocp3_project_backup_namespaces": [ns],
                "ocp3_project_backup_controller_dir": str(tmp_path / "projects"),
                "ocp3_project_backup_name": "p1",
                "ocp3_project_backup_kubeconfig": mgmt.kubeconfig,
            },
        ).rc
        == 0
    )
    export = tmp_path / "broken"
    shutil.copytree(tmp_path / "projects" / "p1" / ns, export)
    index = json.loads((export / "export.json").read_text())
    index["files"].append(
        {
            "file": "widgets.example.com.yaml",
            "resource": "widgets.example.com",
            "kind": "Widget",
            "api_version": "example.com/v1",
            "count": 1,
            "sha256": "",
        }
    )
    (export / "export.json").write_text(json.dumps(index))
    (export / "widgets.example.com.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}],
            }
        )
    )

    restore = write_playbook(
        tmp_path,
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  roles:\n    - ocp.day2.ocp3_project_restore\n",
        name="restore.yml",
    )
    result = run_playbook(
        restore,
        extra_vars={
            "ocp3_project_restore_src": str(export),
            "ocp3_project_restore_namespace": "shop-broken",
            "ocp3_project_restore_rename": True,
            "ocp3_project_restore_kubeconfig": mgmt.kubeconfig,
        },
    )
    assert result.rc != 0, result
    assert "FAILED at step 'Create the objects in the project'" in result.output
    assert "Widget/w" in result.output and "was deleted again" in result.output

    def gone():
        try:
            ns_obj = mgmt.get("v1", "Namespace", "shop-broken")
        except Exception:  # noqa: BLE001 - the store raises when absent
            return True
        return ns_obj is None or ns_obj["metadata"].get("deletionTimestamp")

    wait_for(gone, timeout=20, what="shop-broken to be deleted")
