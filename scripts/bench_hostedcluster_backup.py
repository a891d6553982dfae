"""Benchmark (not a test): the hostedcluster_etcd_backup role against the seeds' way, on the simulator.

Prints, side by side in one run on a simulated management cluster with a HighlyAvailable hosted cluster:
- the downtime window (from the first API server Deployment scaled to 0 until all of them report available
  again, watched from the client side by a thread) and the total wall time of
  `ansible-playbook ocp.day2.hostedcluster_etcd_backup` (disk + S3, verified, rolled back on failure), and of
  the seeds' procedure (000 §4.1.1, 003 §5.4.4): pause the HostedCluster and its NodePools with `kubectl patch`,
  scale the 3 API server Deployments to 0, then in each etcd pod in turn `etcdctl snapshot save` and
  `snapshot status` through `kubectl exec`, copy the file out (`kubectl exec ... cat`) and upload it to S3,
  then scale up and resume; with the ratios role / seeds;
- the peak memory (max RSS of the module process tree) of moving a large (default 512 MB) snapshot from a pod
  to S3 with ocp.day2.etcd_snapshot, next to `kubectl exec ... cat > file` + upload.

Run from the repository root after `make collection` (or with OCP_DAY2_COLLECTIONS_PATH set):
    .venv/bin/python scripts/bench_hostedcluster_backup.py [--keys 20000] [--large-mb 512] [--skip-large]
"""

import argparse
import json
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
from tests.harness.moto import MotoServer  # noqa: E402
from tests.sim.cluster import ManagementCluster  # noqa: E402

API = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")
TLS = [
    "--cacert=/etc/etcd/tls/etcd-ca/ca.crt",
    "--cert=/etc/etcd/tls/client/etcd-client.crt",
    "--key=/etc/etcd/tls/client/etcd-client.key",
    "--endpoints=https://localhost:2379",
]
BUCKET = "bench-backups"


def ansible_env(moto):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(moto.env)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_NOCOLOR="1",
    )
    return env


def child_maxrss_mb(args, env):
    """Run args in a fresh process and return (rc, max RSS in MB of it and its waited-for descendants)."""
    code = (
        "import resource, subprocess, sys\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True)
    rc, kb = out.stdout.split()
    return int(rc), int(kb) / 1024.0


class WindowWatch:
    """Watches the API server Deployments from a thread (simulator state, every 10 ms): the downtime window
    starts when the first of them is scaled to 0 and ends when all of them are back to `want` replicas and
    report them available."""

    def __init__(self, mgmt, hc, want):
        self.mgmt, self.hc, self.want = mgmt, hc, want
        self.down_at = self.up_at = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _state(self):
        deps = [self.mgmt.get("apps/v1", "Deployment", name, self.hc.hcp_namespace) for name in API]
        return [(d["spec"].get("replicas"), (d.get("status") or {}).get("availableReplicas") or 0) for d in deps]

    def _run(self):
        while not self._stop.is_set():
            now, state = time.monotonic(), self._state()
            if self.down_at is None:
                if any(spec == 0 for spec, _avail in state):
                    self.down_at = now
            elif all(spec == self.want and avail >= self.want for spec, avail in state):
                self.up_at = now
                return
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        deadline = time.monotonic() + 120
        while self.up_at is None and self.down_at is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join(5)

    @property
    def window(self):
        if self.down_at is None or self.up_at is None:
            return float("nan")
        return self.up_at - self.down_at


def role_backup(mgmt, hc, moto, work):
    inv = os.path.join(work, "inventory.json")
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "hostedcluster_etcd_backup_name": hc.name,
        "hostedcluster_etcd_backup_namespace": hc.namespace,
        "hostedcluster_etcd_backup_kubeconfig": mgmt.kubeconfig,
        "hostedcluster_etcd_backup_dir": os.path.join(work, "role"),
        "hostedcluster_etcd_backup_s3_bucket": BUCKET,
        "hostedcluster_etcd_backup_s3_endpoint_url": moto.endpoint_url,
    }
    with open(inv, "w") as f:
        json.dump({"hostedclusters": {"hosts": {hc.name: host}}}, f)
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    with WindowWatch(mgmt, hc, api_replicas(mgmt, hc)) as watch:
        start = time.monotonic()
        proc = subprocess.run(
            [binary, "-i", inv, "ocp.day2.hostedcluster_etcd_backup"],
            env=ansible_env(moto),
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("the role failed:\n" + proc.stdout[-4000:])
    return watch.window, elapsed


def api_replicas(mgmt, hc):
    return mgmt.get("apps/v1", "Deployment", API[0], hc.hcp_namespace)["spec"]["replicas"]


def kubectl(mgmt, *args, stdout=None):
    cmd = ["kubectl", "--kubeconfig", mgmt.kubeconfig, *args]
    return subprocess.run(cmd, check=True, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)


def seed_way_backup(mgmt, hc, moto, work):
    """The seeds' procedure (000 §4.1.1, 003 §5.4.4), one kubectl call per step, S3 upload from the controller.

    Deviations, so that it runs at all: the CA path is the one current HyperShift mounts
    (/etc/etcd/tls/etcd-ca/ca.crt; the seeds' etcd-client-ca.crt no longer exists), the file is copied out
    with `kubectl exec ... cat` and uploaded with boto3 instead of the seeds' curl with a SigV2 signature.
    The total ends when the API servers are available again (what the admin waits for).
    """
    ns, hcp = hc.namespace, hc.hcp_namespace
    out_dir = os.path.join(work, "seed")
    os.makedirs(out_dir, mode=0o700)
    s3 = moto.client("s3")
    want = api_replicas(mgmt, hc)
    nodepools = [
        np["metadata"]["name"]
        for np in mgmt.list("hypershift.openshift.io/v1beta1", "NodePool", ns)
        if np["spec"].get("clusterName") == hc.name
    ]
    with WindowWatch(mgmt, hc, want) as watch:
        start = time.monotonic()
        kubectl(mgmt, "patch", "-n", ns, "hostedclusters/" + hc.name, "--type=merge",
                "-p", '{"spec":{"pausedUntil":"true"}}')  # fmt: skip
        for np in nodepools:
            kubectl(mgmt, "patch", "-n", ns, "nodepools/" + np, "--type=merge",
                    "-p", '{"spec":{"pausedUntil":"true"}}')  # fmt: skip
        kubectl(mgmt, "scale", "deployment", "-n", hcp, "--replicas=0", *API)
        replicas = mgmt.get("apps/v1", "StatefulSet", "etcd", hcp)["spec"]["replicas"]
        for i in range(replicas):
            pod = "etcd-%d" % i
            kubectl(mgmt, "exec", "-n", hcp, "-c", "etcd", pod, "--", "env", "ETCDCTL_API=3", "etcdctl", *TLS,
                    "snapshot", "save", "/var/lib/data/snapshot.db")  # fmt: skip
            kubectl(mgmt, "exec", "-n", hcp, "-c", "etcd", pod, "--", "env", "ETCDCTL_API=3", "etcdctl",
                    "-w", "table", "snapshot", "status", "/var/lib/data/snapshot.db")  # fmt: skip
            local = os.path.join(out_dir, "%s-snapshot.db" % pod)
            with open(local, "wb") as f:
                kubectl(mgmt, "exec", "-n", hcp, "-c", "etcd", pod, "--", "cat", "/var/lib/data/snapshot.db",
                        stdout=f)  # fmt: skip
            s3.upload_file(local, BUCKET, "seed/%s-%s-snapshot.db" % (hc.name, pod))
        kubectl(mgmt, "scale", "deployment", "-n", hcp, "--replicas=%d" % want, *API)
        kubectl(mgmt, "patch", "-n", ns, "hostedclusters/" + hc.name, "--type=merge",
                "-p", '{"spec":{"pausedUntil":null}}')  # fmt: skip
        for np in nodepools:
            kubectl(mgmt, "patch", "-n", ns, "nodepools/" + np, "--type=merge",
                    "-p", '{"spec":{"pausedUntil":null}}')  # fmt: skip
        commands_done = time.monotonic()
    return watch.window, max(commands_done, watch.up_at or commands_done) - start


def fill_large(hc, megabytes):
    """Write about `megabytes` MB of values (1 MB each, below etcd's request limit) into the cluster."""
    blob = os.urandom(1 << 20)
    for start in range(0, megabytes, 16):
        hc.etcd.put_many(
            {"/bench/large/%05d" % i: blob[i % 7 :] + blob[: i % 7] for i in range(start, min(megabytes, start + 16))}
        )


def large_transfer(mgmt, hc, moto, work, megabytes):
    fill_large(hc, megabytes)
    args = [
        os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-c", "local",
        "-m", "ocp.day2.etcd_snapshot", "-a", json.dumps({
            "mode": "pod", "namespace": hc.hcp_namespace, "pod": "etcd-0", "kubeconfig": mgmt.kubeconfig,
            "s3_bucket": BUCKET, "s3_key": "large/etcd-0.db", "endpoint_url": moto.endpoint_url, "timeout": 1800}),
    ]  # fmt: skip
    start = time.monotonic()
    rc, module_mb = child_maxrss_mb(args, ansible_env(moto))
    module_s = time.monotonic() - start
    if rc != 0:
        raise SystemExit("etcd_snapshot of the large snapshot failed (rc %d)" % rc)
    size = moto.client("s3").head_object(Bucket=BUCKET, Key="large/etcd-0.db")["ContentLength"]
    baseline_rc, baseline_mb = child_maxrss_mb(args[:4] + ["-m", "ansible.builtin.ping"], ansible_env(moto))

    local = os.path.join(work, "large-seed.db")
    snap = ["kubectl", "--kubeconfig", mgmt.kubeconfig, "exec", "-n", hc.hcp_namespace, "-c", "etcd", "etcd-0", "--"]
    subprocess.run(snap + ["env", "ETCDCTL_API=3", "etcdctl", *TLS, "snapshot", "save", "/var/lib/data/snapshot.db"],
                   check=True, capture_output=True)  # fmt: skip
    code = (
        "import subprocess, sys, resource, boto3\n"
        "with open(sys.argv[1], 'wb') as f:\n"
        "    subprocess.run(sys.argv[4:], stdout=f, check=True)\n"
        "boto3.client('s3', endpoint_url=sys.argv[2]).upload_file(sys.argv[1], sys.argv[3], 'large/seed.db')\n"
        "print(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    )
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code, local, moto.endpoint_url, BUCKET, *snap, "cat", "/var/lib/data/snapshot.db"],
        env=ansible_env(moto),
        capture_output=True,
        text=True,
        check=True,
    )
    seed_s = time.monotonic() - start
    return (
        size,
        module_s,
        module_mb,
        baseline_mb if baseline_rc == 0 else float("nan"),
        seed_s,
        int(out.stdout) / 1024.0,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=20000, help="keys written before the backups (default 20000)")
    parser.add_argument("--large-mb", type=int, default=512, help="size of the large snapshot in MB (default 512)")
    parser.add_argument("--skip-large", action="store_true", help="skip the large-snapshot memory measurement")
    opts = parser.parse_args()
    if not shutil.which("kubectl"):
        raise SystemExit("kubectl is needed for the seeds' way")

    work = tempfile.mkdtemp(prefix="bench-hc-")
    moto = MotoServer().start()
    mgmt = ManagementCluster(os.path.join(work, "mgmt"), moto=moto, name="bench").start()
    try:
        hc = mgmt.create_hosted_cluster(name="bench", availability="HighlyAvailable", timeout=120)
        hc.etcd.put_many(seed_keys(opts.keys, prefix="/kubernetes.io/bench/"))
        moto.client("s3").create_bucket(Bucket=BUCKET)
        load_before = os.getloadavg()
        role_w, role_s = role_backup(mgmt, hc, moto, work)
        seed_w, seed_s = seed_way_backup(mgmt, hc, moto, work)
        load = os.getloadavg()
        print("\nHA hosted cluster, %d keys, 3 members, disk + S3" % opts.keys)
        print("load average before the runs %.2f %.2f %.2f, after %.2f %.2f %.2f" % (load_before + load))
        print("%-58s %12s %11s" % ("", "API down", "wall time"))
        print("%-58s %11.1fs %10.1fs" % ("ocp.day2.hostedcluster_etcd_backup (verified, rollback)", role_w, role_s))
        print("%-58s %11.1fs %10.1fs" % ("seeds' procedure: kubectl per step, sequential members", seed_w, seed_s))
        print("%-58s %11.2fx %10.2fx" % ("ratio role / seeds", role_w / seed_w, role_s / seed_s))
        if not opts.skip_large:
            size, mod_s, mod_mb, base_mb, seed_l_s, seed_mb = large_transfer(mgmt, hc, moto, work, opts.large_mb)
            print("\nLarge snapshot (%d MB) from a pod to S3" % (size >> 20))
            print("%-58s %10s %12s" % ("", "wall time", "peak RSS"))
            print("%-58s %9.1fs %9.0f MB" % ("ocp.day2.etcd_snapshot (streamed multipart, sha256)", mod_s, mod_mb))
            print("%-58s %10s %9.0f MB" % ("  (baseline: ansible running ping)", "", base_mb))
            print("%-58s %9.1fs %9.0f MB" % ("seeds' way: kubectl exec cat > file, then upload", seed_l_s, seed_mb))
    finally:
        mgmt.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
