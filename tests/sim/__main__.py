"""`python -m tests.sim serve`: run simulated management clusters until Ctrl-C or SIGTERM.

Writes .build/sim/kubeconfig-<name> for each cluster, .build/sim/kubeconfig (all contexts) and
.build/sim/env (KUBECONFIG, AWS_* for the moto server, SIM_* paths) to source in a shell.
"""

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.harness.moto import MotoServer  # noqa: E402
from tests.sim.cluster import ManagementCluster  # noqa: E402


def _merge_kubeconfigs(paths, out):
    merged = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for path in paths:
        with open(path) as f:
            cfg = yaml.safe_load(f)
        for key in ("clusters", "users", "contexts"):
            merged[key] += cfg[key]
        merged.setdefault("current-context", cfg["current-context"])
    with open(out, "w") as f:
        yaml.safe_dump(merged, f)
    os.chmod(out, 0o600)


def serve(args):
    out = os.path.abspath(args.dir)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out, mode=0o700)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = MotoServer().start()
    clusters = []
    try:
        for name in args.names:
            mgmt = ManagementCluster(os.path.join(out, name), moto=moto, name=name).start()
            clusters.append(mgmt)
            shutil.copy(mgmt.kubeconfig, os.path.join(out, "kubeconfig-%s" % name))
        first = clusters[0]
        if args.hosted_cluster:
            started = time.monotonic()
            hc = first.create_hosted_cluster(name=args.hosted_cluster, availability=args.availability)
            print("hosted cluster %s/%s ready in %.1fs" % (hc.namespace, hc.name, time.monotonic() - started))
        kubeconfig = os.path.join(out, "kubeconfig")
        _merge_kubeconfigs([c.kubeconfig for c in clusters], kubeconfig)
        env = dict(
            moto.env,
            KUBECONFIG=kubeconfig,
            SIM_DIR=out,
            SIM_CONTEXTS=",".join(args.names),
            SIM_MOTO_URL=moto.endpoint_url,
        )
        for c in clusters:
            env["SIM_KUBECONFIG_%s" % c.name.upper().replace("-", "_")] = os.path.join(out, "kubeconfig-%s" % c.name)
        with open(os.path.join(out, "env"), "w") as f:
            for k, v in sorted(env.items()):
                f.write("export %s=%s\n" % (k, v))
        print(
            "simulator up: %s; `source %s/env` then `kubectl get hc -A`; Ctrl-C stops"
            % (", ".join("%s %s" % (c.name, c.api_url) for c in clusters), out)
        )
        sys.stdout.flush()
        while not stop.wait(1):
            pass
    finally:
        for c in reversed(clusters):
            c.stop()
        moto.stop()
        print("simulator stopped")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.sim")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run management clusters until Ctrl-C/SIGTERM")
    p.add_argument("--dir", default=os.path.join(ROOT, ".build", "sim"))
    p.add_argument("--names", nargs="+", default=["mgmt-a", "mgmt-b"], help="management clusters to start")
    p.add_argument("--hosted-cluster", default="example", help="HostedCluster to create in the first ('' for none)")
    p.add_argument("--availability", default="HighlyAvailable", choices=["HighlyAvailable", "SingleReplica"])
    args = parser.parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
