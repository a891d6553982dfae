"""ocp3_e2e_check (002 §3.1, §3.5.2) against the simulated cluster: the simulator's controllers run the sample
application's pods, a router stand-in (a real HTTP server) answers its route from the Route, Service and pods it
finds, and a real HTTPS registry answers /healthz to curl run through the pod exec. A failing route still leaves
no test project behind."""

from __future__ import annotations

import http.server
import ssl
import threading

import pytest

from tests.e2e.ocp3_e2e.router import SimRouter
from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.pki import CA

PLAY = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_e2e_check\n"


class _Healthz(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        _Healthz.hits.append(self.path)
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def registry(tmp_path):
    ca = CA(str(tmp_path / "registry-pki"), cn="ocp3-e2e-registry-ca")
    pair = ca.issue("docker-registry")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "https://127.0.0.1:%d/healthz" % server.server_address[1]
    server.shutdown()
    server.server_close()


def _namespaces(mgmt):
    return {n["metadata"]["name"] for n in mgmt.list("v1", "Namespace") if not n["metadata"].get("deletionTimestamp")}


def test_e2e_check_runs_the_sample_and_always_deletes_its_project(mgmt_cluster, registry, tmp_path):
    router = SimRouter(mgmt_cluster).start()
    play = write_playbook(tmp_path, PLAY, name="e2e.yml")
    extra = {
        "ocp_day2_kubeconfig": mgmt_cluster.kubeconfig,
        "ocp3_e2e_check_router_url": router.url,
        "ocp3_e2e_check_registry_url": registry,
        "ocp3_e2e_check_delay": 1,
        "ocp3_e2e_check_timeout": 60,
    }
    try:
        result = run_playbook(play, extra_vars=extra)
        assert result.rc == 0, result
        assert router.served and router.served[0][0] == "httpd-ex-sdn-test.apps.example.com", router.served
        assert router.served[0][1].startswith("httpd-ex-")
        assert "/healthz" in _Healthz.hits, "curl in the pod reached the registry"
        assert "its route httpd-ex-sdn-test.apps.example.com answered HTTP 200" in result.stdout
        assert "registry answered 200 from inside its pod" in result.stdout
        assert "sdn-test" not in _namespaces(mgmt_cluster), "the test project is deleted"

        # the router answers 503: the check fails naming the step, and the project is still deleted
        router.down = True
        failed = run_playbook(
            play, extra_vars=dict(extra, ocp3_e2e_check_project="sdn-test-2", ocp3_e2e_check_timeout=3)
        )
        assert failed.rc != 0, failed
        assert "FAILED at step 'Request the application through its route'" in failed.output, failed
        assert "The test project sdn-test-2 was deleted." in failed.output
        assert "sdn-test-2" not in _namespaces(mgmt_cluster)

        # a project of that name already exists: refused, and the admin's project is left alone
        mgmt_cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sdn-test"}})
        refused = run_playbook(play, extra_vars=extra, check=True)
        assert refused.rc != 0 and "already exists" in refused.output, refused
        assert "sdn-test" in _namespaces(mgmt_cluster)
    finally:
        router.stop()
