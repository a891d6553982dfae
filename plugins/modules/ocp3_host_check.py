#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the OpenShift 3.11 day-2 host checks on the host the module runs on."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_host_check
short_description: Check an OpenShift 3.11 host (NTP, entropy, disk, storage driver, MTU, ports)
version_added: 0.1.0
description:
  - Runs the host checks of the OpenShift 3.11 Day 2 operations guide on the host the module runs on and
    returns one structured result per check (C(name), C(status) ok/warn/fail/skipped, C(observed),
    C(threshold), C(message), C(remedy)).
  - C(ntp) asks C(chronyc -c tracking), then C(ntpq -pn), then C(timedatectl) whether the clock is
    synchronised and by how much it is off; C(timedatectl) saying NTP is not enabled fails it.
  - C(entropy) reads C(/proc/sys/kernel/random/entropy_avail); on kernels 5.18 and later the value is a
    constant 256, so the check is skipped with a message saying it does not apply.
  - C(disk) compares the size of the file system holding each path with its minimum.
  - C(storage_driver) asks docker (then its storage configuration file, then CRI-O) which storage driver is in use.
  - C(mtu) compares the SDN interface MTU with the NIC MTU minus the overlay overhead; C(mtu_probe) sends one
    don't-fragment ICMP echo of the NIC's full size to every peer (C(ping -M do -s SIZE -c 1 -W TIMEOUT));
    C(mtu_registry) requests the registry's /healthz over HTTPS (a TLS handshake that hangs is a wrong MTU).
  - C(ports) opens a TCP connection to each target; for UDP it sends a DNS query to 53 and 8053 (SkyDNS) and a
    datagram elsewhere, listening for an ICMP port-unreachable. An unanswered UDP port is a warning, not verified.
  - The module changes nothing on the host and never fails because a check failed; it fails only when its
    options are wrong. Decide what to do with the results in the play (the C(ocp.day2.ocp3_health_check) role
    prints a table of all hosts and fails at the end).
author:
  - ocp.day2 maintainers (@ocp-day2)
attributes:
  check_mode:
    description: The checks only read, so they run the same in check mode and never report a change.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
options:
  checks:
    description:
      - The checks to run. Empty means all of them.
    type: list
    elements: str
    choices: [ntp, entropy, disk, storage_driver, mtu, mtu_probe, mtu_registry, ports]
    default: []
  disabled:
    description:
      - Checks not to run, even when listed in O(checks).
    type: list
    elements: str
    choices: [ntp, entropy, disk, storage_driver, mtu, mtu_probe, mtu_registry, ports]
    default: []
  ntp_offset_warn_ms:
    description: Warn when the clock is off by this many milliseconds or more.
    type: float
    default: 100
  ntp_offset_fail_ms:
    description: Fail when the clock is off by this many milliseconds or more.
    type: float
    default: 500
  chronyc_socket:
    description:
      - Address of chronyd's command socket, passed to C(chronyc -h). Default is chronyc's own default.
    type: str
  entropy_ok:
    description: Entropy at or above this many bits is good; between O(entropy_fail) and this is a warning.
    type: int
    default: 1000
  entropy_fail:
    description: Entropy below this many bits fails.
    type: int
    default: 800
  disks:
    description:
      - Paths whose file system must have at least C(min_gb) gigabytes (GB, 10^9 bytes). A path that does not exist
        is measured on its nearest existing parent directory.
      - The guide asks for C(/var) of 40 GB on masters and 15 GB on nodes, and 15 GB of container storage.
    type: list
    elements: dict
    default: [{path: /var, min_gb: 15}]
    suboptions:
      path:
        description: The path.
        type: path
        required: true
      min_gb:
        description: Minimum size of its file system, in GB (10^9 bytes, as the guide and disk vendors count).
        type: float
        required: true
  disk_free_warn_percent:
    description: Warn when less than this percentage of a checked file system is free.
    type: float
    default: 10
  storage_driver:
    description: The container storage driver expected. CRI-O's C(overlay) counts as C(overlay2).
    type: str
    default: overlay2
  docker_binary:
    description: The docker client to ask (C(docker info)). When it is not installed, docker is taken as absent.
    type: str
    default: docker
  docker_storage_config:
    description: docker's storage options file, read when C(docker info) does not answer.
    type: path
    default: /etc/sysconfig/docker-storage
  sdn_interface:
    description: The SDN interface whose MTU is checked (C(tun0) for openshift-sdn).
    type: str
    default: tun0
  sdn_overhead:
    description:
      - Bytes the overlay adds to each packet. 50 for VXLAN over IPv4 (openshift-sdn); use 100 for Geneve over
        IPv6 or the figure of your overlay.
    type: int
    default: 50
  nic_interface:
    description:
      - The host's cluster network interface. Default is the interface of the route to the first peer in
        O(mtu_probe_peers), else of the default route.
    type: str
  mtu_probe_peers:
    description: Addresses to send the full-size don't-fragment echo to.
    type: list
    elements: str
    default: []
  mtu_probe_size:
    description:
      - ICMP payload size of the probe. Default is the NIC MTU minus 28 (IPv4) or 48 (IPv6) bytes of headers.
    type: int
  port_targets:
    description: The ports to probe from this host.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: Address or name of the target host.
        type: str
        required: true
      port:
        description: Port number, 1 to 65535.
        type: int
        required: true
      proto:
        description: Protocol.
        type: str
        choices: [tcp, udp]
        default: tcp
      name:
        description: What listens there (shown in messages), for example C(kubelet).
        type: str
  registry_url:
    description:
      - URL of the registry's health check probed over HTTPS by C(mtu_registry) (002 §3.10), for example
        C(https://docker-registry.default.svc:5000/healthz). A TLS handshake that times out after TCP connected is
        the symptom of a wrong MTU. Empty skips the check.
    type: str
    default: ""
  registry_cacert:
    description: CA bundle the registry's certificate is verified with; default is the system trust.
    type: path
  registry_validate_certs:
    description: Verify the registry's certificate. An untrusted one is a warning (the handshake itself completed).
    type: bool
    default: true
  registry_timeout:
    description: Seconds for the registry's TCP connect, TLS handshake and answer.
    type: int
    default: 5
  dns_query_name:
    description:
      - Name asked (A record) of the DNS ports 53/udp and 8053/udp (SkyDNS); any DNS answer proves the port open.
        Other UDP ports without an answer are reported as a warning, not verified.
    type: str
    default: kubernetes.default.svc.cluster.local
  probe_timeout:
    description: Seconds to wait for each probe (ping, TCP connect, UDP answer); at least 1.
    type: int
    default: 1
notes:
  - The ports and MTU probes run from the host the module runs on, so run the module on each host
    (not delegated) with the peers of that host.
seealso:
  - module: ocp.day2.ocp3_cluster_check
"""

EXAMPLES = r"""
- name: Check a node with the thresholds of the Day 2 guide
  ocp.day2.ocp3_host_check:
    disks:
      - {path: /var, min_gb: 15}
      - {path: /var/lib/docker, min_gb: 15}
    mtu_probe_peers: "{{ groups['nodes'] | map('extract', hostvars, 'ansible_host') | list }}"
    port_targets:
      - {host: master1.example.com, port: 8443, name: API}
      - {host: node2.example.com, port: 4789, proto: udp, name: SDN}
  register: node_checks

- name: Only NTP, against a chronyd listening on a non-default socket
  ocp.day2.ocp3_host_check:
    checks: [ntp]
    chronyc_socket: /run/chrony/chronyd.sock
    ntp_offset_fail_ms: 250
"""

RETURN = r"""
checks:
  description: One result per check (the disk and ports checks give one per path and per port).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check, for example C(ntp), C(disk:/var), C(port:2379/tcp).
      type: str
    status:
      description: C(ok), C(warn), C(fail) or C(skipped) (does not apply here).
      type: str
    observed:
      description: What was measured.
      type: str
    threshold:
      description: What it was compared with.
      type: str
    message:
      description: One sentence for the admin.
      type: str
    remedy:
      description: What to do about it; empty when the check passed or was skipped.
      type: str
  sample:
    - name: ntp
      status: ok
      observed: "chronyc: synchronised, offset 0.012 ms"
      threshold: "synchronised, |offset| < 100 ms (warn) / 500 ms (fail)"
      message: The clock is synchronised by chronyc.
      remedy: ""
counts:
  description: How many checks ended in each status.
  returned: always
  type: dict
  sample: {ok: 6, warn: 0, fail: 1, skipped: 1}
status:
  description: The worst status of all checks (skipped counts as better than ok).
  returned: always
  type: str
  sample: fail
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.host import HOST_CHECK_NAMES, run_host_checks
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.probe import HostProbe
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import counts, select, worst
from ansible_collections.ocp.day2.plugins.module_utils.runner import run


def argument_spec():
    return {
        "checks": {"type": "list", "elements": "str", "choices": HOST_CHECK_NAMES, "default": []},
        "disabled": {"type": "list", "elements": "str", "choices": HOST_CHECK_NAMES, "default": []},
        "ntp_offset_warn_ms": {"type": "float", "default": 100},
        "ntp_offset_fail_ms": {"type": "float", "default": 500},
        "chronyc_socket": {"type": "str"},
        "entropy_ok": {"type": "int", "default": 1000},
        "entropy_fail": {"type": "int", "default": 800},
        "disks": {
            "type": "list",
            "elements": "dict",
            "default": [{"path": "/var", "min_gb": 15}],
            "options": {"path": {"type": "path", "required": True}, "min_gb": {"type": "float", "required": True}},
        },
        "disk_free_warn_percent": {"type": "float", "default": 10},
        "storage_driver": {"type": "str", "default": "overlay2"},
        "docker_binary": {"type": "str", "default": "docker"},
        "docker_storage_config": {"type": "path", "default": "/etc/sysconfig/docker-storage"},
        "sdn_interface": {"type": "str", "default": "tun0"},
        "sdn_overhead": {"type": "int", "default": 50},
        "nic_interface": {"type": "str"},
        "mtu_probe_peers": {"type": "list", "elements": "str", "default": []},
        "mtu_probe_size": {"type": "int"},
        "port_targets": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "host": {"type": "str", "required": True},
                "port": {"type": "int", "required": True},
                "proto": {"type": "str", "choices": ["tcp", "udp"], "default": "tcp"},
                "name": {"type": "str"},
            },
        },
        "dns_query_name": {"type": "str", "default": "kubernetes.default.svc.cluster.local"},
        "registry_url": {"type": "str", "default": ""},
        "registry_cacert": {"type": "path"},
        "registry_validate_certs": {"type": "bool", "default": True},
        "registry_timeout": {"type": "int", "default": 5},
        "probe_timeout": {"type": "int", "default": 1},
    }


def check_options(params):
    """Day2Error naming the first option that cannot work, before any check runs."""
    problems = []
    if params["entropy_fail"] > params["entropy_ok"]:
        problems.append(
            "entropy_fail (%d) must not be above entropy_ok (%d)" % (params["entropy_fail"], params["entropy_ok"])
        )
    if params["ntp_offset_warn_ms"] > params["ntp_offset_fail_ms"]:
        problems.append("ntp_offset_warn_ms must not be above ntp_offset_fail_ms")
    for option, low, high in (("ntp_offset_warn_ms", 0, None), ("ntp_offset_fail_ms", 0, None),
                              ("entropy_ok", 0, 4096), ("entropy_fail", 0, 4096),
                              ("disk_free_warn_percent", 0, 100), ("sdn_overhead", 0, 200)):  # fmt: skip
        if params[option] < low or (high is not None and params[option] > high):
            problems.append(
                "%s is %s, outside %s" % (option, params[option], "%s to %s" % (low, high) if high else ">= %s" % low)
            )
    if params["mtu_probe_size"] is not None and not 0 <= params["mtu_probe_size"] <= 65507:
        problems.append("mtu_probe_size %d is not an ICMP payload size (0 to 65507)" % params["mtu_probe_size"])
    for disk in params["disks"]:
        if not (disk["path"] or "").strip() or not os.path.isabs(disk["path"]):
            problems.append("disks: path %r is not an absolute path" % disk["path"])
        if disk["min_gb"] < 0:
            problems.append("disks: min_gb %s of %s is negative" % (disk["min_gb"], disk["path"]))
    if params["registry_url"] and not re.match(r"^https://[^/\s:]+(:\d{1,5})?(/\S*)?$", params["registry_url"]):
        problems.append("registry_url %r is not an https:// URL" % params["registry_url"])
    if params["registry_timeout"] < 1:
        problems.append("registry_timeout must be at least 1 second")
    name = params["dns_query_name"]
    if not name or len(name) > 253 or any(not 0 < len(p) < 64 for p in name.strip(".").split(".")):
        problems.append("dns_query_name %r is not a DNS name" % name)
    for option in ("storage_driver", "docker_binary", "sdn_interface", "chronyc_socket", "nic_interface"):
        value = params[option]
        if value is not None and (not value.strip() or value != value.strip()):
            problems.append("%s is empty or has blanks (%r)" % (option, value))
    for option in ("sdn_interface", "nic_interface"):
        value = params[option]
        if value and value.strip() and (len(value) > 15 or "/" in value or " " in value):
            problems.append("%s %r is not a network interface name (at most 15 characters, no '/')" % (option, value))
    for peer in params["mtu_probe_peers"]:
        if not (peer or "").strip() or peer.startswith("-") or " " in peer.strip():
            problems.append("mtu_probe_peers: %r is not a host name or address" % peer)
    if params["probe_timeout"] < 1:
        problems.append("probe_timeout must be at least 1 second (got %d)" % params["probe_timeout"])
    for target in params["port_targets"]:
        if not (target["host"] or "").strip() or target["host"].startswith("-") or " " in target["host"].strip():
            problems.append("port_targets: host %r is not a host name or address" % target["host"])
        if not 1 <= target["port"] <= 65535:
            problems.append("port_targets: port %d of %s is not between 1 and 65535" % (target["port"], target["host"]))
    if problems:
        raise Day2Error("Invalid options: %s. Fix them and rerun." % "; ".join(problems))


def execute(module):
    params = module.params
    check_options(params)
    names = select(HOST_CHECK_NAMES, params["checks"], params["disabled"])
    results = [r.to_dict() for r in run_host_checks(HostProbe(module), params, names)]
    return {
        "changed": False,
        "checks": results,
        "counts": counts(results),
        "status": worst(r["status"] for r in results),
    }


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, execute)


if __name__ == "__main__":
    main()
