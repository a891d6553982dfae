"""Benchmark (not a test): move a large snapshot-sized file to S3 (moto on loopback) the way
etcd_snapshot does, and print wall time, throughput and peak RSS of the process doing it.

    .venv/bin/python scripts/bench_etcd_snapshot.py [--size-mib 512] [--dest]

The transfer runs in a child process so its peak RSS (ru_maxrss) is its own, not the benchmark's.
With bounded memory the peak stays near the interpreter's baseline plus a few S3 parts, whatever --size-mib.
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
from ansible_collections.ocp.day2.plugins.module_utils.etcd_delivery import Delivery, FileSink, copy_file, file_sha256
from ansible_collections.ocp.day2.plugins.module_utils.s3_transfer import S3Sink

def vm(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

src, endpoint, dest = sys.argv[1], sys.argv[2], sys.argv[3]
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
sha, size = file_sha256(src)
hashed = time.monotonic()
sinks = [S3Sink(client, "bench", "snapshot.db", sha, size_hint=size)]
if dest != "-":
    sinks.append(FileSink(dest))
delivery = Delivery(sinks)
copy_file(src, delivery)
out = delivery.finish(sha, size)
end = time.monotonic()
print(json.dumps({"hash_s": hashed - start, "transfer_s": end - hashed, "bytes": size,
                  "parts": out["s3"]["parts"], "baseline_kib": baseline,
                  "peak_kib": vm("VmHWM")}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--dest", action="store_true", help="also write the file to a dest path (fan-out)")
    args = parser.parse_args()

    import json

    from tests.harness.moto import MotoServer

    pythonpath = os.path.join(ROOT, ".build", "pythonpath")
    os.makedirs(os.path.join(pythonpath, "ansible_collections", "ocp"), exist_ok=True)
    link = os.path.join(pythonpath, "ansible_collections", "ocp", "day2")
    if not os.path.islink(link):
        os.symlink(ROOT, link)

    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto:
        moto.client("s3").create_bucket(Bucket="bench")
        src = os.path.join(tmp, "snapshot.db")
        block = hashlib.sha256(b"etcd").digest() * 32768  # 1 MiB, not all zeros
        with open(src, "wb") as f:
            for i in range(args.size_mib):
                f.write(block[i % 7 :] + block[: i % 7])
        env = dict(os.environ, BENCH_ROOT=ROOT, PYTHONPATH=pythonpath)
        dest = os.path.join(tmp, "out", "snapshot.db") if args.dest else "-"
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, src, moto.endpoint_url, dest],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - started
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        mib = r["bytes"] / 1048576
        print(
            "snapshot size      : %.0f MiB in %d S3 parts%s" % (mib, r["parts"], " (+ dest file)" if args.dest else "")
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
