"""Fixtures of the OpenShift 3.11 check tests: network-namespace hosts, a chrony daemon, a canned API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess

import pytest

from tests.e2e.ocp3_checks.canned_api import CannedAPI
from tests.e2e.ocp3_checks.netns import NetnsLab
from tests.harness.net import wait_for

# master m, node n1 with a tun0 larger than its NIC allows, node n2 whose NIC MTU (1400) is smaller than the
# segment's: its own tun0 matches its NIC, so only the others' full-size probes can find it.
HOSTS = {
    "m": {"address": "10.231.0.1", "nic_mtu": 1500, "tun0_mtu": 1450},
    "n1": {"address": "10.231.0.2", "nic_mtu": 1500, "tun0_mtu": 1500},
    "n2": {"address": "10.231.0.3", "nic_mtu": 1400, "tun0_mtu": 1350},
}


def _need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip("needs %s (scripts/system-deps.sh installs them)" % ", ".join(missing))
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The three hosts; kubelet (10250/tcp) and VXLAN (4789/udp) listen on n1 only, so n2's ports are closed."""
    _need("ip", "ping")
    lab = NetnsLab(HOSTS)
    try:
        lab.start()
        lab.listen("n1", "tcp", 10250)
        lab.listen("n1", "udp", 4789)
        lab.listen("m", "tcp", 8443)
        lab.listen("m", "tcp", 443)
        if shutil.which("dnsmasq"):
            lab.dnsmasq("m", 8053, "/cluster.local/172.30.0.1")
        lab.directory = tmp_path_factory.mktemp("lab")
        yield lab
    finally:
        lab.stop()


def lab_inventory(lab, directory, extra_hostvars=None):
    hosts = {}
    for name, spec in HOSTS.items():
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_host": spec["address"],
            "ansible_python_interpreter": lab.interpreter(name, directory),
        }
        hosts[name].update((extra_hostvars or {}).get(name, {}))
    inventory = {
        "all": {
            "children": {
                "masters": {"hosts": {"m": hosts["m"]}},
                "nodes": {"hosts": {"n1": hosts["n1"], "n2": hosts["n2"]}},
            }
        }
    }
    path = os.path.join(str(directory), "inventory.json")
    with open(path, "w") as handle:
        json.dump(inventory, handle)
    return path


class Chronyd:
    """A real chronyd that does not touch the system clock, with its command socket in a 0700 directory."""

    def __init__(self, directory, synchronised):
        self.directory = str(directory)
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self.socket = os.path.join(self.directory, "chronyd.sock")
        conf = os.path.join(self.directory, "chrony.conf")
        with open(conf, "w") as handle:
            # `local stratum 8` makes it a synchronised source of its own clock; without it, it never syncs.
            if synchronised:
                handle.write("local stratum 8\n")
            handle.write(
                "port 0\ncmdport 0\nbindcmdaddress %s\npidfile %s/chronyd.pid\ndriftfile %s/drift\n"
                % (self.socket, self.directory, self.directory)
            )
        self.proc = subprocess.Popen(
            ["chronyd", "-u", "root", "-x", "-d", "-f", conf],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.directory, "log"), "w"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        wait_for(
            lambda: (
                subprocess.run(["chronyc", "-h", self.socket, "tracking"], capture_output=True, check=False).returncode
                in (0, 1)
                and os.path.exists(self.socket)
            ),
            timeout=15,
            what="chronyd command socket",
        )

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def chronyd_pair(tmp_path):
    """Two chronyd: one synchronised (local stratum 8), one that is not."""
    _need("chronyd", "chronyc")
    started = []
    try:
        started.append(Chronyd(tmp_path / "synced", synchronised=True))
        started.append(Chronyd(tmp_path / "unsynced", synchronised=False))
        yield started[0], started[1]
    finally:
        for daemon in started:
            daemon.stop()


@pytest.fixture
def canned_api(tmp_path):
    api = CannedAPI().start()
    try:
        api.kubeconfig = api.write_kubeconfig(tmp_path)
        yield api
    finally:
        api.stop()
