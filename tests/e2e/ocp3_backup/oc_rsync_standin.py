"""A stand-in for `oc rsync` in tests - not the real oc.

`oc rsync POD:PATH/ DIR/` (and `oc rsync DIR/ POD:PATH/`) runs rsync on the controller with
`oc exec POD -- rsync --server ...` as its remote
shell. The simulator's pod exec does not run rsync, so this stand-in replaces only that transport: it resolves
POD:PATH through the simulator's API (the container's volumeMount -> its claim -> the claim's directory on this
machine, annotation sim.ocp.day2/host-path) and runs the real rsync (-a, trailing-slash rules as given) from there.
Each call is appended to $OC_STANDIN_LOG. Usage: python oc_rsync_standin.py rsync [--kubeconfig=K] [--context=C]
-n NS -c CONTAINER POD:PATH DEST | SRC POD:PATH [rsync options].
"""

import os
import subprocess
import sys

from kubernetes import client, config


def _parse(argv):
    opts, rest = {}, []
    it = iter(argv)
    for arg in it:
        if arg.startswith("--kubeconfig=") or arg.startswith("--context="):
            key, value = arg[2:].split("=", 1)
            opts[key] = value
        elif arg in ("-n", "-c"):
            opts[arg] = next(it)
        else:
            rest.append(arg)
    return opts, rest


def _host_path(api, ns, pod_name, container, path):
    pod = api.read_namespaced_pod(pod_name, ns)
    claims = {v.name: v.persistent_volume_claim.claim_name for v in pod.spec.volumes or [] if v.persistent_volume_claim}
    spec = next(c for c in pod.spec.containers if c.name == container)
    for mount in sorted(spec.volume_mounts or [], key=lambda m: -len(m.mount_path)):
        base = mount.mount_path.rstrip("/")
        if mount.name in claims and (path == base or path.startswith(base + "/")):
            pvc = api.read_namespaced_persistent_volume_claim(claims[mount.name], ns)
            return pvc.metadata.annotations["sim.ocp.day2/host-path"].rstrip("/") + path[len(base) :]
    raise SystemExit("error: %s is not on a claim mounted by %s/%s" % (path, pod_name, container))


def main(argv):
    if not argv or argv[0] != "rsync":
        raise SystemExit("oc stand-in: only 'oc rsync' is provided")
    opts, rest = _parse(argv[1:])
    src, dest, extra = rest[0], rest[1], rest[2:]
    config.load_kube_config(config_file=opts.get("kubeconfig"), context=opts.get("context"))
    api = client.CoreV1Api()
    if ":" in src and not src.startswith("/"):  # POD:PATH DIR (backup)
        pod, path = src.split(":", 1)
        src = _host_path(api, opts["-n"], pod, opts["-c"], path)
    else:  # DIR POD:PATH (restore)
        pod, path = dest.split(":", 1)
        dest = _host_path(api, opts["-n"], pod, opts["-c"], path)
    if os.environ.get("OC_STANDIN_LOG"):
        with open(os.environ["OC_STANDIN_LOG"], "a") as log:
            log.write("oc %s\n" % " ".join(argv))
    return subprocess.run(["rsync", "-a", *extra, src, dest], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
