"""Test stand-in for crictl (not the real tool): `crictl ps [-q] [-o json] [--name REGEX]` over the containers the
kubelet stand-in (tests/harness/kubelet.py) runs under OCP4_HOST_ROOT."""

import argparse
import json
import os
import re
import sys

parser = argparse.ArgumentParser(prog="crictl")
parser.add_argument("command", choices=["ps"])
parser.add_argument("-q", "--quiet", action="store_true")
parser.add_argument("-o", "--output", default="table")
parser.add_argument("--name", default="")
args = parser.parse_args()
path = os.path.join(os.environ["OCP4_HOST_ROOT"], "run", "kubelet", "containers.json")
try:
    with open(path) as f:
        containers = json.load(f)
except FileNotFoundError:
    containers = []
running = []
for c in containers:
    try:
        os.kill(c["pid"], 0)
    except (ProcessLookupError, PermissionError):
        continue
    if re.search(args.name, c["name"]):
        running.append(c)
if args.quiet:
    sys.stdout.write("".join(c["id"] + "\n" for c in running))
elif args.output == "json":
    out = [{"id": c["id"], "metadata": {"name": c["name"], "attempt": 0}, "state": "CONTAINER_RUNNING",
            "labels": {"io.kubernetes.pod.name": c["pod"]}} for c in running]  # fmt: skip
    json.dump({"containers": out}, sys.stdout)
else:
    print("CONTAINER       STATE     NAME       POD")
    for c in running:
        print("%-15s Running   %-10s %s" % (c["id"], c["name"], c["pod"]))
