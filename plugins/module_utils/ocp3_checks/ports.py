# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ports reachable between host groups (002 §3.5): etcd 2379/2380, DNS 8053, API 8443/443, kubelet
10250, SDN 4789/udp, router 80/443.

TCP: a connect() that completes proves the port is open. UDP has no handshake: a datagram answered
by an ICMP port-unreachable proves the port is closed (fail). The DNS ports (SkyDNS 8053, 53) are asked a
real DNS query, and any DNS answer proves them open. Other UDP ports (VXLAN 4789) never answer a stray
datagram: silence is reported as a warning, "not verified", never as ok; the end-to-end check
(ocp3_e2e_check, pods talking across nodes) is what proves VXLAN works.
"""

from __future__ import annotations

import errno
import os
import socket
import struct

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, warn

OPEN = "open"
CLOSED = "closed"
TIMEOUT = "no answer"
OPEN_OR_FILTERED = "open|filtered"
DNS_PORTS = (53, 8053)
DNS_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
DEFAULT_DNS_NAME = "kubernetes.default.svc.cluster.local"


def dns_query(name, query_id):
    """A DNS query for the A record of name (RFC 1035 header, one question, recursion desired)."""
    labels = b"".join(struct.pack("B", len(part)) + part.encode("ascii") for part in name.strip(".").split(".") if part)
    return struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + labels + b"\x00" + struct.pack(">HH", 1, 1)


def dns_answer(data, query_id):
    """'rcode N answer(s)' when data is a DNS response to query_id, else None."""
    if len(data) < 12:
        return None
    rid, flags, _qd, ancount = struct.unpack(">HHHH", data[:8])
    if rid != query_id or not flags & 0x8000:
        return None
    return "%s, %d answer(s)" % (DNS_RCODES.get(flags & 0xF, "rcode %d" % (flags & 0xF)), ancount)


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


def probe_udp(host, port, timeout, dns_name=DEFAULT_DNS_NAME):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    dns = port in DNS_PORTS
    query_id = struct.unpack(">H", os.urandom(2))[0]
    payload = dns_query(dns_name, query_id) if dns else b"ocp.day2 port check\n"
    try:
        sock.settimeout(timeout)
        sock.connect((host, port))
        # Two datagrams: the first ICMP error can arrive after the first recv has started waiting.
        for _attempt in range(2):
            sock.send(payload)
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            if not dns:
                return OPEN, "answered"
            answer = dns_answer(data, query_id)
            if answer:
                return OPEN, "DNS answered %s for %s" % (answer, dns_name)
        if dns:
            return OPEN_OR_FILTERED, "no DNS answer to a query for %s" % dns_name
        return OPEN_OR_FILTERED, "no ICMP port-unreachable"
    except ConnectionRefusedError:
        return CLOSED, "ICMP port unreachable"
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return CLOSED, exc.strerror
        return CLOSED, exc.strerror or str(exc)
    finally:
        sock.close()


def check_ports(targets, timeout, dns_name=DEFAULT_DNS_NAME):
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
            if proto == "udp":
                state, detail = probe_udp(item["host"], port, timeout, dns_name)
            else:
                state, detail = probe_tcp(item["host"], port, timeout)
            if state == OPEN:
                good.append(item["host"])
            elif state == OPEN_OR_FILTERED:
                caveat.append("%s (%s)" % (item["host"], detail))
            else:
                bad.append("%s (%s)" % (item["host"], detail))
        observed = "%d/%d reachable" % (len(good), len(items))
        if bad:
            observed += "; unreachable: " + ", ".join(bad)
        if caveat:
            observed += "; not verified: " + ", ".join(caveat)
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
            dns = port in DNS_PORTS
            results.append(
                warn(
                    name,
                    observed,
                    threshold,
                    "%sport %d/%s not verified on %d host(s): no host refused it, but %s."
                    % (
                        what,
                        port,
                        proto,
                        len(caveat),
                        "no DNS server answered a query"
                        if dns
                        else "UDP gets no answer to prove it open (a firewall that drops silently looks the same)",
                    ),
                    "Check that SkyDNS listens there (`ss -lnup | grep %d`, `dig @HOST -p %d %s`)."
                    % (port, port, dns_name)
                    if dns
                    else "Prove it with the end-to-end check (ocp.day2.ocp3_e2e_check: pods on different nodes talk "
                    "over VXLAN), or check the firewall rules for %d/udp on both sides (002 §3.5)." % port,
                )
            )
        else:
            results.append(ok(name, observed, threshold, "%sport %d/%s is reachable." % (what, port, proto)))
    return results
