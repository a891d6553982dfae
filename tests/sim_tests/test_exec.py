"""Pod exec over the websocket protocol with kubernetes.stream: channels, exit codes, binary data, stdin."""

import hashlib
import json
import os

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream


@pytest.fixture(scope="module")
def single(tmp_path_factory, moto_server):
    from tests.sim import ManagementCluster

    mgmt = ManagementCluster(str(tmp_path_factory.mktemp("exec") / "mgmt"), moto=None, name="mgmt-exec").start()
    try:
        hc = mgmt.create_hosted_cluster(name="solo", availability="SingleReplica")
        core = client.CoreV1Api(config.new_client_from_config(mgmt.kubeconfig))
        yield mgmt, hc, core
    finally:
        mgmt.stop()


def _exec(core, ns, pod, cmd, container="etcd", binary=False, stdin=None):
    """Run a command; return (rc, stdout bytes, stderr bytes) from the raw channels."""
    resp = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        ns,
        command=cmd,
        container=container,
        stdin=stdin is not None,
        stdout=True,
        stderr=True,
        tty=False,
        _preload_content=False,
        binary=True,
    )
    out, err = [], []
    if stdin is not None:
        for i in range(0, len(stdin), 1 << 20):
            resp.write_stdin(stdin[i : i + (1 << 20)])
        resp.close_channel(0)
    while resp.is_open():
        resp.update(timeout=1)
        out.append(resp.read_channel(1))
        err.append(resp.read_channel(2))
    out.append(resp.read_channel(1))
    err.append(resp.read_channel(2))
    status = yaml.safe_load(resp.read_channel(3) or "{}")
    resp.close()
    rc = 0 if status.get("status") == "Success" else int(status["details"]["causes"][0]["message"])
    return rc, b"".join(out), b"".join(err)


def test_exit_code_stdout_stderr(single):
    mgmt, hc, core = single
    rc, out, err = _exec(core, hc.hcp_namespace, "etcd-0", ["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert (rc, out, err) == (7, b"out\n", b"err\n")
    text = stream(
        core.connect_get_namespaced_pod_exec,
        "etcd-0",
        hc.hcp_namespace,
        command=["ls", "/var/lib"],
        stdout=True,
        stderr=True,
        stdin=False,
        tty=False,
    )
    assert "data" in text.split()


def test_paths_and_etcdctl_reach_this_pods_member(single):
    mgmt, hc, core = single
    hc.etcd.put_many({"/sim/key": "value"})
    ns = hc.hcp_namespace
    cmd = [
        "env",
        "ETCDCTL_API=3",
        "/usr/bin/etcdctl",
        "--cacert",
        "/etc/etcd/tls/etcd-ca/ca.crt",
        "--cert",
        "/etc/etcd/tls/client/etcd-client.crt",
        "--key",
        "/etc/etcd/tls/client/etcd-client.key",
        "--endpoints=localhost:2379",
        "snapshot",
        "save",
        "/var/lib/data/snapshot.db",
    ]
    rc, out, err = _exec(core, ns, "etcd-0", cmd)
    assert rc == 0, err
    assert os.path.getsize(os.path.join(hc.member_dir(0), "data", "snapshot.db")) > 0
    rc, out, _err = _exec(
        core, ns, "etcd-0", ["etcdctl", "-w", "json", "snapshot", "status", "/var/lib/data/snapshot.db"]
    )
    assert rc == 0 and json.loads(out)["totalKey"] >= 1
    tls = ["--cacert", "/etc/etcd/tls/etcd-ca/ca.crt", "--cert", "/etc/etcd/tls/client/etcd-client.crt"]
    tls += ["--key", "/etc/etcd/tls/client/etcd-client.key"]
    # no ETCDCTL_* in the container (as in HyperShift): the default endpoint 127.0.0.1:2379 is this member
    rc, out, _err = _exec(core, ns, "etcd-0", ["etcdctl", *tls, "get", "/sim/key", "--print-value-only"])
    assert (rc, out) == (0, b"value\n")
    rc, _out, err = _exec(
        core, ns, "etcd-0", ["env", "ETCDCTL_CACERT=/etc/etcd/tls/etcd-ca/ca.crt", "etcdctl", *tls, "get", "/sim/key"]
    )
    assert (
        rc != 0 and b"ETCDCTL_CACERT" in err
    )  # etcdctl 3.4 refuses a flag its variable also sets: no wrapper hides it
    rc, out, _err = _exec(core, ns, "etcd-0", ["sh", "-c", "env | grep ^ETCDCTL_ || true; ls /etc/etcd/tls/client"])
    assert out.split() == [b"etcd-client.crt", b"etcd-client.key"]
    rc, out, _err = _exec(core, ns, "etcd-0", ["sh", "-c", "sha256sum /var/lib/data/snapshot.db"])
    assert out.decode().split()[1] == "/var/lib/data/snapshot.db"
    rc, _out, err = _exec(core, ns, "etcd-0", ["curl", "http://example.com"])
    assert rc == 126


def test_binary_stdin_and_large_streamed_output(single):
    mgmt, hc, core = single
    ns = hc.hcp_namespace
    payload = os.urandom(5 * 1024 * 1024) + bytes(range(256))
    rc, out, err = _exec(
        core, ns, "etcd-0", ["sh", "-c", "cat > /var/lib/blob && sha256sum < /var/lib/blob"], stdin=payload
    )
    assert rc == 0, err
    assert out.split()[0].decode() == hashlib.sha256(payload).hexdigest()
    rc, out, _err = _exec(core, ns, "etcd-0", ["cat", "/var/lib/blob"])
    assert out == payload
    # 64 MB through the websocket, counted (not kept) on the client side
    resp = stream(
        core.connect_get_namespaced_pod_exec,
        "etcd-0",
        ns,
        command=["sh", "-c", "head -c 64000000 /dev/zero"],
        stdout=True,
        stderr=True,
        stdin=False,
        tty=False,
        _preload_content=False,
        binary=True,
    )
    total = 0
    while resp.is_open():
        resp.update(timeout=1)
        total += len(resp.read_channel(1))
    total += len(resp.read_channel(1))
    resp.close()
    assert total == 64000000


def test_exec_into_missing_pod_is_404(single):
    mgmt, hc, core = single
    with pytest.raises(ApiException) as err:
        stream(
            core.connect_get_namespaced_pod_exec,
            "nope",
            hc.hcp_namespace,
            command=["ls"],
            stdout=True,
            stderr=True,
            stdin=False,
            tty=False,
        )
    assert err.value.status in (0, 404) or "404" in str(err.value)
