"""Benchmark (not a test): back up a fleet of hosted clusters through the ocp.day2.hostedclusters inventory.

Starts two simulated management clusters with --clusters SingleReplica hosted clusters spread over them (default
20, each with --keys keys), writes an inventory source for ocp.day2.hostedclusters naming both, then runs the
collection's playbook `ocp.day2.hostedcluster_etcd_backup` unchanged against it, once with --forks 1 and once
with --forks 10 (backups to disk; --s3 also uploads to a moto server), and prints both wall times and their
ratio. Goal on a 2-core machine: forks 10 at most 1/4 of forks 1.

Measured (2 CPUs, --pod-ready-seconds 10): with the backup role at ~11 s of controller CPU per cluster, forks 1
451.2 s, forks 10 158.6 s, ratio 0.35 (forks 10 at the CPU floor). With the role cut to ~6.5 s per cluster (one
module run for the HostedCluster, key secrets and etcd health, key secrets saved by etcd_snapshot, no typed
Kubernetes API classes, one find to verify): started on a quiet machine 387.9 s / 135.5 s, ratio 0.35 (a CI run
started during forks 10; goal missed); on a busy machine (load 8 to 13) 944.5 s / 217.3 s, ratio 0.23. With the
manifest written and read back by the etcd_snapshot run (4 module runs, ~3 s of CPU per cluster) forks 10 alone
took 72 to 77 s (83 to 91 s before, back to back). docs/awx.md section 5 has the tables.

--pod-ready-seconds (default 10) is how long a Deployment's new pod takes to turn Ready in the simulated
management clusters. On a real one the API servers scaled back after the snapshot are Ready only after their
readiness probes pass (HyperShift probes kube-apiserver every 10 s; start-up takes 10 to 60 s), and that wait is
what forks overlap. With 0 (pods Ready at once, as the tests run) a backup is nearly all controller CPU, and the
ratio cannot drop below the CPU floor printed beside it.

Also printed: the time of `ansible-inventory --list` on the source, the load average, and for each run the
time until the playbook's first task starts, the wall time per cluster, and the CPU time of ansible-playbook with
all its workers and module processes, and the CPU time of this process (the two simulated management clusters'
API servers and controllers, and moto). Both CPU times together divided by the number of CPUs is a floor for the
wall time of any fork count: when forks 1 is mostly CPU (not waiting), forks 10 cannot be much faster than that
floor.

Run from the repository root after `make collection` (or with OCP_DAY2_COLLECTIONS_PATH set):
    .venv/bin/python scripts/bench_fleet_backup.py [--clusters 20] [--keys 200] [--forks 1,10] [--s3]
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.harness.ansible import collections_path  # noqa: E402
from tests.harness.etcd import seed_keys  # noqa: E402
from tests.harness.moto import MotoServer  # noqa: E402
from tests.sim.cluster import ManagementCluster  # noqa: E402

BUCKET = "fleet-backups"


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


def build_fleet(managements, count, keys):
    """count SingleReplica hosted clusters, round-robin over the management clusters; all created first, then
    waited for, so the etcd members start in parallel."""
    handles = []
    for i in range(count):
        mgmt = managements[i % len(managements)]
        namespace = "clusters" if i % 4 else "fleet-%d" % (i % 3)
        handles.append(
            (mgmt, mgmt.create_hosted_cluster(name="hc%02d" % i, namespace=namespace, availability="SingleReplica",
                                              wait=False))
        )  # fmt: skip
    for mgmt, hc in handles:
        mgmt.wait_hosted_cluster(hc, timeout=300)
        if keys:
            hc.etcd.put_many(seed_keys(keys, prefix="/kubernetes.io/fleet/"))
    return handles


def run_backup(source, forks, work, moto, use_s3):
    extra = {
        "hostedcluster_etcd_backup_dir": os.path.join(work, "backups-forks%d" % forks),
        "hostedcluster_etcd_backup_wait_timeout": 300,
    }
    if use_s3:
        extra.update(
            hostedcluster_etcd_backup_s3_bucket=BUCKET, hostedcluster_etcd_backup_s3_endpoint_url=moto.endpoint_url
        )
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    args = [binary, "-i", source, "ocp.day2.hostedcluster_etcd_backup", "--forks", str(forks), "-e", json.dumps(extra)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    proc = subprocess.Popen(args, env=ansible_env(moto), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first_task = None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if first_task is None and line.startswith("TASK ["):
            first_task = time.monotonic() - start
    proc.wait()
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU of this process: both simulated management clusters (API servers, controllers), moto
    sim_cpu = (sim_after.ru_utime - sim_before.ru_utime) + (sim_after.ru_stime - sim_before.ru_stime)
    # CPU of ansible-playbook, its workers and every module process (all waited for, so counted here)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = "".join(lines)
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M)
    bad = [host for host, unreachable, failed in recap if unreachable != "0" or failed != "0"]
    if proc.returncode != 0 or bad or not recap:
        raise SystemExit(
            "forks %d: the backup failed (rc %d, hosts %s):\n%s" % (forks, proc.returncode, bad, output[-5000:])
        )
    return elapsed, first_task or float("nan"), len(recap), cpu, sim_cpu


def inventory_time(source, moto):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    start = time.monotonic()
    proc = subprocess.run(
        [binary, "-i", source, "--list"], env=ansible_env(moto), capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("ansible-inventory failed:\n" + proc.stderr[-3000:])
    hosts = json.loads(proc.stdout)["_meta"]["hostvars"]
    return elapsed, len(hosts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=20, help="hosted clusters in all (default 20)")
    parser.add_argument("--keys", type=int, default=200, help="keys written into each hosted cluster (default 200)")
    parser.add_argument("--forks", default="1,10", help="comma-separated fork counts, in order (default 1,10)")
    parser.add_argument("--s3", action="store_true", help="also upload every snapshot to S3 (moto)")
    parser.add_argument("--no-pipelining", action="store_true", help="inventory option pipelining: false")
    parser.add_argument(
        "--pod-ready-seconds",
        type=float,
        default=10.0,
        help="seconds until a new control-plane pod (API servers scaled back after the snapshot) turns Ready; "
        "default 10, the period of the kube-apiserver readiness probe HyperShift sets (a real one takes 10 to 60 s); "
        "0 = at once, as in the tests",
    )
    opts = parser.parse_args()
    forks_list = [int(f) for f in opts.forks.split(",")]

    work = tempfile.mkdtemp(prefix="bench-fleet-")
    moto = MotoServer().start()
    managements = []
    try:
        for name in ("mgmt-east", "mgmt-west"):
            managements.append(
                ManagementCluster(
                    os.path.join(work, name), moto=moto, name=name, pod_ready_seconds=opts.pod_ready_seconds
                ).start()
            )
        start = time.monotonic()
        build_fleet(managements, opts.clusters, opts.keys)
        setup = time.monotonic() - start
        if opts.s3:
            moto.client("s3").create_bucket(Bucket=BUCKET)
        source = os.path.join(work, "fleet.hostedclusters.yml")
        with open(source, "w") as f:
            yaml.safe_dump(
                {
                    "plugin": "ocp.day2.hostedclusters",
                    "management_clusters": [{"kubeconfig": m.kubeconfig} for m in managements],
                    "pipelining": not opts.no_pipelining,
                },
                f,
            )
        inv_s, inv_hosts = inventory_time(source, moto)
        if inv_hosts != opts.clusters:
            raise SystemExit("the inventory lists %d hosts, expected %d" % (inv_hosts, opts.clusters))

        results = {}
        load_before = os.getloadavg()
        for forks in forks_list:
            results[forks] = run_backup(source, forks, work, moto, opts.s3)
        load = os.getloadavg()

        print("\nFleet backup: %d SingleReplica hosted clusters on 2 simulated management clusters, %d keys each, %s, "
              "pipelining %s" % (opts.clusters, opts.keys, "disk + S3" if opts.s3 else "disk",
                                 "off" if opts.no_pipelining else "on"))  # fmt: skip
        print("a new control-plane pod turns Ready %.1f s after it is created" % opts.pod_ready_seconds)
        print(
            "fleet set-up %.1fs; ansible-inventory --list: %d hosts in %.2fs; %d CPUs"
            % (setup, inv_hosts, inv_s, os.cpu_count())
        )
        print("load average before the runs %.2f %.2f %.2f, after %.2f %.2f %.2f" % (load_before + load))
        floor = "floor (all CPU/%d)" % os.cpu_count()
        header = ("forks", "wall time", "to 1st task", "per cluster", "ansible CPU", "simulator CPU", floor)
        print("%-8s %11s %14s %12s %14s %14s %20s" % header)
        for forks, (elapsed, first, hosts, cpu, sim_cpu) in results.items():
            row = (forks, elapsed, first, elapsed / hosts, cpu, sim_cpu, (cpu + sim_cpu) / os.cpu_count())
            print("%-8d %10.1fs %13.1fs %11.2fs %13.1fs %13.1fs %19.1fs" % row)
        if len(forks_list) >= 2:
            low, high = forks_list[0], forks_list[-1]
            ratio = results[high][0] / results[low][0]
            print(
                "ratio forks %d / forks %d: %.2f (goal <= 0.25: %s)"
                % (high, low, ratio, "met" if ratio <= 0.25 else "MISSED")
            )
    finally:
        for mgmt in reversed(managements):
            mgmt.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
