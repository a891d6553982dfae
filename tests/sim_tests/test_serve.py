"""`python -m tests.sim serve`: kubeconfigs and env file written, stops on SIGTERM leaving no process."""

import os
import signal
import subprocess
import sys

from tests.harness.net import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _etcd_under(path):
    out = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if "etcd --name" in line and path in line]


def test_serve_writes_env_and_stops_cleanly(tmp_path):
    out = str(tmp_path / "sim")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sim", "serve", "--dir", out, "--names", "mgmt-x", "mgmt-y",
         "--availability", "SingleReplica"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: os.path.exists(os.path.join(out, "env")), timeout=60, what="the env file")
        env = {}
        with open(os.path.join(out, "env")) as f:
            for line in f:
                key, _sep, value = line.removeprefix("export ").strip().partition("=")
                env[key] = value
        assert env["KUBECONFIG"] == os.path.join(out, "kubeconfig") and env["AWS_ENDPOINT_URL"].startswith(
            "http://127."
        )
        assert os.path.exists(env["SIM_KUBECONFIG_MGMT_Y"])
        res = subprocess.run(["kubectl", "--kubeconfig", env["KUBECONFIG"], "--context", "mgmt-x", "get", "hc", "-A"],
                             capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert "example" in res.stdout, res.stderr
        assert len(_etcd_under(out)) == 1
        proc.send_signal(signal.SIGTERM)
        output, _err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "simulator stopped" in output
        assert _etcd_under(out) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
