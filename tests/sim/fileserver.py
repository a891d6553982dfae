"""An HTTPS file server on loopback with a certificate of a management cluster's CA.

restoreSnapshotURL must be https (or s3) and the shared moto server speaks plain HTTP, so tests of
the restore stand-in serve their snapshot through this instead (the operator stand-in trusts the
simulator's CA).
"""

import functools
import http.server
import os
import ssl
import threading


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args):
        pass


class HttpsFileServer:
    def __init__(self, mgmt, directory):
        self.directory = directory
        cert = mgmt.ca.issue("snapshot-server", directory=os.path.join(mgmt.base_dir, "pki", "fileserver"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert.cert, cert.key)
        handler = functools.partial(_Quiet, directory=directory)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = None

    def url(self, name):
        return "https://127.0.0.1:%d/%s" % (self._server.server_address[1], name)

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="sim-fileserver", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
