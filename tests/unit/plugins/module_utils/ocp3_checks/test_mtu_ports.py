from __future__ import annotations

import socket

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
    assert by_name["port:%d/udp" % udp_port].status == "ok"
    assert "UDP cannot prove" in by_name["port:%d/udp" % udp_port].message
    assert by_name["port:%d/udp" % closed_port].status == "fail"
