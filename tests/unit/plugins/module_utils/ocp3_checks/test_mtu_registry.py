"""The registry HTTPS probe of 002 §3.10 against real TLS servers on loopback: answered, untrusted, and the
MTU symptom (TCP connects, the TLS handshake never completes)."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import mtu
from tests.harness.pki import CA


class _Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok" if self.path == "/healthz" else b"no"
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("registry"))
    ca = CA(directory, cn="ocp3-registry-test-ca")
    pair = ca.issue("registry")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "https://127.0.0.1:%d" % server.server_address[1], ca.cert
    server.shutdown()
    server.server_close()


def test_registry_answers_over_https(registry):
    url, cacert = registry
    result = mtu.check_registry_https({"registry_url": url + "/healthz", "registry_cacert": cacert}, timeout=2)
    assert result.status == "ok", result.to_dict()
    assert result.observed == "TLS handshake done, HTTP/1.0 200 OK"


def test_untrusted_certificate_is_a_warning_not_an_mtu_failure(registry):
    url, _cacert = registry
    result = mtu.check_registry_https({"registry_url": url + "/healthz"}, timeout=2)
    assert result.status == "warn", result.to_dict()
    assert "certificate not trusted" in result.observed and "MTU is fine" in result.message
    wrong_path = mtu.check_registry_https(
        {"registry_url": url + "/nothing", "registry_validate_certs": False}, timeout=2
    )
    assert wrong_path.status == "warn" and "404" in wrong_path.observed


def test_handshake_that_never_completes_is_the_mtu_symptom():
    # TCP accepts, then nothing: what a TLS server behind a too-large MTU looks like from the client.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        url = "https://127.0.0.1:%d/healthz" % silent.getsockname()[1]
        result = mtu.check_registry_https({"registry_url": url}, timeout=1)
    finally:
        silent.close()
    assert result.status == "fail", result.to_dict()
    assert "TLS handshake or answer timed out" in result.observed
    assert "MTU" in result.message and "networkConfig.mtu" in result.remedy


def test_unreachable_registry_and_no_url():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    result = mtu.check_registry_https({"registry_url": "https://127.0.0.1:%d/healthz" % port}, timeout=1)
    assert result.status == "fail" and "TCP connect" in result.observed
    assert mtu.check_registry_https({"registry_url": ""}).status == "skipped"
