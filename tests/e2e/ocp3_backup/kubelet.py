"""The kubelet stand-in for etcd static pods (OpenShift 3.11), on the shared one (tests/harness/kubelet.py): while a
member's pod manifest is in its pods directory, etcd runs with the settings of its etcd.conf; once the manifest is
moved away, etcd is stopped a little later (the kubelet's sync period), as on a real master.

The harness kubelet watches each member's pods directory; only how a pod runs differs: a member is started and
stopped by etcd_member.py (pidfile), because the restore role later runs the same members systemd-style, and the
kubelet leaves them running when it stops.

It records every stop that began after the member's data directory had already been moved away: etcd would
have been running on a data directory being moved, which the restore role must never let happen.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.harness.kubelet import Kubelet

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


class _MemberKubelet(Kubelet):
    """The harness kubelet of one member's pods directory; its pod is the member, run through etcd_member.py."""

    def __init__(self, owner, name, member, stop_delay, interval):
        pods = os.path.dirname(member["manifest"])
        super().__init__(os.path.dirname(pods), name, stop_delay=stop_delay, interval=interval, manifests=pods)
        self.owner = owner
        self.member = member

    def _run_pod(self, name, entry, now):
        if os.path.exists(self.member["pidfile"]):
            return
        env = dict(os.environ, **read_conf(self.member["conf"]))
        subprocess.run([sys.executable, SCRIPT, "start", self.owner.config, self.name], env=env, check=False)
        self.owner.starts[self.name] += 1

    def _stop_pod(self, name, entry):
        if not os.path.exists(self.member["pidfile"]):
            return
        if not os.path.isdir(os.path.join(self.member["data_dir"], "member")):
            self.owner.moved_while_running.append(self.name)
        subprocess.run([sys.executable, SCRIPT, "stop", self.owner.config, self.name], check=False)
        self.owner.stops[self.name] += 1

    def _release(self, entry):
        pass  # the members keep running (systemd-style from here on)


class StaticPodKubelet:
    """members: {name: {"manifest", "conf", "data_dir", "pidfile"}}; config: the etcd_member.py config file."""

    def __init__(self, config, members, stop_delay=1.0, interval=0.1):
        self.config = config
        self.moved_while_running = []
        self.starts = dict.fromkeys(members, 0)
        self.stops = dict.fromkeys(members, 0)
        self.kubelets = [_MemberKubelet(self, n, m, stop_delay, interval) for n, m in members.items()]

    def start(self):
        for kubelet in self.kubelets:
            kubelet.start()
        return self

    def stop(self):
        for kubelet in self.kubelets:
            kubelet.stop()
