"""A kubelet stand-in for etcd static pods (OpenShift 3.11): while a member's pod manifest is in its pods
directory, etcd runs with the settings of its etcd.conf; once the manifest is moved away, etcd is stopped a
little later (the kubelet's sync period), as on a real master.

It records every stop that began after the member's data directory had already been moved away: etcd would
have been running on a data directory being moved, which the restore role must never let happen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "etcd_member.py")


def read_conf(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value.strip().strip('"')
    return env


class StaticPodKubelet:
    """members: {name: {"manifest", "conf", "data_dir", "pidfile"}}; config: the etcd_member.py config file."""

    def __init__(self, config, members, stop_delay=1.0, interval=0.1):
        self.config = config
        self.members = members
        self.stop_delay = stop_delay
        self.interval = interval
        self.moved_while_running = []
        self.starts = dict.fromkeys(members, 0)
        self.stops = dict.fromkeys(members, 0)
        self._gone_since = {}
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._halt.set()
        self._thread.join(timeout=10)

    def _loop(self):
        while not self._halt.wait(self.interval):
            for name, member in self.members.items():
                self._sync(name, member)

    def _sync(self, name, member):
        running = os.path.exists(member["pidfile"])
        present = os.path.exists(member["manifest"])
        if present:
            self._gone_since.pop(name, None)
            if not running:
                env = dict(os.environ, **read_conf(member["conf"]))
                subprocess.run([sys.executable, SCRIPT, "start", self.config, name], env=env, check=False)
                self.starts[name] += 1
            return
        if not running:
            return
        since = self._gone_since.setdefault(name, time.monotonic())
        if time.monotonic() - since < self.stop_delay:
            return
        if not os.path.isdir(os.path.join(member["data_dir"], "member")):
            self.moved_while_running.append(name)
        subprocess.run([sys.executable, SCRIPT, "stop", self.config, name], check=False)
        self.stops[name] += 1
