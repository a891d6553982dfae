"""A router stand-in for the simulated 3.11 cluster: a real HTTP server that, like the OpenShift router, finds the
Route whose spec.host is the request's Host header, follows it to its Service and answers from a Running pod the
service selects (here the answer is made by the stand-in itself, naming the pod). No route: 503, as the router's
"Application is not available" page; no running pod: 503 too. `down = True` makes every answer a 503."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SimRouter:
    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.down = False
        self.served = []  # (host, pod) of every 200 answer
        self._server = None

    def _backend(self, host):
        for route in self.mgmt.list("route.openshift.io/v1", "Route"):
            if (route.get("spec") or {}).get("host") != host or route["metadata"].get("deletionTimestamp"):
                continue
            ns = route["metadata"]["namespace"]
            svc = self.mgmt.get("v1", "Service", route["spec"]["to"]["name"], ns)
            selector = ((svc or {}).get("spec") or {}).get("selector") or {}
            for pod in self.mgmt.list("v1", "Pod", ns):
                labels = pod["metadata"].get("labels") or {}
                selected = selector and all(labels.get(k) == v for k, v in selector.items())
                if selected and (pod.get("status") or {}).get("phase") == "Running":
                    return pod["metadata"]["name"]
        return None

    def start(self):
        router = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0]
                pod = None if router.down else router._backend(host)
                body = ("served by %s\n" % pod if pod else "Application is not available\n").encode()
                self.send_response(200 if pod else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if pod:
                    router.served.append((host, pod))

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/" % self._server.server_address[1]
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
