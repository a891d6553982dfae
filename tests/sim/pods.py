"""Pod exec over the Kubernetes websocket protocol (v4/v5.channel.k8s.io), running real commands.

A command runs as a subprocess on this machine with the pod's paths mapped to per-pod
directories: each volumeMount of the container (PVC -> the PVC's directory, Secret/ConfigMap
-> files written when the pod started, emptyDir -> a pod directory), plus `/tmp` -> the pod's
own tmp. Paths are rewritten in the arguments and the environment values (so `sh -c` scripts
work too), and a lone `/` (as in `tar -C /`) becomes a pod root made of symlinks to the mounts.
In a hosted control-plane namespace, etcd endpoints are rewritten as well (`localhost:2379`,
`etcd-N.etcd-discovery.<ns>.svc:2379/2380`, `etcd-client...:2379`) to the real members' ports.
"""

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import tempfile

import aiohttp.web

from . import resources
from .errors import ApiError
from .etcdrt import PDEATHSIG, EtcdRuntime

ALLOWED = {
    "etcdctl",
    "etcdutl",
    "sh",
    "bash",
    "tar",
    "cat",
    "rm",
    "mkdir",
    "cp",
    "mv",
    "ls",
    "sha256sum",
    "md5sum",
    "env",
    "test",
    "[",
    "stat",
    "find",
    "du",
    "df",
    "head",
    "tail",
    "wc",
    "echo",
    "printf",
    "true",
    "false",
    "sleep",
    "date",
    "touch",
    "chmod",
    "grep",
    "gzip",
    "gunzip",
    "sync",
    "id",
    "whoami",
    "hostname",
    "dd",
}

_BINARY = {"cat", "tar", "dd", "gzip", "gunzip"}
_PODS = resources.lookup("v1", "Pod")
_PVCS = resources.lookup("v1", "PersistentVolumeClaim")
CHUNK = 256 * 1024


def _translator(pairs, binary=False):
    pairs = sorted(((k.rstrip("/") or "/", v) for k, v in pairs if k.rstrip("/")), key=lambda kv: -len(kv[0]))
    if not pairs:
        return lambda s: s
    if binary:
        pairs = [(k.encode(), v.encode()) for k, v in pairs]
        table = dict(pairs)
        pattern = re.compile(rb"(?<![\w.-])(%s)(?![\w.-])" % b"|".join(re.escape(k) for k, _v in pairs))
    else:
        table = dict(pairs)
        pattern = re.compile(r"(?<![\w.-])(%s)(?![\w.-])" % "|".join(re.escape(k) for k, _v in pairs))
    return lambda s: pattern.sub(lambda m: table[m.group(1)], s)


class ExecContext:
    def __init__(self, argv, env, cwd, root, back):
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.root = root
        self.back = back  # host paths -> pod paths, for the output of text commands


_ETCDUTL_SHIM = """#!/bin/sh
# etcd 3.4 has no etcdutl: `etcdctl snapshot restore|status` take the same arguments. etcdutl (3.5)
# restores into an existing empty --data-dir, which etcdctl 3.4 refuses: remove it first.
d=""; prev=""
for a in "$@"; do
  case "$a" in --data-dir=*) d="${a#--data-dir=}" ;; esac
  [ "$prev" = "--data-dir" ] && d="$a"
  prev="$a"
done
if [ -n "$d" ] && [ -d "$d" ] && [ -z "$(ls -A "$d")" ]; then rmdir "$d"; fi
ETCDCTL_API=3 exec %s "$@"
"""


def _write_shims(directory):
    """`etcdutl` for etcd 3.4, which has none; `etcdctl` is the real one, so 3.4 refuses a flag that an
    ETCDCTL_* variable also sets, exactly as in a pod. Returns {pod path: host path} of both programs."""
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(os.path.join(directory, "etcdctl")):
        os.remove(os.path.join(directory, "etcdctl"))  # a wrapper left by an older simulator
    etcdctl = shutil.which("etcdctl", path=os.environ.get("PATH", "").replace(directory, "")) or "/usr/bin/etcdctl"
    etcdutl = shutil.which("etcdutl")
    if not etcdutl:
        etcdutl = os.path.join(directory, "etcdutl")
        with open(etcdutl, "w") as f:
            f.write(_ETCDUTL_SHIM % etcdctl)
        os.chmod(etcdutl, 0o755)
    return {"/usr/bin/etcdctl": etcdctl, "/usr/bin/etcdutl": etcdutl}


def _default_endpoint(argv, env, local):
    """etcdctl run directly without --endpoints talks to its default 127.0.0.1:2379, which in an etcd pod
    is the member itself; here that member listens on another port, so point the default there."""
    progs = [os.path.basename(a) for a in argv]
    if "etcdctl" not in progs or progs[0] not in ("etcdctl", "env"):
        return
    args = argv[progs.index("etcdctl") + 1 :]
    if any(a == "--endpoints" or a.startswith("--endpoints=") for a in args) or "ETCDCTL_ENDPOINTS" in env:
        return
    if any(a.startswith("ETCDCTL_ENDPOINTS=") for a in argv[: progs.index("etcdctl")]):
        return
    env["ETCDCTL_ENDPOINTS"] = local


def _tar_args(args, root, tr):
    """tar runs in the pod root: member names stay relative (archives hold pod paths), -C/-f go through it."""
    out, after_dir, take_path = [], False, False
    for a in args:
        if take_path:
            out.append(os.path.join(root, a.lstrip("/")) if a.startswith("/") else a)
            take_path = False
        elif a in ("-C", "--directory", "-f", "--file"):
            after_dir = after_dir or a in ("-C", "--directory")
            take_path = True
            out.append(a)
        elif a.startswith(("--directory=", "--file=")):
            key, _sep, val = a.partition("=")
            out.append(key + "=" + (os.path.join(root, val.lstrip("/")) if val.startswith("/") else val))
        elif a.startswith("/"):
            out.append(os.path.join(root, a.lstrip("/")) if after_dir else (a.lstrip("/") or "."))
        else:
            out.append(a)
    return out


class PodRuntime:
    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.base = os.path.join(mgmt.base_dir, "pods")
        self.etcd = {}  # control-plane namespace -> EtcdRuntime
        self._procs = set()
        self._volume_files = {}  # path -> (data, stat identity) of the volume file written last
        self.bin = os.path.join(mgmt.base_dir, "bin")
        self.programs = _write_shims(self.bin)

    # -- etcd members per hosted control plane -------------------------------------------------
    def etcd_runtime(self, namespace, create_replicas=None):
        rt = self.etcd.get(namespace)
        if rt is None and create_replicas:
            rt = self.etcd[namespace] = EtcdRuntime(self.mgmt, namespace, create_replicas)
        return rt

    def stop_all(self):
        for rt in list(self.etcd.values()):
            rt.stop_all()
        for proc in list(self._procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def pod_dir(self, pod):
        meta = pod["metadata"]
        return os.path.join(self.base, meta["namespace"], "%s-%s" % (meta["name"], meta["uid"][:8]))

    # -- pod filesystem ----------------------------------------------------------------------------
    def prepare_pod(self, pod):
        """Write the pod's Secret/ConfigMap volumes and its root of symlinks; returns the mounts."""
        store = self.mgmt.store
        ns = pod["metadata"]["namespace"]
        pdir = self.pod_dir(pod)
        volumes = {}
        for vol in pod["spec"].get("volumes") or []:
            path = os.path.join(pdir, "volumes", vol["name"])
            if "persistentVolumeClaim" in vol:
                pvc = store.get(_PVCS, ns, vol["persistentVolumeClaim"]["claimName"])
                path = ((pvc or {}).get("metadata", {}).get("annotations") or {}).get("sim.ocp.day2/host-path")
                if not path:
                    continue
            elif "secret" in vol or "configMap" in vol:
                src = vol.get("secret") or vol.get("configMap")
                kind = "Secret" if "secret" in vol else "ConfigMap"
                obj = store.get(resources.lookup("v1", kind), ns, src.get("secretName") or src.get("name")) or {}
                os.makedirs(path, mode=0o700, exist_ok=True)
                for key, value in (obj.get("data") or {}).items():
                    data = base64.b64decode(value) if kind == "Secret" else value.encode()
                    self._write_volume_file(os.path.join(path, key), data)
            os.makedirs(path, exist_ok=True)
            volumes[vol["name"]] = path
        mounts = {"/tmp": os.path.join(pdir, "tmp")}
        os.makedirs(mounts["/tmp"], exist_ok=True)
        for container in pod["spec"].get("containers") or []:
            for vm in container.get("volumeMounts") or []:
                if vm["name"] in volumes:
                    mounts[vm["mountPath"]] = os.path.join(volumes[vm["name"]], vm.get("subPath", "")).rstrip("/")
        root = os.path.join(pdir, "root")
        for mount, host in mounts.items():
            link = os.path.join(root, mount.strip("/"))
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if not os.path.islink(link):
                os.symlink(host, link)
        return mounts

    def _write_volume_file(self, path, data):
        """Write a Secret/ConfigMap key's file unless it already holds data (the controllers prepare an etcd pod
        on every pass: rewriting each file each time was most of the simulator's CPU). A file changed or
        replaced on disk since it was written (other size, mtime or inode) is written again."""
        try:
            st = os.stat(path)
            ident = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            ident = None
        if ident is not None and self._volume_files.get(path) == (data, ident):
            return
        _write_atomically(path, data)
        st = os.stat(path)
        self._volume_files[path] = (data, (st.st_ino, st.st_size, st.st_mtime_ns))

    def _context(self, ns, name, container, argv):
        pod = self.mgmt.store.get(_PODS, ns, name)
        if pod is None:
            raise ApiError.not_found(_PODS, name)
        containers = pod["spec"].get("containers") or []
        names = [c["name"] for c in containers]
        if container and container not in names:
            raise ApiError.bad_request("container %s is not valid for pod %s" % (container, name))
        spec = containers[names.index(container)] if container else containers[0]
        states = {c["name"]: c.get("state") or {} for c in (pod.get("status") or {}).get("containerStatuses") or []}
        running = (pod.get("status") or {}).get("phase") == "Running" and "running" in states.get(spec["name"], {})
        if not running or pod["metadata"].get("deletionTimestamp"):
            # what kubectl shows for a crash-looping or not yet started container
            raise ApiError.bad_request('unable to upgrade connection: container not found ("%s")' % spec["name"])
        mounts = self.prepare_pod(pod)
        pairs = list(mounts.items())
        back_pairs = [(h, p) for p, h in pairs]
        rt = self.etcd.get(ns)
        if rt is not None:
            pairs += list(rt.endpoint_map(name).items())
            back_pairs += list(rt.reverse_map().items())
        tr = _translator(pairs + list(self.programs.items()))
        root = os.path.join(self.pod_dir(pod), "root")
        env = {
            "PATH": self.bin + ":" + os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "HOSTNAME": name,
            "HOME": mounts["/tmp"],
            "LANG": "C.UTF-8",
        }
        for item in spec.get("env") or []:
            if "value" in item:
                env[item["name"]] = tr(str(item["value"]))
        if os.path.basename(argv[0]) == "tar":
            out = [tr(argv[0])] + _tar_args(argv[1:], root, tr)
        else:
            out = [root if a == "/" else tr(a) for a in argv]
        if rt is not None and name in {m.name for m in rt.members}:
            _default_endpoint(argv, env, rt.endpoint_map(name)["127.0.0.1:2379"])
        back = _translator(back_pairs, binary=True)
        return ExecContext(out, env, root, root, back)

    # -- the websocket ---------------------------------------------------------------------------
    async def exec_handler(self, raw, ns, name, _params):
        argv = raw.query.getall("command", [])
        want_stdin = raw.query.get("stdin") in ("true", "1")
        try:
            if not argv:
                raise ApiError.bad_request("you must specify at least 1 command")
            ctx = await asyncio.get_running_loop().run_in_executor(
                None, self._context, ns, name, raw.query.get("container"), argv
            )
        except ApiError as exc:
            return aiohttp.web.json_response(exc.status(), status=exc.code)
        ws = aiohttp.web.WebSocketResponse(
            protocols=("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io"), max_msg_size=0, heartbeat=None
        )
        await ws.prepare(raw)
        try:
            await self._run(ws, ctx, want_stdin)
        finally:
            await ws.close()
        return ws

    async def _run(self, ws, ctx, want_stdin):
        argv = list(ctx.argv)
        prog = os.path.basename(argv[0])
        if prog not in ALLOWED:
            await self._status(ws, 126, "exec: %r: not allowed in the simulator" % argv[0])
            return
        try:
            proc = await asyncio.create_subprocess_exec(
                *PDEATHSIG,
                *argv,
                stdin=asyncio.subprocess.PIPE if want_stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=ctx.env,
                cwd=ctx.cwd,
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError) as exc:
            await ws.send_bytes(b"\x02" + ('exec: "%s": %s\n' % (argv[0], exc.strerror)).encode())
            await self._status(ws, 127, "executable file not found")
            return
        self._procs.add(proc)
        send_lock = asyncio.Lock()

        rewrite = prog not in _BINARY

        async def pump(stream, channel):
            pending = b""
            while True:
                chunk = await stream.read(CHUNK)
                if rewrite:
                    # text output: map host paths back to pod paths, a whole line at a time
                    pending += chunk
                    cut = pending.rfind(b"\n") + 1 if chunk and len(pending) < CHUNK else len(pending)
                    chunk, pending = ctx.back(pending[:cut]), pending[cut:]
                if chunk:
                    async with send_lock:
                        if not ws.closed:
                            await ws.send_bytes(channel + chunk)
                elif not pending:
                    return

        async def feed():
            async for msg in ws:
                if msg.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    break
                data = msg.data if isinstance(msg.data, bytes) else msg.data.encode()
                if not data:
                    continue
                channel, payload = data[0], data[1:]
                if channel == 0 and proc.stdin is not None and payload:
                    try:
                        proc.stdin.write(payload)
                        await proc.stdin.drain()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif channel == 255 and payload[:1] == b"\x00" and proc.stdin is not None:
                    proc.stdin.close()
            if proc.stdin is not None and not proc.stdin.is_closing():
                proc.stdin.close()  # the client went away: EOF, and let the command finish as kubelet does

        feeder = asyncio.ensure_future(feed())
        try:
            await asyncio.gather(pump(proc.stdout, b"\x01"), pump(proc.stderr, b"\x02"))
            rc = await proc.wait()
        finally:
            self._procs.discard(proc)
            if proc.returncode is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not ws.closed:
            await self._status(ws, rc)
        feeder.cancel()

    @staticmethod
    async def _status(ws, rc, message=None):
        if rc == 0:
            status = {"metadata": {}, "status": "Success"}
        else:
            status = {
                "metadata": {},
                "status": "Failure",
                "message": message or "command terminated with non-zero exit code: exit status %d" % rc,
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(rc)}]},
            }
        await ws.send_bytes(b"\x03" + json.dumps(status).encode())

    # -- logs ------------------------------------------------------------------------------------
    def logs(self, ns, name, _query):
        pod = self.mgmt.store.must_get(_PODS, ns, name)
        rt = self.etcd.get(ns)
        if rt is not None and name.startswith("etcd-"):
            return rt.log_text(name)
        return "%s is running in the simulator\n" % pod["metadata"]["name"]


def _write_atomically(path, data):
    """Replace a volume file by rename, so a concurrent exec never reads it half written."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
