"""The kubectl on this machine against the simulator: get, patch, scale, exec, cp, delete."""

import json
import os
import shutil
import subprocess
import time

import pytest

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")


@pytest.fixture
def kubectl(mgmt_cluster):
    def run(*args, check=True, stdin=None):
        res = subprocess.run(
            ["kubectl", "--kubeconfig", mgmt_cluster.kubeconfig, *args],
            capture_output=True,
            text=stdin is None or isinstance(stdin, str),
            input=stdin,
            timeout=60,
            check=False,
        )
        if check and res.returncode != 0:
            raise AssertionError("kubectl %s failed (%d): %s" % (" ".join(args), res.returncode, res.stderr))
        return res

    return run


def test_get_patch_scale_delete(mgmt_cluster, kubectl):
    hc = mgmt_cluster.create_hosted_cluster(name="kc", availability="SingleReplica")
    ns = hc.hcp_namespace
    out = kubectl("get", "pods", "-n", ns, "-l", "app=etcd").stdout
    assert "etcd-0" in out and "Running" in out
    names = kubectl("get", "deploy", "-n", ns, "-o", "name").stdout.split()
    assert "deployment.apps/kube-apiserver" in names
    image = kubectl("get", "-n", ns, "statefulset/etcd", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    assert image.stdout.startswith("quay.io/")
    kubectl("patch", "-n", "clusters", "hostedclusters/kc", "-p", '{"spec":{"pausedUntil":"true"}}', "--type=merge")
    assert (
        mgmt_cluster.get("hypershift.openshift.io/v1beta1", "HostedCluster", "kc", "clusters")["spec"]["pausedUntil"]
        == "true"
    )
    kubectl("patch", "-n", ns, "deployment/openshift-apiserver", "-p", '{"metadata":{"labels":{"sim":"yes"}}}')
    kubectl("scale", "-n", ns, "deployment/kube-apiserver", "--replicas=0")
    deadline = time.time() + 10
    while time.time() < deadline:
        dep = json.loads(kubectl("get", "-n", ns, "deployment/kube-apiserver", "-o", "json").stdout)
        if dep["status"]["replicas"] == 0:
            break
        time.sleep(0.1)
    assert dep["spec"]["replicas"] == 0 and dep["status"]["replicas"] == 0
    assert (
        json.loads(kubectl("get", "-n", ns, "deploy/openshift-apiserver", "-o", "json").stdout)["metadata"]["labels"][
            "sim"
        ]
        == "yes"
    )
    res = kubectl("get", "-n", ns, "deployment/nope", check=False)
    assert res.returncode != 0 and "NotFound" in res.stderr
    # kubectl generators (`create configmap`) send protobuf and -f validation needs openapi: not served
    kubectl(
        "create",
        "--validate=false",
        "-f",
        "-",
        stdin='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gone","namespace":"default"}}',
    )
    kubectl("delete", "configmap", "gone", "-n", "default", "--timeout=10s")
    assert mgmt_cluster.get("v1", "ConfigMap", "gone", "default") is None


def test_exec_and_cp(mgmt_cluster, kubectl, tmp_path):
    hc = mgmt_cluster.create_hosted_cluster(name="kx", availability="SingleReplica")
    ns = hc.hcp_namespace
    res = kubectl("exec", "-n", ns, "-c", "etcd", "etcd-0", "--", "sh", "-c", "echo hi; exit 4", check=False)
    assert res.returncode == 4 and res.stdout == "hi\n"
    res = kubectl(
        "exec",
        "-n",
        ns,
        "etcd-0",
        "--",
        "env",
        "ETCDCTL_API=3",
        "/usr/bin/etcdctl",
        "--cacert",
        "/etc/etcd/tls/etcd-ca/ca.crt",
        "--cert",
        "/etc/etcd/tls/client/etcd-client.crt",
        "--key",
        "/etc/etcd/tls/client/etcd-client.key",
        "--endpoints=localhost:2379",
        "endpoint",
        "health",
    )
    assert "is healthy" in res.stdout + res.stderr
    blob = os.urandom(300000)
    res = subprocess.run(
        [
            "kubectl",
            "--kubeconfig",
            mgmt_cluster.kubeconfig,
            "exec",
            "-i",
            "-n",
            ns,
            "etcd-0",
            "--",
            "sh",
            "-c",
            "cat > /var/lib/in.bin",
        ],
        input=blob,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    with open(os.path.join(hc.member_dir(0), "in.bin"), "rb") as f:
        assert f.read() == blob
    kubectl("cp", "%s/etcd-0:/var/lib/in.bin" % ns, str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == blob
    (tmp_path / "up.bin").write_bytes(blob[::-1])
    kubectl("cp", str(tmp_path / "up.bin"), "%s/etcd-0:/var/lib/up.bin" % ns)
    with open(os.path.join(hc.member_dir(0), "up.bin"), "rb") as f:
        assert f.read() == blob[::-1]
