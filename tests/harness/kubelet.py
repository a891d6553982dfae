"""A kubelet stand-in for simulated OpenShift 4 control-plane hosts: it watches a host's static-pod manifest
directory and runs each pod's containers as real processes (etcd is real etcd), so moving a manifest out really
stops the container and putting one back really starts it.

Under `root`: manifests in `etc/kubernetes/manifests/*.yaml` (Pod objects whose containers carry `command`),
the running containers in `run/kubelet/containers.json` (read by the crictl stand-in in tests/ocp4_scripts), the
containers' output in `run/kubelet/<pod>_<container>.log`. A file `run/kubelet/restart-request` is a
`systemctl restart kubelet.service`: the kubelet counts the restart and removes the file. Containers that exit are
started again after a second, as a kubelet does. A removed manifest's containers are stopped `stop_delay` seconds
later (a real kubelet takes a while too), so a caller has to wait for them to go.

How a pod runs is three methods a subclass may replace: `_run_pod` (start what is not running), `_stop_pod` (the
manifest is gone) and `_release` (the kubelet itself stops); the OpenShift 3.11 tests run etcd members through
their own start/stop script that way (tests/e2e/ocp3_backup/kubelet.py). `manifests` may name another directory.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time

import yaml


class Kubelet:
    def __init__(self, root, name, stop_delay=0.3, interval=0.05, manifests=None):
        self.root = root
        self.name = name
        self.stop_delay = stop_delay
        self.interval = interval
        self.manifests = manifests or os.path.join(root, "etc", "kubernetes", "manifests")
        self.state_dir = os.path.join(root, "run", "kubelet")
        self.restarts = 0
        self.started = []  # (pod, container) in start order, for assertions
        self._running = {}  # manifest file -> {"digest", "procs": {container: Popen}, "pod", "gone_since"}
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        os.makedirs(self.state_dir, exist_ok=True)
        os.makedirs(self.manifests, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="kubelet-" + self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for entry in self._running.values():
            self._release(entry)
        self._running.clear()
        self._write_state()

    # -- the sync loop ------------------------------------------------------------------------------
    def _loop(self):
        while not self._stop.is_set():
            try:
                self._sync()
            except Exception as exc:  # noqa: BLE001 - a kubelet keeps going; the log says why
                with open(os.path.join(self.state_dir, "kubelet.log"), "a") as log:
                    log.write("%s sync error: %r\n" % (time.strftime("%H:%M:%S"), exc))
            self._stop.wait(self.interval)

    def _sync(self):
        request = os.path.join(self.state_dir, "restart-request")
        if os.path.exists(request):
            self.restarts += 1
            os.unlink(request)
        wanted = {}
        for name in sorted(os.listdir(self.manifests)):
            if name.endswith((".yaml", ".yml", ".json")):
                with open(os.path.join(self.manifests, name), "rb") as f:
                    data = f.read()
                wanted[name] = (hashlib.sha256(data).hexdigest(), data)
        now = time.monotonic()
        for name, entry in list(self._running.items()):
            if name in wanted and wanted[name][0] == entry["digest"]:
                entry["gone_since"] = None
                continue
            entry["gone_since"] = entry["gone_since"] or now
            if now - entry["gone_since"] >= self.stop_delay:
                self._stop_pod(name, entry)
                del self._running[name]
        for name, (digest, data) in wanted.items():
            if name not in self._running:
                pod = yaml.safe_load(data)
                self._running[name] = {"digest": digest, "pod": pod, "procs": {}, "gone_since": None, "exited": {}}
            entry = self._running[name]
            if entry["digest"] != digest:
                continue  # the old pod is still stopping
            self._run_pod(name, entry, now)
        self._write_state()

    # -- how a pod runs (a subclass may run it otherwise) ---------------------------------------------
    def _run_pod(self, name, entry, now):
        """Start the pod's containers that do not run (after a back-off for one that exited)."""
        for container in entry["pod"]["spec"]["containers"]:
            self._ensure(entry, container, now)

    def _stop_pod(self, name, entry):
        """The manifest `name` is gone (stop_delay ago): stop its containers."""
        self._kill(entry)

    def _release(self, entry):
        """The kubelet stops: its containers stop with it."""
        self._kill(entry)

    def _ensure(self, entry, container, now):
        cname = container["name"]
        proc = entry["procs"].get(cname)
        if proc is not None and proc.poll() is None:
            return
        if proc is not None:
            entry["exited"].setdefault(cname, now)
            if now - entry["exited"][cname] < 1.0:
                return  # back-off before the restart
            entry["exited"].pop(cname)
        pod = entry["pod"]["metadata"]["name"]
        log = open(os.path.join(self.state_dir, "%s_%s.log" % (pod, cname)), "ab")  # noqa: SIM115 - the child owns it
        argv = list(container.get("command") or []) + list(container.get("args") or [])
        if shutil.which("setpriv"):  # the containers die with the test process even if it is killed
            argv = ["setpriv", "--pdeathsig", "KILL", *argv]
        env = dict(os.environ, **{e["name"]: str(e.get("value", "")) for e in container.get("env") or []})
        with log:
            entry["procs"][cname] = subprocess.Popen(
                argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True
            )
        self.started.append((pod, cname))

    @staticmethod
    def _kill(entry):
        for proc in entry["procs"].values():
            if proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass

    def _write_state(self):
        out = []
        for entry in self._running.values():
            pod = entry["pod"]["metadata"]["name"]
            for cname, proc in entry["procs"].items():
                if proc.poll() is None:
                    out.append({"id": "%012x" % (proc.pid * 7919), "name": cname, "pod": pod, "pid": proc.pid})
        path = os.path.join(self.state_dir, "containers.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.replace(tmp, path)

    def running(self, container):
        """True while a container of that name runs."""
        for entry in list(self._running.values()):
            proc = entry["procs"].get(container)
            if proc is not None and proc.poll() is None:
                return True
        return False
