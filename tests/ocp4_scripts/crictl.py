"""Test stand-in for crictl (not the real tool): `crictl ps [-q] [-o json] [--name REGEX]` over the containers the
kubelet stand-in (tests/harness/kubelet.py) runs under OCP4_HOST_ROOT. A file run/faults/crictl makes it fail
(a test's fault switch, see tests/e2e/ocp4/hosts.py)."""

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
fault = os.path.join(os.environ["OCP4_HOST_ROOT"], "run", "faults", "crictl")
if os.path.exists(fault):  # a test's switch: the container runtime does not answer until the file is removed
    with open(fault) as f:
        sys.exit("crictl: %s" % (f.read().strip() or "injected fault"))
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
