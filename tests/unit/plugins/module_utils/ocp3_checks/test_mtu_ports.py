from __future__ import annotations

import socket
import struct
import threading

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import mtu, ports

BASE = {
    "sdn_interface": "tun0",
    "sdn_overhead": 50,
    "nic_interface": None,
    "mtu_probe_peers": [],
    "mtu_probe_size": None,
    "probe_timeout": 1,
}


def _mtus(tun0, eth0):
    files = {"/sys/class/net/eth0/mtu": "%d\n" % eth0}
    if tun0 is not None:
        files["/sys/class/net/tun0/mtu"] = "%d\n" % tun0
    return files


def _route(dev="eth0"):
    return (0, "default via 10.0.0.254 dev %s proto static\n" % dev, "")


def test_mtu_matches_nic_minus_vxlan(probe):
    fake = probe(files=_mtus(1450, 1500), commands={"ip": _route()})
    result = mtu.check_mtu(fake, BASE)
    assert result.status == "ok" and result.threshold == "tun0 mtu == eth0 mtu - 50 = 1450"


def test_mtu_too_large_fails_with_remedy(probe):
    result = mtu.check_mtu(probe(files=_mtus(1500, 1500), commands={"ip": _route()}), BASE)
    assert result.status == "fail" and "networkConfig.mtu to 1450" in result.remedy


def test_mtu_smaller_warns(probe):
    assert mtu.check_mtu(probe(files=_mtus(1400, 1500), commands={"ip": _route()}), BASE).status == "warn"


def test_mtu_overhead_is_configurable(probe):
    fake = probe(files=_mtus(8900, 9000), commands={"ip": _route()})
    assert mtu.check_mtu(fake, dict(BASE, sdn_overhead=100)).status == "ok"
    assert mtu.check_mtu(fake, BASE).status == "warn"  # 8900 < 9000 - 50: works, but smaller than it could be


def test_mtu_without_sdn_is_skipped(probe):
    assert mtu.check_mtu(probe(files=_mtus(None, 1500)), BASE).status == "skipped"


def test_nic_from_route_to_first_peer(probe):
    fake = probe(commands={("ip", "-o", "route", "get", "10.0.0.2"): (0, "10.0.0.2 dev ens3 src 10.0.0.1\n", "")})
    assert mtu.nic_interface(fake, dict(BASE, mtu_probe_peers=["10.0.0.2"])) == "ens3"


def _pinger(dropping, silent=()):
    def answer(args):
        peer, size = args[-1], int(args[args.index("-s") + 1])
        if peer in silent or (peer in dropping and size > 100):
            return 1, "1 packets transmitted, 0 received, 100% packet loss", ""
        return 0, "1 packets transmitted, 1 received", ""

    return answer


def test_probe_catches_the_peer_that_drops_full_size(probe):
    fake = probe(files=_mtus(1450, 1500), commands={"ip": _route(), "ping": _pinger({"10.0.0.3"})})
    result = mtu.check_mtu_probe(fake, dict(BASE, mtu_probe_peers=["10.0.0.2", "10.0.0.3"]))
    assert result.status == "fail"
    assert "10.0.0.3 (1472-byte DF echo" in result.observed and "10.0.0.2" not in result.observed.split(";")[1]
    assert fake.calls[1][2:6] == ["-M", "do", "-s", "1472"]


def test_probe_all_answer_ok(probe):
    fake = probe(files=_mtus(1450, 1500), commands={"ip": _route(), "ping": _pinger(set())})
    result = mtu.check_mtu_probe(fake, dict(BASE, mtu_probe_peers=["10.0.0.2"]))
    assert result.status == "ok" and result.observed == "1/1 peers answered full-size DF echo"


def test_probe_silent_peer_warns(probe):
    fake = probe(files=_mtus(1450, 1500), commands={"ip": _route(), "ping": _pinger(set(), silent={"10.0.0.9"})})
    assert mtu.check_mtu_probe(fake, dict(BASE, mtu_probe_peers=["10.0.0.9"])).status == "warn"


def test_probe_ipv6_headers_and_explicit_size(probe):
    fake = probe(files=_mtus(1450, 1500), commands={"ip": _route(), "ping": _pinger(set())})
    mtu.check_mtu_probe(fake, dict(BASE, mtu_probe_peers=["fd00::2"]))
    assert fake.calls[-1][fake.calls[-1].index("-s") + 1] == "1452"
    mtu.check_mtu_probe(fake, dict(BASE, mtu_probe_peers=["10.0.0.2"], mtu_probe_size=1200))
    assert fake.calls[-1][fake.calls[-1].index("-s") + 1] == "1200"


def test_no_peers_is_skipped(probe):
    assert mtu.check_mtu_probe(probe(), BASE).status == "skipped"


def test_tcp_and_udp_ports_on_loopback():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    open_port = listener.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp_port = udp.getsockname()[1]
    try:
        results = ports.check_ports(
            [
                {"host": "127.0.0.1", "port": open_port, "proto": "tcp", "name": "API"},
                {"host": "127.0.0.1", "port": closed_port, "proto": "tcp"},
                {"host": "127.0.0.1", "port": udp_port, "proto": "udp", "name": "SDN"},
                {"host": "127.0.0.1", "port": closed_port, "proto": "udp"},
            ],
            timeout=0.5,
        )
    finally:
        listener.close()
        udp.close()
    by_name = {r.name: r for r in results}
    assert by_name["port:%d/tcp" % open_port].status == "ok"
    assert by_name["port:%d/tcp" % closed_port].status == "fail"
    assert "connection refused" in by_name["port:%d/tcp" % closed_port].observed
    # silence from a UDP port proves nothing: a warning that says so, never ok
    assert by_name["port:%d/udp" % udp_port].status == "warn"
    assert "not verified: 127.0.0.1 (no ICMP port-unreachable)" in by_name["port:%d/udp" % udp_port].observed
    assert "0/1 reachable" in by_name["port:%d/udp" % udp_port].observed
    assert by_name["port:%d/udp" % closed_port].status == "fail"


def _dns_server(address, answer):
    """A one-shot DNS responder on address:8053 answering every query with `answer` (or not at all)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 8053))

    def serve():
        try:
            while True:
                data, peer = sock.recvfrom(512)
                if answer:
                    # same id, QR set, the rcode asked, one answer record counted
                    flags = 0x8180 | answer
                    sock.sendto(data[:2] + struct.pack(">HHHHH", flags, 1, 1 if answer == 0x8000 else 0, 0, 0)
                                + data[12:], peer)  # fmt: skip
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    return sock


def test_skydns_port_is_verified_with_a_dns_query():
    answering = _dns_server("127.8.0.53", 0x8000)  # NOERROR
    silent = _dns_server("127.8.0.54", 0)
    try:
        results = ports.check_ports(
            [
                {"host": "127.8.0.53", "port": 8053, "proto": "udp", "name": "SkyDNS"},
            ],
            timeout=0.5,
        )
        assert results[0].status == "ok", results[0].to_dict()
        assert "1/1 reachable" in results[0].observed
        state, detail = ports.probe_udp("127.8.0.53", 8053, 0.5, "docker-registry.default.svc.cluster.local")
        assert state == ports.OPEN and "DNS answered NOERROR" in detail
        quiet = ports.check_ports([{"host": "127.8.0.54", "port": 8053, "proto": "udp"}], timeout=0.3)[0]
        assert quiet.status == "warn" and "no DNS answer to a query for" in quiet.observed
        assert "dig @HOST -p 8053" in quiet.remedy
    finally:
        answering.close()
        silent.close()


def test_dns_query_and_answer_parsing():
    query = ports.dns_query("kubernetes.default.svc.cluster.local", 0x1234)
    assert (
        query[:2] == b"\x12\x34" and b"\x0akubernetes\x07default" in query and query.endswith(b"\x00\x00\x01\x00\x01")
    )
    assert ports.dns_answer(b"\x12\x34\x81\x83" + b"\x00" * 8, 0x1234) == "NXDOMAIN, 0 answer(s)"
    assert ports.dns_answer(b"\x12\x35\x81\x80" + b"\x00" * 8, 0x1234) is None  # another id
    assert ports.dns_answer(b"\x12\x34\x01\x00" + b"\x00" * 8, 0x1234) is None  # a query, not an answer
    assert ports.dns_answer(b"short", 0x1234) is None
