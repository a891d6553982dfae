# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MTU (002 §3.10): the SDN interface MTU is the NIC MTU minus the overlay overhead (50 for VXLAN),
and the network between hosts really carries full-size packets.

`mtu_registry` is the guide's own probe: an HTTPS request to the registry's /healthz, whose TLS handshake
hangs when the MTU is wrong.

`mtu` compares the configured values on this host. `mtu_probe` sends one don't-fragment ICMP echo
of the largest size the NIC allows to every peer (`ping -M do -s <NIC MTU - 28>`): VXLAN packets
from a full pod MTU are exactly that size on the wire, so a peer that does not answer it while it
answers a small echo has a smaller MTU somewhere on the path, which shows up as TLS hangs.
"""

from __future__ import annotations

import re
import socket
import ssl
from urllib.parse import urlsplit

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

IPV4_ICMP_HEADERS = 28
IPV6_ICMP_HEADERS = 48


def interface_mtu(probe, name):
    text = probe.read("/sys/class/net/%s/mtu" % name)
    try:
        return int(text.strip())
    except (AttributeError, ValueError):
        return None


def nic_interface(probe, params):
    """The NIC named by nic_interface, else the one carrying traffic to the first peer, else the default route's."""
    if params.get("nic_interface"):
        return params["nic_interface"]
    targets = list(params.get("mtu_probe_peers") or []) + ["default"]
    for target in targets:
        args = ["ip", "-o", "route", "show", "default"] if target == "default" else ["ip", "-o", "route", "get", target]
        rc, out, _err = probe.run(args, timeout=10)
        match = re.search(r"\bdev\s+(\S+)", out or "") if rc == 0 else None
        if match:
            return match.group(1)
    return None


def check_mtu(probe, params):
    name = "mtu"
    overhead = int(params["sdn_overhead"])
    sdn = params["sdn_interface"]
    sdn_mtu = interface_mtu(probe, sdn)
    if sdn_mtu is None:
        return skipped(name, "No %s interface on this host: it is not on the OpenShift SDN (or the SDN is down)." % sdn)
    nic = nic_interface(probe, params)
    nic_mtu = interface_mtu(probe, nic) if nic else None
    if nic_mtu is None:
        return warn(
            name,
            "%s mtu %d, NIC not found" % (sdn, sdn_mtu),
            "",
            "Could not find the host's NIC to compare %s with." % sdn,
            "Set nic_interface (ocp3_health_check_nic_interface) to the host's cluster network interface.",
        )
    expected = nic_mtu - overhead
    observed = "%s mtu %d, %s mtu %d" % (sdn, sdn_mtu, nic, nic_mtu)
    threshold = "%s mtu == %s mtu - %d = %d" % (sdn, nic, overhead, expected)
    if sdn_mtu > expected:
        return fail(
            name,
            observed,
            threshold,
            "%s MTU %d is larger than %s can carry with a %d-byte overlay header: large packets are dropped "
            "(TLS handshakes hang)." % (sdn, sdn_mtu, nic, overhead),
            _remedy(expected),
        )
    if sdn_mtu < expected:
        return warn(
            name,
            observed,
            threshold,
            "%s MTU %d is smaller than it could be (%d): it works, but wastes bandwidth." % (sdn, sdn_mtu, expected),
            _remedy(expected),
        )
    return ok(name, observed, threshold, "%s MTU matches %s minus the overlay overhead." % (sdn, nic))


def _remedy(expected):
    return (
        "Set networkConfig.mtu to %d in the node config maps (openshift-node namespace), then restart the nodes, "
        "all of them: tun0 MTU must be equal cluster-wide (002 §3.10). The ocp3_health_check role does this when "
        "ocp3_health_check_remedy_node_mtu is set." % expected
    )


def _ping(probe, peer, size, timeout):
    rc, out, err = probe.run(
        ["ping", "-n", "-M", "do", "-s", str(size), "-c", "1", "-W", str(timeout), peer], timeout=timeout + 5
    )
    return rc == 0, (err or out or "").strip()


def check_mtu_probe(probe, params):
    name = "mtu_probe"
    peers = list(params.get("mtu_probe_peers") or [])
    if not peers:
        return skipped(name, "No peers to probe (mtu_probe_peers is empty).")
    if not probe.which("ping"):
        return warn(name, "ping not found", "", "Cannot probe: ping is not installed.", "Install iputils.")
    size = params.get("mtu_probe_size")
    nic = None
    if not size:
        nic = nic_interface(probe, params)
        nic_mtu = interface_mtu(probe, nic) if nic else None
        if nic_mtu is None:
            return warn(
                name,
                "NIC not found",
                "",
                "Could not find the NIC whose MTU sets the probe size.",
                "Set nic_interface or mtu_probe_size.",
            )
    timeout = int(params["probe_timeout"])
    dropped, silent, answered = [], [], []
    for peer in peers:
        headers = IPV6_ICMP_HEADERS if ":" in peer else IPV4_ICMP_HEADERS
        payload = int(size) if size else min(nic_mtu, 65535) - headers
        good, detail = _ping(probe, peer, payload, timeout)
        if good:
            answered.append(peer)
            continue
        small, _detail = _ping(probe, peer, 56, timeout)
        (dropped if small else silent).append("%s (%d-byte DF echo: %s)" % (peer, payload, _short(detail)))
    observed = "%d/%d peers answered full-size DF echo" % (len(answered), len(peers))
    what = "size %s" % size if size else "NIC %s mtu %d - IP/ICMP headers" % (nic, nic_mtu)
    threshold = "every peer answers a don't-fragment echo of %s" % what
    if dropped:
        return fail(
            name,
            observed + "; dropped: " + ", ".join(dropped),
            threshold,
            "Full-size packets do not reach %s, which answer(s) small ones: an MTU is smaller somewhere on "
            "the path." % ", ".join(d.split(" ")[0] for d in dropped),
            "Make the NIC MTU equal on every host and switch port (`ip link show`), or lower the SDN MTU "
            "(networkConfig.mtu) to what the path carries minus the overlay overhead.",
        )
    if silent:
        return warn(
            name,
            observed + "; no answer at all: " + ", ".join(silent),
            threshold,
            "Some peers answered no ICMP echo at all, so their MTU could not be tested.",
            "Check that the peers are up and that ICMP echo is allowed between cluster hosts.",
        )
    return ok(name, observed, threshold, "The network carries full-size packets to every peer.")


def _short(text):
    lines = [line for line in text.splitlines() if "error" in line or "ping:" in line or "loss" in line]
    return (lines[0] if lines else (text.splitlines() or ["no answer"])[-1])[:120]


def check_registry_https(params, timeout=None):
    """002 §3.10: `curl -v https://docker-registry.default.svc:5000/healthz` from every host. A wrong MTU shows
    as a TCP connection that opens and a TLS handshake that never completes (the certificates fill full-size
    packets). A handshake refused for trust reasons still proves the packets get through: a warning."""
    name = "mtu_registry"
    url = params.get("registry_url") or ""
    if not url:
        return skipped(name, "No registry URL to probe (registry_url is empty).")
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 443
    timeout = float(timeout or params.get("registry_timeout") or 5)
    threshold = "TLS handshake and HTTP 200 from %s within %gs" % (url, timeout)
    remedy = _remedy_registry()
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        why = "timed out" if isinstance(exc, socket.timeout) else (exc.strerror or str(exc))
        return fail(
            name, "TCP connect to %s:%d: %s" % (host, port, why), threshold,
            "The registry at %s:%d cannot be reached at all, so its MTU path could not be tested." % (host, port),
            "Check the registry pods (`oc -n default get pods -l deploymentconfig=docker-registry`), name "
            "resolution of %s and the firewall, then rerun." % host,
        )  # fmt: skip
    verified = bool(params.get("registry_validate_certs", True))
    context = ssl.create_default_context(cafile=params.get("registry_cacert") or None)
    if not verified:
        context = _unverified()
    untrusted = ""
    try:
        try:
            tls = context.wrap_socket(raw, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            untrusted = exc.verify_message or str(exc)
            raw.close()
            context = _unverified()  # only to see whether the handshake completes
            raw = socket.create_connection((host, port), timeout=timeout)
            tls = context.wrap_socket(raw, server_hostname=host)
        with tls:
            tls.sendall(
                ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (parts.path or "/", host)).encode()
            )
            status_line = tls.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
    except socket.timeout:
        return fail(
            name, "TCP connected, TLS handshake or answer timed out after %gs" % timeout, threshold,
            "The connection to %s opened but TLS never completed: the symptom of an SDN MTU larger than the path "
            "carries (002 §3.10)." % url, remedy,
        )  # fmt: skip
    except (ssl.SSLError, OSError) as exc:
        return fail(
            name, "TLS with %s:%d failed: %s" % (host, port, exc), threshold,
            "The registry did not complete a TLS handshake.", remedy,
        )  # fmt: skip
    finally:
        raw.close()
    observed = "TLS handshake done, %s" % (status_line or "no HTTP answer")
    if untrusted:
        return warn(
            name, observed + "; certificate not trusted: %s" % untrusted, threshold,
            "Full-size TLS packets get through (the MTU is fine), but the registry's certificate is not trusted here.",
            "Give the cluster CA (registry_cacert, e.g. /etc/origin/node/client-ca.crt) or add it to the system "
            "trust (update-ca-trust).",
        )  # fmt: skip
    if " 200 " not in status_line + " ":
        return warn(
            name, observed, threshold, "The registry completed TLS but /healthz did not answer 200.",
            "Look at the registry pods' logs (`oc -n default logs dc/docker-registry`).",
        )  # fmt: skip
    return ok(name, observed, threshold, "The registry answers over HTTPS: full-size packets get through.")


def _unverified():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _remedy_registry():
    return (
        "Lower networkConfig.mtu in the node config maps to the NIC MTU minus 50, restart the nodes and probe "
        "again; repeat 50 bytes lower while it still times out (002 §3.10)."
    )
