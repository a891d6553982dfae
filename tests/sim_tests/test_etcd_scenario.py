"""A HighlyAvailable hosted cluster's etcd driven through the seed procedures by hand, with kubectl.

Snapshots in every pod, scale to 0 and back, recovery of a failed member (delete pod + PVC),
then the on-premises restore (helper Deployment on data-etcd-0, restore, scale back to 3).
"""

import json
import shutil
import subprocess
import time

import pytest

from tests.harness.etcd import seed_keys
from tests.harness.net import wait_for

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")

TLS = [
    "--cacert",
    "/etc/etcd/tls/etcd-ca/ca.crt",
    "--cert",
    "/etc/etcd/tls/client/etcd-client.crt",
    "--key",
    "/etc/etcd/tls/client/etcd-client.key",
]

HELPER = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: etcd-data, namespace: %(ns)s}
spec:
  replicas: 1
  selector: {matchLabels: {app: etcd-data}}
  template:
    metadata: {labels: {app: etcd-data}}
    spec:
      containers:
      - name: access
        image: %(image)s
        volumeMounts: [{name: data, mountPath: /var/lib}]
        command: [/usr/bin/bash]
        args: [-c, "while true; do sleep 1000; done"]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data-etcd-0}}]
"""


def test_seed_procedures_by_hand(mgmt_cluster, tmp_path):
    hc = mgmt_cluster.create_hosted_cluster(name="hosted")
    ns = hc.hcp_namespace

    def kubectl(*args, stdin=None, check=True):
        res = subprocess.run(
            ["kubectl", "--kubeconfig", mgmt_cluster.kubeconfig, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert not check or res.returncode == 0, "kubectl %s: %s" % (" ".join(args), res.stderr)
        return res

    def etcd_ready(n=3):
        sts = mgmt_cluster.get("apps/v1", "StatefulSet", "etcd", ns)
        return sts["status"].get("readyReplicas", 0) == n and hc.etcd.healthy()

    data = seed_keys(100, prefix="/kubernetes.io/configmaps/")
    hc.etcd.put_many(data)

    # 1. a snapshot in each pod (SPEC A1 / the seed's backup loop)
    for i in range(3):
        pod = "etcd-%d" % i
        kubectl(
            "exec",
            "-n",
            ns,
            "-c",
            "etcd",
            pod,
            "--",
            "env",
            "ETCDCTL_API=3",
            "/usr/bin/etcdctl",
            *TLS,
            "--endpoints=localhost:2379",
            "snapshot",
            "save",
            "/var/lib/data/snapshot.db",
        )
        status = kubectl(
            "exec",
            "-n",
            ns,
            pod,
            "--",
            "env",
            "ETCDCTL_API=3",
            "/usr/bin/etcdctl",
            "-w",
            "json",
            "snapshot",
            "status",
            "/var/lib/data/snapshot.db",
        )
        assert json.loads(status.stdout)["totalKey"] >= 100
    kubectl("cp", "-c", "etcd", "%s/etcd-0:/var/lib/data/snapshot.db" % ns, str(tmp_path / "etcd.snapshot.db"))
    hc.etcd.put_many({"/written/after/the/snapshot": "x"})

    # 2. pause, stop the API servers, scale etcd to 0 and back: data survives on the PVCs
    kubectl("patch", "-n", "clusters", "hostedclusters/hosted", "-p", '{"spec":{"pausedUntil":"true"}}', "--type=merge")
    kubectl(
        "scale",
        "-n",
        ns,
        "deployment",
        "--replicas=0",
        "kube-apiserver",
        "openshift-apiserver",
        "openshift-oauth-apiserver",
    )
    kubectl("scale", "-n", ns, "statefulset/etcd", "--replicas=0")
    wait_for(lambda: not any(m.running() for m in hc.etcd.members), timeout=15, what="etcd members to stop")
    assert kubectl("get", "pods", "-n", ns, "-l", "app=etcd", "-o", "name").stdout.strip() == ""
    kubectl("scale", "-n", ns, "statefulset/etcd", "--replicas=3")
    wait_for(etcd_ready, timeout=30, what="etcd back at 3 members")
    for m in hc.etcd.members:
        assert len(hc.etcd.get_all("/kubernetes.io/configmaps/", member=m)) == 100

    # 3. a failed member: delete its pod and PVC; it comes back empty and rejoins (SPEC A5)
    mgmt_cluster.kill_etcd_member(hc, 2)
    wait_for(
        lambda: "CrashLoopBackOff" in kubectl("get", "pods", "-n", ns, "-l", "app=etcd").stdout,
        timeout=10,
        what="etcd-2 to crash-loop",
    )
    old_uid = mgmt_cluster.get("v1", "PersistentVolumeClaim", "data-etcd-2", ns)["metadata"]["uid"]
    kubectl("delete", "-n", ns, "pvc/data-etcd-2", "pod/etcd-2", "--wait=false")
    wait_for(etcd_ready, timeout=30, what="etcd-2 to rejoin")
    assert mgmt_cluster.get("v1", "PersistentVolumeClaim", "data-etcd-2", ns)["metadata"]["uid"] != old_uid
    assert len(hc.etcd.etcdctl("member", "list").stdout.splitlines()) == 3
    assert len(hc.etcd.get_all("/kubernetes.io/configmaps/", member=hc.etcd.members[2])) == 100

    # 4. the on-premises restore: helper pod on data-etcd-0, restore the snapshot, scale back to 3 (SPEC A4)
    image = kubectl("get", "-n", ns, "statefulset/etcd", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
    kubectl("scale", "-n", ns, "statefulset/etcd", "--replicas=0")
    kubectl("delete", "-n", ns, "pvc/data-etcd-1", "pvc/data-etcd-2")
    kubectl("apply", "--validate=false", "-n", ns, "-f", "-", stdin=HELPER % {"ns": ns, "image": image.stdout})
    wait_for(
        lambda: kubectl("get", "-n", ns, "pods", "--no-headers", "-l", "app=etcd-data").stdout.count("Running"),
        timeout=15,
        what="the etcd-data pod",
    )
    pod = kubectl("get", "-n", ns, "pods", "--no-headers", "-l", "app=etcd-data", "-o", "name").stdout.split("/")[1]
    pod = pod.strip()
    kubectl("cp", str(tmp_path / "etcd.snapshot.db"), "%s/%s:/var/lib/restored.snap.db" % (ns, pod))
    kubectl("exec", "-n", ns, pod, "--", "rm", "-rf", "/var/lib/data")
    kubectl("exec", "-n", ns, pod, "--", "mkdir", "-p", "/var/lib/data")
    peers = ",".join("etcd-%d=https://etcd-%d.etcd-discovery.%s.svc:2380" % (i, i, ns) for i in range(3))
    kubectl(
        "exec",
        "-n",
        ns,
        pod,
        "--",
        "etcdutl",
        "snapshot",
        "restore",
        "/var/lib/restored.snap.db",
        "--data-dir=/var/lib/data",
        "--skip-hash-check",
        "--name",
        "etcd-0",
        "--initial-cluster-token=etcd-cluster",
        "--initial-cluster",
        peers,
        "--initial-advertise-peer-urls",
        "https://etcd-0.etcd-discovery.%s.svc:2380" % ns,
    )
    kubectl("exec", "-n", ns, pod, "--", "rm", "/var/lib/restored.snap.db")
    kubectl("delete", "-n", ns, "deployment/etcd-data")
    kubectl("scale", "-n", ns, "statefulset/etcd", "--replicas=3")
    wait_for(etcd_ready, timeout=40, what="etcd restored at 3 members")
    for m in hc.etcd.members:
        restored = hc.etcd.get_all("/", member=m)
        assert {k.decode(): v for k, v in restored.items() if k.startswith(b"/kubernetes.io/configmaps/")} == dict(data)
        assert b"/written/after/the/snapshot" not in restored
    kubectl(
        "scale",
        "-n",
        ns,
        "deployment",
        "--replicas=3",
        "kube-apiserver",
        "openshift-apiserver",
        "openshift-oauth-apiserver",
    )
    kubectl("patch", "-n", "clusters", "hostedclusters/hosted", "-p", '{"spec":{"pausedUntil":null}}', "--type=merge")
    time.sleep(0.3)
    assert (
        "pausedUntil"
        not in mgmt_cluster.get("hypershift.openshift.io/v1beta1", "HostedControlPlane", "hosted", ns)["spec"]
    )
