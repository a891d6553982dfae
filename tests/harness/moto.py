"""A moto server (S3 and Route53 over real HTTP) on loopback, with fake credentials."""

import json
import urllib.request

from moto.server import ThreadedMotoServer

from .net import free_port

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIATESTTESTTESTTEST",
    "AWS_SECRET_ACCESS_KEY": "test-secret-key-do-not-print",  # the tests grep output for this string
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class MotoServer:
    def __init__(self):
        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def env(self):
        """Environment for boto3 and the amazon.aws modules (credentials are fake)."""
        return dict(FAKE_AWS_ENV, AWS_ENDPOINT_URL=self.endpoint_url)

    def start(self):
        self._server.start()
        return self

    def stop(self):
        self._server.stop()

    def reset(self):
        req = urllib.request.Request(self.endpoint_url + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def client(self, service):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=FAKE_AWS_ENV["AWS_DEFAULT_REGION"],
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def dumps(obj):
    return json.dumps(obj, default=str)
