"""Benchmark (not a test): move a large snapshot-sized file to S3 (moto on loopback) the way
etcd_snapshot does, and print wall time, throughput and peak RSS of the process doing it.

    .venv/bin/python scripts/bench_etcd_snapshot.py [--size-mib 512] [--dest] [--source file|pod|wsclient]

--source file (default): host mode, the snapshot file read in chunks.
--source pod: pod mode, `cat` in etcd-0 of a hosted cluster on the simulated management cluster
  (tests/sim), read frame by frame from the exec websocket as the module does.
--source wsclient: the same exec read through kubernetes' WSClient.update()/read_stdout(), for contrast.

    .venv/bin/python scripts/bench_etcd_snapshot.py --members [--keys 20000] [--rounds 2]

--members: etcd_snapshot `members` through ansible-playbook on the simulator's HA hosted cluster (3 members,
--keys keys), to disk and S3, with concurrency 1 (one member after the other) and 3 (all at once); prints the
module's own duration and the playbook's wall time of each round.

The transfer runs in a child process; its peak RSS (VmHWM, reset after the imports) is printed next
to its RSS before the transfer. With bounded memory the difference stays flat whatever --size-mib.
"""

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
import boto3
from botocore.config import Config
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import Delivery, FileSink, copy_file, file_sha256
from ansible_collections.ocp.day2.plugins.module_utils.aws.s3_transfer import S3Sink
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline

def vm(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

src, endpoint, dest, source = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
if source != "file":
    import kubernetes
    from kubernetes.client.api import core_v1_api
    from kubernetes.stream import stream
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec
    kubeconfig, namespace, pod_path, sha, size = sys.argv[5:10]
    size = int(size)
    api = kubernetes.config.new_client_from_config(kubeconfig)
client = RetryingBotoClientWrapper(
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIABENCH",
                 aws_secret_access_key="bench", config=Config(signature_version="s3v4")),
    AWSRetry.jittered_backoff(),
)
# Reset the peak (VmHWM) so the imports' transient peak does not hide the transfer's own.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
baseline = vm("VmRSS")
start = time.monotonic()
if source == "file":
    sha, size = file_sha256(src)
hashed = time.monotonic()
sinks = [S3Sink(client, "bench", "snapshot.db", sha, size_hint=size)]
if dest != "-":
    sinks.append(FileSink(dest))
delivery = Delivery(sinks)
if source == "file":
    copy_file(src, delivery)
elif source == "pod":
    result = PodExec(api, namespace, "etcd-0", "etcd").run(["cat", pod_path], Deadline(3600), "bench", delivery.write)
    assert result.exit_code == 0, result.stderr
else:
    resp = stream(core_v1_api.CoreV1Api(api).connect_get_namespaced_pod_exec, "etcd-0", namespace,
                  command=["cat", pod_path], container="etcd", stderr=True, stdin=False, stdout=True, tty=False,
                  _preload_content=False, binary=True)
    while resp.is_open():
        resp.update(timeout=1)
        if resp.peek_stdout():
            delivery.write(resp.read_stdout())
    resp.close()
out = delivery.finish(sha, size)
end = time.monotonic()
print(json.dumps({"hash_s": hashed - start, "transfer_s": end - hashed, "bytes": size,
                  "parts": out["s3"]["parts"], "baseline_kib": baseline,
                  "peak_kib": vm("VmHWM")}))
"""


def write_file(path, size_mib):
    block = hashlib.sha256(b"etcd").digest() * 32768  # 1 MiB, not all zeros
    with open(path, "wb") as f:
        for i in range(size_mib):
            f.write(block[i % 7 :] + block[: i % 7])


def sha256_of(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


MEMBERS_PLAY = """
- name: Snapshot every member
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Snapshot the members
      ocp.day2.etcd_snapshot:
        namespace: "{{ ns }}"
        members: "{{ members }}"
        concurrency: "{{ concurrency }}"
        s3_bucket: bench
        s3_endpoint_url: "{{ s3_url }}"
        s3_region: us-east-1
      register: snap
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ snap | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def bench_members(args):
    import json

    from tests.harness.ansible import run_playbook, write_playbook
    from tests.harness.etcd import seed_keys
    from tests.harness.moto import FAKE_AWS_ENV, MotoServer
    from tests.sim.cluster import ManagementCluster

    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto:
        moto.client("s3").create_bucket(Bucket="bench")
        mgmt = ManagementCluster(os.path.join(tmp, "mgmt"), moto=moto).start()
        try:
            hc = mgmt.create_hosted_cluster(name="bench", availability="HighlyAvailable")
            hc.etcd.put_many(seed_keys(args.keys, prefix="/kubernetes.io/bench/"))
            play = write_playbook(tmp, MEMBERS_PLAY)
            env = dict(FAKE_AWS_ENV, K8S_AUTH_KUBECONFIG=str(mgmt.kubeconfig))
            rows = []
            for rnd in range(args.rounds):
                for concurrency in (1, 3):
                    members = [
                        {"pod": p, "dest": os.path.join(tmp, "b", "%d-%s.db" % (rnd, p)), "s3_key": "%d/%s" % (rnd, p)}
                        for p in ("etcd-0", "etcd-1", "etcd-2")
                    ]  # fmt: skip
                    out = os.path.join(tmp, "result.json")
                    extra = {"ns": hc.hcp_namespace, "members": members, "concurrency": concurrency,
                             "s3_url": moto.endpoint_url, "out": out}  # fmt: skip
                    started = time.monotonic()
                    proc = run_playbook(play, extra_vars=extra, env=env)
                    wall = time.monotonic() - started
                    if proc.rc != 0:
                        sys.stderr.write(repr(proc))
                        return 1
                    with open(out) as f:
                        result = json.load(f)
                    size = result["artifacts"][0]["bytes"]
                    rows.append((rnd + 1, concurrency, result["duration"], wall, size))
        finally:
            mgmt.stop()
    print(
        "HA hosted cluster, %d keys, 3 members, disk + S3 (snapshot %.1f MiB each)" % (args.keys, rows[0][4] / 1048576)
    )
    print("%-6s %-12s %-18s %s" % ("round", "concurrency", "module duration", "playbook wall time"))
    for rnd, concurrency, duration, wall, _size in rows:
        print("%-6d %-12s %-18s %.2f s" % (rnd, concurrency, "%.2f s" % duration, wall))
    for concurrency in (1, 3):
        best = min(r[2] for r in rows if r[1] == concurrency)
        print("best module duration, concurrency %d: %.2f s" % (concurrency, best))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--dest", action="store_true", help="also write the file to a dest path (fan-out)")
    parser.add_argument("--source", choices=["file", "pod", "wsclient"], default="file")
    parser.add_argument("--members", action="store_true", help="etcd_snapshot members: sequential vs concurrent")
    parser.add_argument("--keys", type=int, default=20000, help="keys in the hosted etcd for --members")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of sequential + concurrent for --members")
    args = parser.parse_args()
    if args.members:
        return bench_members(args)

    import json

    from tests.harness.moto import MotoServer

    pythonpath = os.path.join(ROOT, ".build", "pythonpath")
    os.makedirs(os.path.join(pythonpath, "ansible_collections", "ocp"), exist_ok=True)
    link = os.path.join(pythonpath, "ansible_collections", "ocp", "day2")
    if not os.path.islink(link):
        os.symlink(ROOT, link)

    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto:
        moto.client("s3").create_bucket(Bucket="bench")
        mgmt = None
        extra = []
        try:
            src = os.path.join(tmp, "snapshot.db")
            if args.source != "file":
                from tests.sim.cluster import ManagementCluster

                mgmt = ManagementCluster(os.path.join(tmp, "mgmt"), moto=moto).start()
                hc = mgmt.create_hosted_cluster(name="bench", availability="SingleReplica")
                src = os.path.join(hc.member_dir(0), "bench-snapshot.db")  # the pod's /var/lib/bench-snapshot.db
            write_file(src, args.size_mib)
            if args.source != "file":
                sha, size = sha256_of(src)
                extra = [mgmt.kubeconfig, hc.hcp_namespace, "/var/lib/bench-snapshot.db", sha, str(size)]
            env = dict(os.environ, BENCH_ROOT=ROOT, PYTHONPATH=pythonpath)
            dest = os.path.join(tmp, "out", "snapshot.db") if args.dest else "-"
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, src, moto.endpoint_url, dest, args.source, *extra],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            if mgmt is not None:
                mgmt.stop()
        wall = time.monotonic() - started
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        mib = r["bytes"] / 1048576
        print(
            "snapshot size      : %.0f MiB in %d S3 parts%s, source %s"
            % (mib, r["parts"], " (+ dest file)" if args.dest else "", args.source)
        )
        print("wall time          : %.2f s (child process, incl. start-up)" % wall)
        print("sha256 at source   : %.2f s" % r["hash_s"])
        print("transfer + verify  : %.2f s (%.0f MiB/s)" % (r["transfer_s"], mib / max(r["transfer_s"], 1e-6)))
        base, peak = r["baseline_kib"] / 1024, r["peak_kib"] / 1024
        print("RSS before transfer: %.1f MiB (interpreter, boto3, collection code)" % base)
        print("peak RSS during it : %.1f MiB (+%.1f MiB for the transfer)" % (peak, peak - base))
        print("peak RSS (lifetime): %.1f MiB (rusage, includes the imports' transient peak)" % (child_peak / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
