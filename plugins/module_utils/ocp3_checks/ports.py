# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ports reachable between host groups (002 §3.5): etcd 2379/2380, DNS 8053, API 8443/443, kubelet
10250, SDN 4789/udp, router 80/443.

TCP: a connect() that completes proves the port is open. UDP has no handshake: a datagram answered
by an ICMP port-unreachable proves the port is closed (fail); silence means "open or filtered" and
is reported ok with that caveat, since VXLAN (4789) and DNS never answer a stray datagram.
"""

from __future__ import annotations

import errno
import socket

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok

OPEN = "open"
CLOSED = "closed"
TIMEOUT = "no answer"
OPEN_OR_FILTERED = "open|filtered"


def probe_tcp(host, port, timeout):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return OPEN, ""
    except socket.timeout:
        return TIMEOUT, "connect timed out after %gs" % timeout
    except ConnectionRefusedError:
        return CLOSED, "connection refused"
    except OSError as exc:
        return CLOSED, exc.strerror or str(exc)


def probe_udp(host, port, timeout):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        sock.connect((host, port))
        # Two datagrams: the first ICMP error can arrive after the first recv has started waiting.
        for _attempt in range(2):
            sock.send(b"ocp.day2 port check\n")
            try:
                sock.recv(512)
                return OPEN, "answered"
            except socket.timeout:
                continue
        return OPEN_OR_FILTERED, "no ICMP port-unreachable"
    except ConnectionRefusedError:
        return CLOSED, "ICMP port unreachable"
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return CLOSED, exc.strerror
        return CLOSED, exc.strerror or str(exc)
    finally:
        sock.close()


def check_ports(targets, timeout):
    """One result per port/protocol: [{'host', 'port', 'proto', 'name'}...] -> [CheckResult]."""
    grouped = {}
    for target in targets:
        key = (int(target["port"]), (target.get("proto") or "tcp").lower())
        grouped.setdefault(key, []).append(target)
    results = []
    for (port, proto), items in sorted(grouped.items()):
        name = "port:%d/%s" % (port, proto)
        label = items[0].get("name") or ""
        bad, caveat, good = [], [], []
        for item in items:
            state, detail = (probe_udp if proto == "udp" else probe_tcp)(item["host"], port, timeout)
            if state == OPEN:
                good.append(item["host"])
            elif state == OPEN_OR_FILTERED:
                caveat.append(item["host"])
            else:
                bad.append("%s (%s)" % (item["host"], detail))
        observed = "%d/%d reachable" % (len(good) + len(caveat), len(items))
        if bad:
            observed += "; unreachable: " + ", ".join(bad)
        threshold = "%s/%s open on %s" % (port, proto, ", ".join(sorted({i["host"] for i in items})))
        what = ("%s " % label) if label else ""
        if bad:
            results.append(
                fail(
                    name,
                    observed,
                    threshold,
                    "%sport %d/%s is not reachable on %d host(s)." % (what, port, proto, len(bad)),
                    "Check that the service listens there (`ss -lntup`) and that iptables/firewalld and any network "
                    "firewall between the hosts allow %d/%s (002 §3.5)." % (port, proto),
                )
            )
        elif caveat:
            results.append(
                ok(
                    name,
                    observed + " (UDP: no port-unreachable answer)",
                    threshold,
                    "%sport %d/%s: no host refused it; UDP cannot prove more than that (a firewall that drops silently "
                    "looks the same)." % (what, port, proto),
                )
            )
        else:
            results.append(ok(name, observed, threshold, "%sport %d/%s is reachable." % (what, port, proto)))
    return results
