"""Benchmark (not a test): ocp.day2.hostedcluster_migrate against the seeds' steps done with kubectl, on the simulator.

Prints, side by side in one run, for a HighlyAvailable hosted cluster (3 etcd members, default 20,000 keys)
moved between two simulated management clusters:
- the wall time of the whole migration (backup, DNS hand-over, restore, nodes Ready, teardown of the source,
  OVN pods restarted);
- the hosted cluster's API downtime, probed from a thread every 50 ms through the hosted cluster's own API
  (its admin kubeconfig on each management cluster, GET /api/v1/nodes): from the last good answer on the source
  to the first good answer on the destination;
- whether every key is identical on every etcd member of the destination;
with the ratios role / seeds. Each way gets its own fresh pair of management clusters.

The seeds' steps (000 §4.2.3-4.2.5) are run one kubectl call per command, as written, with these deviations
so that they run at all: objects are saved with `kubectl get -o json` and cleaned of status and server-set
metadata in Python (the seeds' `sed` leaves resourceVersion, which a create refuses); snapshots are copied out
with `kubectl exec ... cat` and uploaded with boto3 (not curl with a SigV2 signature from inside the pod); the
HostedCluster gets ONE restoreSnapshotURL (the API refuses the seeds' three); the seeds' polling loops (10 s for
Route53, 30 s for nodes) poll every second instead; their `sleep 15` in the teardown is kept.

Measured once (2026-11-26, --keys 200, quiet machine, load 0.8): role 22.2 s API down / 122.3 s wall, nothing left
on the source; seeds' steps 7.4 s / 177.0 s, 2 objects left on the source (a NodePool whose finalizer came back, and
its namespace); "keys on all 3" was False for both (not yet looked into; the role's own test compares every member).
With the 20,000-key default (2026-11-26, quiet machine, load 2-3, each way in its own run): role 20.0 s API down /
105.8 s wall, keys identical on all 3 members, nothing left on the source. The seeds' steps did not finish: the
destination's nodes were not Ready within 900 s, and the OVN step then found no hosted-cluster API to talk to.

Run from the repository root after `make collection` (or with OCP_DAY2_COLLECTIONS_PATH set):
    .venv/bin/python scripts/bench_hostedcluster_migrate.py [--keys 20000]
"""

import argparse
import glob
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.harness.ansible import collections_path  # noqa: E402
from tests.harness.etcd import seed_keys  # noqa: E402
from tests.harness.moto import FAKE_AWS_ENV, MotoServer  # noqa: E402
from tests.sim.cluster import ManagementCluster  # noqa: E402
from tests.sim.fileserver import HttpsFront  # noqa: E402

HS = "hypershift.openshift.io/v1beta1"
NAME, NS = "bench", "clusters"
HCP = "%s-%s" % (NS, NAME)
BUCKET = "bench-migrate"
KEYS = "/kubernetes.io/bench/"
API = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver", "control-plane-operator")
TLS = [
    "--cacert=/etc/etcd/tls/etcd-ca/ca.crt",
    "--cert=/etc/etcd/tls/client/etcd-client.crt",
    "--key=/etc/etcd/tls/client/etcd-client.key",
    "--endpoints=https://localhost:2379",
]
EXPORTS = (
    ("hostedcontrolplane", "hcp"), ("cluster.cluster.x-k8s.io", "cl"), ("awscluster", "awscl"),
    ("awsmachinetemplate", "awsmt"), ("awsmachine", "awsm"), ("machinedeployment", "machinedeployment"),
    ("machineset", "machineset"), ("machine.cluster.x-k8s.io", "machine"),
)  # fmt: skip
SERVER_SET = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
              "ownerReferences", "deletionTimestamp", "deletionGracePeriodSeconds")  # fmt: skip


class GuestProbe:
    """Asks the hosted cluster's API (GET /api/v1/nodes?limit=1) on the source and the destination every 50 ms."""

    def __init__(self, src, dst):
        self.src, self.dst = src, dst
        self.last_src_ok = self.first_dst_ok = None
        self._clients = {}
        self.errors = {}  # last failure per management cluster, shown when no downtime could be measured
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _ok(self, mgmt):
        from kubernetes import client, config

        try:
            path = mgmt.guest(mgmt.hosted_handle(NAME, NS)).kubeconfig
            if mgmt.name not in self._clients:
                self._clients[mgmt.name] = config.new_client_from_config(config_file=path)
            core = client.CoreV1Api(self._clients[mgmt.name])
            core.list_node(limit=1, _request_timeout=(0.5, 0.5))
            return True
        except Exception as exc:  # noqa: BLE001 - any failure is "no answer"; the client is rebuilt next time
            self._clients.pop(mgmt.name, None)
            self.errors[mgmt.name] = repr(exc)[:200]
            return False

    def _run(self):
        while not self._stop.is_set():
            now = time.monotonic()
            if self.first_dst_ok is None and self._ok(self.src):
                self.last_src_ok = now
            if self.first_dst_ok is None and self._ok(self.dst):
                self.first_dst_ok = time.monotonic()
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    @property
    def downtime(self):
        if self.last_src_ok is None or self.first_dst_ok is None:
            print("no downtime measured (source answered: %s, destination: %s; last errors: %s)"
                  % (self.last_src_ok is not None, self.first_dst_ok is not None, self.errors))  # fmt: skip
            return float("nan")
        return self.first_dst_ok - self.last_src_ok


def aws_env(https):
    return dict(FAKE_AWS_ENV, AWS_ENDPOINT_URL=https.endpoint_url, AWS_CA_BUNDLE=https.ca_cert)


def role_way(src, dst, https, work):
    extra = {
        "hostedcluster_migrate_name": NAME, "hostedcluster_migrate_namespace": NS,
        "hostedcluster_migrate_source_kubeconfig": src.kubeconfig,
        "hostedcluster_migrate_destination_kubeconfig": dst.kubeconfig,
        "hostedcluster_migrate_s3_bucket": BUCKET, "hostedcluster_migrate_s3_region": FAKE_AWS_ENV["AWS_REGION"],
        "hostedcluster_migrate_s3_endpoint_url": https.endpoint_url,
        "hostedcluster_migrate_s3_ca_bundle": https.ca_cert,
        "hostedcluster_migrate_backup_dir": os.path.join(work, "role"), "hostedcluster_migrate_confirm": True,
    }  # fmt: skip
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(aws_env(https), ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1")  # fmt: skip
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    inv = os.path.join(work, "inventory.json")
    with open(inv, "w") as f:
        json.dump({"hostedclusters": {"hosts": {NAME: {"ansible_connection": "local"}}}}, f)
    cmd = [binary, "-i", inv, "ocp.day2.hostedcluster_migrate", "-e", json.dumps(extra)]
    with GuestProbe(src, dst) as probe:
        start = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - start
        wait_until(lambda: probe.first_dst_ok is not None, 60)
    if proc.returncode != 0:
        raise SystemExit("the role failed:\n" + proc.stdout[-6000:])
    return probe.downtime, elapsed


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def kubectl(mgmt, *args, check=True, stdout=None, stdin=None, kubeconfig=None):
    cmd = ["kubectl", "--kubeconfig", kubeconfig or mgmt.kubeconfig, *args]
    proc = subprocess.run(cmd, check=False, input=stdin, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE)
    if check and proc.returncode != 0:
        raise SystemExit("%s failed: %s" % (" ".join(cmd[3:]), proc.stderr.decode()[-2000:]))
    return proc


def get_json(mgmt, *args):
    return json.loads(kubectl(mgmt, "get", *args, "-o", "json").stdout)


def save(obj, path):
    """Write obj without status and server-set metadata (what the seeds' sed was meant to do), 0600."""
    obj = {k: v for k, v in obj.items() if k != "status"}
    obj["metadata"] = {k: v for k, v in obj["metadata"].items() if k not in SERVER_SET}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)


def seed_way(src, dst, moto, s3, work):
    """000 §4.2.3 backup, §4.2.4 restore, §4.2.5 teardown and the OVN pods, one kubectl call per command."""
    hc_dir, hcp_dir = os.path.join(work, "seed", NS), os.path.join(work, "seed", HCP)
    os.makedirs(hc_dir, mode=0o700)
    os.makedirs(hcp_dir, mode=0o700)
    with GuestProbe(src, dst) as probe:
        start = time.monotonic()
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"from": src.name},
              "metadata": {"name": "mgmt-parent-cluster", "namespace": "default"}}  # fmt: skip
        kubectl(src, "create", "--validate=false", "-f", "-", stdin=json.dumps(cm).encode())
        pools = [p["metadata"]["name"] for p in get_json(src, "nodepools", "-n", NS)["items"]
                 if p["spec"].get("clusterName") == NAME]  # fmt: skip
        kubectl(
            src, "patch", "-n", NS, "hostedclusters/" + NAME, "--type=merge", "-p", '{"spec":{"pausedUntil":"true"}}'
        )
        for pool in pools:
            kubectl(
                src, "patch", "-n", NS, "nodepools/" + pool, "--type=merge", "-p", '{"spec":{"pausedUntil":"true"}}'
            )
        kubectl(src, "scale", "deployment", "-n", HCP, "--replicas=0", *API)
        for pod in ("etcd-0", "etcd-1", "etcd-2"):
            base = ["exec", "-n", HCP, "-c", "etcd", pod, "--"]
            kubectl(
                src, *base, "env", "ETCDCTL_API=3", "etcdctl", *TLS, "snapshot", "save", "/var/lib/data/snapshot.db"
            )
            kubectl(src, *base, "env", "ETCDCTL_API=3", "etcdctl", "-w", "table", "snapshot", "status",
                    "/var/lib/data/snapshot.db")  # fmt: skip
            local = os.path.join(work, "%s-snapshot.db" % pod)
            with open(local, "wb") as f:
                kubectl(src, *base, "cat", "/var/lib/data/snapshot.db", stdout=f)
            moto.client("s3").upload_file(local, BUCKET, "%s-%s-snapshot.db" % (NAME, pod))
        save(get_json(src, "hc", NAME, "-n", NS), os.path.join(hc_dir, "hc-%s.json" % NAME))
        for pool in pools:
            save(get_json(src, "np", pool, "-n", NS), os.path.join(hc_dir, "np-%s.json" % pool))
        for s in get_json(src, "secret", "-n", NS)["items"]:
            if s["metadata"]["name"].startswith(NAME):
                save(s, os.path.join(hc_dir, "secret-%s.json" % s["metadata"]["name"]))
        for s in get_json(src, "secret", "-n", HCP)["items"]:
            words = s["metadata"]["name"] + " " + s.get("type", "")
            if not any(w in words for w in ("docker", "service-account-token", "oauth-openshift", "token-" + NAME)):
                save(s, os.path.join(hcp_dir, "secret-%s.json" % s["metadata"]["name"]))
        for kind, prefix in EXPORTS:
            for obj in get_json(src, kind, "-n", HCP)["items"]:
                save(obj, os.path.join(hcp_dir, "%s-%s.json" % (prefix, obj["metadata"]["name"])))
        kubectl(src, "delete", "routes", "-n", HCP, "--all")
        domain = "%s.%s" % (NAME, get_json(src, "hc", NAME, "-n", NS)["spec"]["dns"]["baseDomain"])
        wait_until(lambda: not dns_records(moto, domain), 600, 1.0)
        # restore, on the destination
        for ns in (NS, HCP):
            if kubectl(dst, "get", "namespace", ns, check=False).returncode != 0:
                body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                kubectl(dst, "create", "--validate=false", "-f", "-", stdin=json.dumps(body).encode())
        apply(dst, hc_dir, "secret-*")
        for pattern in ("secret-*", "hcp-*", "cl-*", "awscl-*", "awsmt-*", "awsm-*", "machinedeployment-*",
                        "machineset-*", "machine-*"):  # fmt: skip
            apply(dst, hcp_dir, pattern)
        with open(os.path.join(hc_dir, "hc-%s.json" % NAME)) as f:
            hc = json.load(f)
        hc["spec"].pop("pausedUntil", None)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "%s-etcd-0-snapshot.db" % NAME})
        hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"] = [url]
        save(hc, os.path.join(hc_dir, "hc-%s-new.json" % NAME))
        apply(dst, hc_dir, "hc-%s-new.json" % NAME)
        apply(dst, hc_dir, "np-*")
        replicas = sum(p["spec"].get("replicas", 0) for p in get_json(dst, "nodepools", "-n", NS)["items"])
        if not wait_until(lambda: ready_nodes(dst) == replicas, NODES_TIMEOUT, 1.0):
            raise SystemExit(
                "the destination's nodes were not Ready within %d s (ready: %d of %d)"
                % (NODES_TIMEOUT, ready_nodes(dst), replicas)
            )
        seed_teardown(src)
        guest = dst.guest(dst.hosted_handle(NAME, NS)).kubeconfig
        kubectl(dst, "delete", "pod", "-n", "openshift-ovn-kubernetes", "--all", kubeconfig=guest)
        elapsed = time.monotonic() - start
        wait_until(lambda: probe.first_dst_ok is not None, 60)
    return probe.downtime, elapsed


def apply(mgmt, directory, pattern):
    files = sorted(glob.glob(os.path.join(directory, pattern)))
    if files:
        kubectl(mgmt, "apply", "--validate=false", *[a for f in files for a in ("-f", f)])


def dns_records(moto, domain):
    r53 = moto.client("route53")
    found = []
    for zone in r53.list_hosted_zones()["HostedZones"]:
        for rr in r53.list_resource_record_sets(HostedZoneId=zone["Id"], MaxItems="10000")["ResourceRecordSets"]:
            if domain in rr["Name"] and rr["Type"] in ("A", "CNAME"):
                found.append(rr["Name"])
    return found


def ready_nodes(dst):
    try:
        guest = dst.guest(dst.hosted_handle(NAME, NS)).kubeconfig
        nodes = json.loads(kubectl(dst, "get", "nodes", "-o", "json", kubeconfig=guest, check=False).stdout or b"{}")
    except Exception:  # noqa: BLE001 - not served yet
        return -1
    ready = 0
    for node in nodes.get("items", []):
        conds = (node.get("status") or {}).get("conditions") or []
        ready += any(c["type"] == "Ready" and c["status"] == "True" for c in conds)
    return ready


def seed_teardown(src):
    """000 §4.2.5 as written (a failing command does not stop the script). `kubectl delete` waits until the object is
    gone, without limit, as `oc delete` does; here 30 s, then the script goes on (else a NodePool whose finalizer the
    HyperShift operator put back right after the patch blocks it forever: upstream adds it before checking the pause).
    """
    kubectl(src, "scale", "deployment", "-n", HCP, "--replicas=0", "--all", check=False)
    kubectl(src, "scale", "statefulset.apps", "-n", HCP, "--replicas=0", "--all", check=False)
    time.sleep(15)
    remove = '[{"op":"remove","path":"/metadata/finalizers"}]'
    pools = [p["metadata"]["name"] for p in get_json(src, "nodepools", "-n", NS)["items"]
             if p["spec"].get("clusterName") == NAME]  # fmt: skip
    if pools:
        kubectl(src, "patch", "-n", NS, "nodepool", *pools, "--type=json", "--patch", remove, check=False)
        kubectl(src, "delete", "--timeout=30s", "np", "-n", NS, *pools, check=False)
    for kind in ("machines.cluster.x-k8s.io",):
        for m in get_json(src, kind, "-n", HCP)["items"]:
            ref = "%s/%s" % (kind, m["metadata"]["name"])
            kubectl(src, "patch", "-n", HCP, ref, "--type=json", "--patch", remove, check=False)
            kubectl(src, "delete", "--timeout=30s", "-n", HCP, ref, check=False)
    kubectl(src, "delete", "--timeout=30s", "machineset", "-n", HCP, "--all", check=False)
    for c in get_json(src, "cluster.cluster.x-k8s.io", "-n", HCP)["items"]:
        ref = "cluster.cluster.x-k8s.io/" + c["metadata"]["name"]
        kubectl(src, "patch", "-n", HCP, ref, "--type=json", "--patch", remove, check=False)
    kubectl(src, "delete", "--timeout=30s", "cluster.cluster.x-k8s.io", "-n", HCP, "--all", check=False)
    for m in get_json(src, "awsmachine.infrastructure.cluster.x-k8s.io", "-n", HCP)["items"]:
        ref = "awsmachine.infrastructure.cluster.x-k8s.io/" + m["metadata"]["name"]
        kubectl(src, "patch", "-n", HCP, ref, "--type=json", "--patch", remove, check=False)
        kubectl(src, "delete", "--timeout=30s", "-n", HCP, ref, check=False)
    hcp_kind = "hostedcontrolplane.hypershift.openshift.io"
    kubectl(src, "patch", "-n", HCP, hcp_kind, NAME, "--type=json", "--patch", remove, check=False)
    kubectl(
        src, "delete", "--timeout=30s", "hostedcontrolplane.hypershift.openshift.io", "-n", HCP, "--all", check=False
    )
    kubectl(src, "delete", "--timeout=30s", "ns", HCP, check=False)
    kubectl(src, "-n", NS, "patch", "hostedclusters", NAME, "-p", '{"metadata":{"finalizers":null}}', "--type", "merge",
            check=False)  # fmt: skip
    kubectl(src, "delete", "--timeout=30s", "hc", "-n", NS, NAME, check=False)
    kubectl(src, "delete", "--timeout=30s", "ns", NS, check=False)


def left_on_source(src):
    """What of the hosted cluster is still on the source management cluster (the teardown's job)."""
    left = ["HostedCluster"] * len(src.list(HS, "HostedCluster", NS))
    left += ["NodePool"] * len([p for p in src.list(HS, "NodePool", NS) if p["spec"].get("clusterName") == NAME])
    left += ["Namespace %s" % ns for ns in (HCP,) if src.get("v1", "Namespace", ns, None) is not None]
    return len(left)


def identical_on_every_member(dst, expected):
    hc = dst.hosted_handle(NAME, NS)
    try:
        return len(hc.etcd.members) == 3 and all(hc.etcd.get_all(KEYS, member=m) == expected for m in hc.etcd.members)
    except Exception:  # noqa: BLE001 - a member that does not answer is "not identical"
        return False


NODES_TIMEOUT = 600


def one_way(label, work, moto, https, keys, run):
    src = ManagementCluster(os.path.join(work, label, "src"), moto=moto, name="%s-src" % label).start()
    dst = ManagementCluster(os.path.join(work, label, "dst"), moto=moto, name="%s-dst" % label).start()
    try:
        moto.reset()
        s3 = moto.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        hc = src.create_hosted_cluster(name=NAME, namespace=NS, availability="HighlyAvailable", timeout=180)
        data = seed_keys(keys, prefix=KEYS)
        hc.etcd.put_many(data)
        expected = {k.encode(): v for k, v in data.items()}
        # a migration starts from a healthy cluster: its own API answers and its nodes are Ready
        guest = src.guest(hc)
        if not wait_until(lambda: GuestProbe(src, dst)._ok(src) and all(r for _n, r in guest.nodes() or [(0, 0)]), 300):
            raise SystemExit("the source's hosted cluster API never answered with Ready nodes")
        os.makedirs(os.path.join(work, label, "files"), mode=0o700)
        try:
            downtime, wall = run(src, dst, https, os.path.join(work, label, "files"))
        except SystemExit as exc:  # one way failing must not hide the other's figures
            print("%s: FAILED: %s" % (label, exc), flush=True)
            return float("nan"), float("nan"), identical_on_every_member(dst, expected), left_on_source(src)
        result = (downtime, wall, identical_on_every_member(dst, expected), left_on_source(src))
        print("%s: API down %.1f s, wall %.1f s, keys on all 3 %s, left on source %s" % ((label,) + result), flush=True)
        return result
    finally:
        dst.stop()
        src.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=20000, help="keys written before each migration (default 20000)")
    parser.add_argument("--only", choices=["role", "seeds"], help="run one way only (no ratio)")
    opts = parser.parse_args()
    if not shutil.which("kubectl"):
        raise SystemExit("kubectl is needed for the seeds' way")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    work = tempfile.mkdtemp(prefix="bench-migrate-")
    moto = MotoServer().start()
    https = HttpsFront(target=moto.endpoint_url).start()
    os.environ.update(aws_env(https))
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=https.endpoint_url, verify=https.ca_cert, region_name="us-east-1")
        load_before = os.getloadavg()
        nothing = (float("nan"), float("nan"), None, None)
        role = one_way("role", work, moto, https, opts.keys, role_way) if opts.only != "seeds" else nothing
        seeds = (
            nothing
            if opts.only == "role"
            else one_way(
                "seeds", work, moto, https, opts.keys, lambda src, dst, _h, files: seed_way(src, dst, moto, s3, files)
            )
        )
        load = os.getloadavg()
    finally:
        https.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\nHA hosted cluster, %d keys, 3 etcd members, moved between two simulated management clusters" % opts.keys)
    print("load average before the runs %.2f %.2f %.2f, after %.2f %.2f %.2f" % (load_before + load))
    print("%-56s %12s %11s %14s %15s" % ("", "API down", "wall time", "keys on all 3", "left on source"))
    print("%-56s %11.1fs %10.1fs %14s %15s" % ("ocp.day2.hostedcluster_migrate (all phases)", *role))
    print("%-56s %11.1fs %10.1fs %14s %15s" % ("seeds' steps (000 §4.2.3-4.2.5), kubectl per command", *seeds))
    print("%-56s %11.2fx %10.2fx" % ("ratio role / seeds", role[0] / seeds[0], role[1] / seeds[1]))


if __name__ == "__main__":
    main()
