"""Hosts built from network namespaces: one L2 segment (a bridge in its own namespace), one veth per host,
per-host NIC and tun0 MTUs, and listeners started inside a host's namespace.

Every namespace is named `ocpd2t-<random>-<host>` and deleted in stop(), listeners are killed by process
group. A module runs "on" a host through a wrapper interpreter: `ip netns exec NS python "$@"`.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time

LISTENER = textwrap.dedent(
    """
    import socket, sys, time
    proto, port = sys.argv[1], int(sys.argv[2])
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    if proto == "tcp":
        s.listen(16)
    print("ready", flush=True)
    while True:
        if proto == "tcp":
            conn, _peer = s.accept()
            conn.close()
        else:
            s.recvfrom(2048)
    """
)


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


class NetnsLab:
    """hosts: {name: {"address": "10.231.0.1", "nic_mtu": 1500, "tun0_mtu": 1450 or None}}"""

    def __init__(self, hosts, prefix_len=24):
        self.tag = "ocpd2t-%s" % secrets.token_hex(3)
        self.hosts = hosts
        self.prefix_len = prefix_len
        self.switch = "%s-sw" % self.tag
        self.listeners = []
        self.created = []

    def ns(self, host):
        return "%s-%s" % (self.tag, host)

    def start(self):
        _ip("netns", "add", self.switch)
        self.created.append(self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        for index, (host, spec) in enumerate(sorted(self.hosts.items())):
            ns = self.ns(host)
            _ip("netns", "add", ns)
            self.created.append(ns)
            port = "p%d" % index
            _ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", "eth0", "mtu", str(spec.get("nic_mtu", 1500)), "up")
            _ip("-n", ns, "addr", "add", "%s/%d" % (spec["address"], self.prefix_len), "dev", "eth0")
            if spec.get("tun0_mtu"):
                # A veth end stands in for openshift-sdn's tun0 (the dummy driver is not loadable in containers).
                _ip("-n", ns, "link", "add", "tun0", "type", "veth", "peer", "name", "tun0peer")
                _ip("-n", ns, "link", "set", "tun0", "mtu", str(spec["tun0_mtu"]), "up")
        return self

    def listen(self, host, proto, port):
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(host), sys.executable, "-c", LISTENER, proto, str(port)],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.listeners.append(proc)
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("listener %s/%s on %s did not start" % (port, proto, host))
        return proc

    def dnsmasq(self, host, port, address_rule):
        """A real DNS server (dnsmasq) in the host's namespace on `port`, answering `address_rule`
        (dnsmasq's --address=/domain/ip) and nothing else, as SkyDNS answers cluster.local on 8053."""
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(host), "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
             "--no-resolv", "--no-hosts", "--port=%d" % port, "--address=%s" % address_rule, "--user=root",
             "--pid-file=", "--log-facility=-"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.listeners.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["ip", "netns", "exec", self.ns(host), "ss", "-lnu"], capture_output=True, text=True, check=False
            )
            if ":%d " % port in probe.stdout:
                return proc
            time.sleep(0.05)
        raise RuntimeError("dnsmasq on %s did not listen on %d/udp" % (host, port))

    def interpreter(self, host, directory):
        """A wrapper script that runs Python inside the host's namespace (for ansible_python_interpreter)."""
        path = os.path.join(str(directory), "python-%s" % host)
        with open(path, "w") as handle:
            handle.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' % (self.ns(host), sys.executable))
        os.chmod(path, 0o755)
        return path

    def stop(self):
        for proc in self.listeners:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
        self.created = []
