"""HTTPS on loopback for restoreSnapshotURL: static files, or a front to the (plain HTTP) moto server.

The API refuses a restoreSnapshotURL that is not https (or s3), and moto speaks plain HTTP, so:
- `HttpsFront(directory=...)` serves files (a snapshot a test put there);
- `HttpsFront(target="http://127.0.0.1:PORT")` forwards every request to moto unchanged (Host header
  included, so SigV4 presigned URLs made for the front's address verify). Point boto3 / amazon.aws at
  `front.endpoint_url` with `AWS_CA_BUNDLE=front.ca_cert` (`front.env`) and presigned URLs are https.
Each front has its own CA; the operator stand-in trusts every CA in `TRUSTED_CAS` (and the
management cluster's), as the etcd-init container trusts public CAs.
"""

import functools
import http.client
import http.server
import os
import shutil
import ssl
import tempfile
import threading
import urllib.parse

from tests.harness.pki import CA

TRUSTED_CAS = set()  # CA files the operator stand-in's downloads trust


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args):
        pass


class _Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    target = None  # (host, port), set per server

    def log_message(self, *_args):
        pass

    def _forward(self):
        body = self._body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding", "expect")}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(*self.target, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        self.send_response(resp.status, resp.reason)
        upstream_length = resp.getheader("Content-Length")
        for key, value in resp.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        # a HEAD answer has no body: its Content-Length is the object's size, as the upstream said it
        length = upstream_length if self.command == "HEAD" and upstream_length is not None else str(len(data))
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


class HttpsFront:
    def __init__(self, directory=None, target=None):
        self._dir = tempfile.mkdtemp(prefix="sim-https-")
        # a CN of its own: OpenSSL picks a trusted CA by subject name, so several fronts' CAs with one name in the
        # operator's trust store made it check a certificate against the wrong key ("certificate signature failure")
        self.ca = CA(os.path.join(self._dir, "ca"), cn="sim-https-front-ca-" + os.path.basename(self._dir))
        cert = self.ca.issue("https-front", directory=os.path.join(self._dir, "ca"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert.cert, cert.key)
        if target:
            parsed = urllib.parse.urlsplit(target)
            handler = type("Proxy", (_Proxy,), {"target": (parsed.hostname, parsed.port)})
        else:
            handler = functools.partial(_Files, directory=directory)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = None

    @property
    def ca_cert(self):
        return self.ca.cert

    @property
    def endpoint_url(self):
        return "https://127.0.0.1:%d" % self._server.server_address[1]

    @property
    def env(self):
        """AWS_ENDPOINT_URL and AWS_CA_BUNDLE for boto3 and the amazon.aws modules."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_CA_BUNDLE": self.ca_cert}

    def url(self, name):
        return "%s/%s" % (self.endpoint_url, name)

    def start(self):
        TRUSTED_CAS.add(self.ca_cert)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-https-front", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        TRUSTED_CAS.discard(self.ca_cert)
        shutil.rmtree(self._dir, ignore_errors=True)
