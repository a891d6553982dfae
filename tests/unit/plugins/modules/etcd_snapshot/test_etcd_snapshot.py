"""etcd_snapshot main(): check mode, delivery, cleanup and messages.

Host mode runs a stand-in etcdctl (a script at the process boundary); pod mode answers the exec API
with tests/unit/plugins/modules/etcd_snapshot/fakes.FakePod. Nothing inside the module is patched.
"""

import hashlib
import json
import os
import pathlib
import stat
import sys
import textwrap
from types import SimpleNamespace

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ocp.day2.plugins.module_utils.etcd import commands as etcd_commands
from ansible_collections.ocp.day2.plugins.module_utils.etcd import pod as etcd_pod
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.modules import etcd_snapshot as mod
from tests.unit.plugins.modules.etcd_snapshot.fakes import STATUS, FakePod, FakePodExec

SNAPSHOT = b"\x00bolt" + bytes(range(256)) * 64


@pytest.fixture
def fake_etcdctl(tmp_path):
    """An etcdctl stand-in: `snapshot save` writes SNAPSHOT, `snapshot status` prints STATUS; logs argv and env."""
    log = tmp_path / "etcdctl.log"
    script = tmp_path / "bin" / "etcdctl"
    script.parent.mkdir()
    script.write_text(
        textwrap.dedent(
            """\
            #!%s
            import json, os, sys
            args = sys.argv[1:]
            with open(%r, "a") as f:
                f.write(json.dumps({"argv": args, "api": os.environ.get("ETCDCTL_API"),
                                    "endpoints_env": os.environ.get("ETCDCTL_ENDPOINTS")}) + "\\n")
            endpoint = [a for a in args if a.startswith("--endpoints=")]
            if args[-2:] == ["endpoint", "status"] and endpoint and "dead" in endpoint[0]:
                sys.stderr.write("Error: context deadline exceeded\\n")
                sys.exit(1)
            if args[-3:-1] == ["snapshot", "save"]:
                if endpoint and "slow" in endpoint[0]:
                    import time
                    time.sleep(30)
                if endpoint and "dead" in endpoint[0]:
                    sys.stderr.write("Error: context deadline exceeded\\n")
                    sys.exit(1)
                with open(args[-1], "wb") as f:
                    f.write(%r)
                print("Snapshot saved at " + args[-1])
            elif args[:2] == ["snapshot", "status"]:
                print(json.dumps(%r))
            """
        )
        % (sys.executable, str(log), SNAPSHOT, STATUS)
    )
    script.chmod(0o755)
    return SimpleNamespace(
        path=str(script), log=log, calls=lambda: [json.loads(x) for x in log.read_text().splitlines()]
    )


@pytest.fixture
def run(capsys, monkeypatch):
    monkeypatch.setenv("ETCDCTL_ENDPOINTS", "https://from-the-admin-shell:2379")
    # No etcd listens in unit tests: the fake etcdctl decides which endpoint answers, so the TCP pre-check passes.
    monkeypatch.setattr(etcd_commands, "connect_error", lambda url, timeout=None: None)

    def _run(args, check=False, diff=False):
        # stand-in snapshots are no etcd databases: the test-restore is tested in test_etcd_snapshot_restore
        args = dict({"test_restore": False}, **args)
        with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=diff)), pytest.raises(SystemExit):
            mod.main()
        return json.loads(capsys.readouterr().out)

    return _run


def host_args(fake, tmp_path, **extra):
    tls = tmp_path / "tls"
    tls.mkdir(exist_ok=True)
    for name in ("ca.crt", "peer.crt", "peer.key"):
        (tls / name).write_text("x")
    args = {
        "mode": "host",
        "endpoints": ["https://127.0.0.1:2379"],
        "cacert": str(tls / "ca.crt"),
        "cert": str(tls / "peer.crt"),
        "key": str(tls / "peer.key"),
        "etcdctl_path": fake.path,
        "tmp_dir": str(tmp_path / "work"),
    }
    os.makedirs(args["tmp_dir"], exist_ok=True)
    args.update(extra)
    return args


def test_neither_dest_nor_s3(run, fake_etcdctl, tmp_path):
    result = run(host_args(fake_etcdctl, tmp_path))
    assert result["failed"] and "Nowhere to deliver the snapshot" in result["msg"]


def test_host_snapshot_to_dest(run, fake_etcdctl, tmp_path):
    dest = tmp_path / "backups" / "etcd.db"
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(dest)))
    art = result["artifact"]
    assert result["changed"] and dest.read_bytes() == SNAPSHOT
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600 and stat.S_IMODE(dest.parent.stat().st_mode) == 0o700
    assert art["sha256"] == hashlib.sha256(SNAPSHOT).hexdigest() and art["bytes"] == len(SNAPSHOT)
    assert (art["revision"], art["hash"], art["total_keys"], art["total_size"]) == (77, 1234, 500, 90000)
    assert art["member"] == "https://127.0.0.1:2379" and art["tool"] == "etcdctl" and art["s3"] is None
    assert art["taken_at"].endswith("Z") and art["dest"] == str(dest)
    assert os.listdir(tmp_path / "work") == []  # temporary snapshot removed
    save = fake_etcdctl.calls()[0]
    assert save["api"] == "3" and save["endpoints_env"] is None  # the admin's ETCDCTL_* do not leak in


def test_host_diff_shows_the_replaced_dest(run, fake_etcdctl, tmp_path):
    dest = tmp_path / "e.db"
    dest.write_bytes(b"older snapshot")
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(dest)), diff=True)
    assert result["diff"]["before"]["dest"] == "%s (existing file, 14 bytes, replaced)" % dest
    assert result["diff"]["after"] == {"dest": str(dest), "s3": None}
    assert dest.read_bytes() == SNAPSHOT


def test_host_falls_back_to_next_endpoint(run, fake_etcdctl, tmp_path):
    args = host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), member="master-0")
    args["endpoints"] = ["https://dead:2379", "https://127.0.0.2:2379"]
    result = run(args)
    assert result["artifact"]["source"] == "https://127.0.0.2:2379" and result["artifact"]["member"] == "master-0"
    saves = [c["argv"] for c in fake_etcdctl.calls() if "save" in c["argv"]]
    assert len(saves) == 1 and "--endpoints=https://127.0.0.2:2379" in saves[0]  # the dead one was only probed


def test_host_unreachable_fails_and_cleans_up(run, fake_etcdctl, tmp_path):
    args = host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), endpoints=["https://dead:2379"])
    result = run(args)
    assert result["failed"] and "snapshot save failed on every endpoint" in result["msg"]
    assert "context deadline exceeded" in result["msg"] and "etcd did not answer" in result["msg"]
    assert "https://dead:2379: no answer within 5s" in result["msg"]
    assert os.listdir(tmp_path / "work") == [] and not (tmp_path / "e.db").exists()


def test_host_timeout_fails_and_cleans_up(run, fake_etcdctl, tmp_path):
    args = host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), endpoints=["https://slow:2379"], timeout=2)
    result = run(args)
    assert result["failed"] and "Timed out after 2s while taking the snapshot from https://slow:2379" in result["msg"]
    assert os.listdir(tmp_path / "work") == [] and not (tmp_path / "e.db").exists()


def test_host_missing_cert_file(run, fake_etcdctl, tmp_path):
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), cert="/nonexistent/peer.crt"))
    assert result["failed"] and "cert=/nonexistent/peer.crt does not exist on this host" in result["msg"]
    assert not fake_etcdctl.log.exists()  # etcdctl never ran


def test_host_missing_etcdctl(run, fake_etcdctl, tmp_path):
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), etcdctl_path="/nonexistent/etcdctl"))
    assert result["failed"] and "etcdctl not found" in result["msg"]


def test_host_check_mode_takes_nothing(run, fake_etcdctl, tmp_path):
    dest = tmp_path / "e.db"
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(dest)), check=True)
    assert result["changed"] and "artifact" not in result
    assert result["would_snapshot"]["mode"] == "host" and result["would_deliver"] == {"dest": str(dest), "s3": None}
    assert not dest.exists() and not fake_etcdctl.log.exists()


def test_bad_s3_endpoint(run, fake_etcdctl, tmp_path):
    args = host_args(fake_etcdctl, tmp_path, s3_bucket="bkt", s3_key="k", s3_endpoint_url="localhost:9000")
    result = run(dict(args, aws_access_key="AKIAUNIT", aws_secret_key="unit-secret", region="us-east-1"))
    assert result["failed"] and "is not a URL" in result["msg"] and "unit-secret" not in json.dumps(result)


def test_s3_key_requires_bucket_and_sse_kms(run, fake_etcdctl, tmp_path):
    result = run(host_args(fake_etcdctl, tmp_path, s3_key="k"))
    assert result["failed"] and "s3_bucket" in result["msg"]
    args = host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e"), s3_sse_kms_key_id="kms")
    assert "needs s3_sse: aws:kms" in run(args)["msg"]


# -- pod mode through a fake exec API -------------------------------------------------------


@pytest.fixture
def fake_cluster(monkeypatch):
    pod = FakePod(snapshot=SNAPSHOT * 50)
    made = []

    def make(api_client, namespace, name, container):
        pexec = FakePodExec(pod, namespace, name, container)
        running = {"spec": {"containers": [{"name": "etcd"}]}, "status": {"phase": "Running"}}
        pexec.core = SimpleNamespace(
            read_namespaced_pod=lambda n, ns, **kw: SimpleNamespace(data=json.dumps(running).encode())
        )
        made.append(pexec)
        return pexec

    monkeypatch.setattr(etcd_pod, "PodExec", make)
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=SimpleNamespace(client=None)))
    return SimpleNamespace(pod=pod, made=made)


def test_pod_snapshot_to_dest(run, fake_cluster, tmp_path):
    dest = tmp_path / "hc" / "etcd-0.db"
    result = run({"namespace": "clusters-example-hc", "pod": "etcd-0", "dest": str(dest)})
    art = result["artifact"]
    assert dest.read_bytes() == SNAPSHOT * 50 and art["sha256"] == hashlib.sha256(SNAPSHOT * 50).hexdigest()
    assert art["member"] == "etcd-0" and art["source"] == "clusters-example-hc/etcd-0:etcd"
    assert fake_cluster.pod.files == {}  # temporary snapshot removed in the pod


def test_pod_corrupt_transfer_fails_keeps_nothing_and_cleans_up(run, fake_cluster, tmp_path):
    fake_cluster.pod.truncate_cat = True
    dest = tmp_path / "etcd-0.db"
    result = run({"namespace": "ns", "dest": str(dest)})
    assert result["failed"] and "Checksum mismatch in transfer" in result["msg"]
    assert not dest.exists() and os.listdir(tmp_path) == [] and fake_cluster.pod.files == {}


def test_pod_check_mode(run, fake_cluster, tmp_path):
    result = run({"namespace": "ns", "dest": str(tmp_path / "x.db")}, check=True)
    assert result["would_snapshot"]["pod"] == "etcd-0" and result["would_snapshot"]["container"] == "etcd"
    assert fake_cluster.made[0].clients == []  # no exec at all


def test_pod_mode_requires_namespace(run, tmp_path):
    result = run({"dest": str(tmp_path / "x.db")})
    assert result["failed"] and "namespace" in result["msg"]


# -- members: several pods at once ------------------------------------------------------------


@pytest.fixture
def fake_pods(monkeypatch):
    """One FakePod per pod name, so each member has its own files and failure switches."""
    pods = {name: FakePod(snapshot=(name.encode() + SNAPSHOT) * 20) for name in ("etcd-0", "etcd-1", "etcd-2")}
    running = {"spec": {"containers": [{"name": "etcd"}]}, "status": {"phase": "Running"}}

    def make(api_client, namespace, name, container):
        pexec = FakePodExec(pods[name], namespace, name, container)
        pexec.core = SimpleNamespace(
            read_namespaced_pod=lambda n, ns, **kw: SimpleNamespace(data=json.dumps(running).encode())
        )
        return pexec

    monkeypatch.setattr(etcd_pod, "PodExec", make)
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=SimpleNamespace(client=None)))
    return pods


def _members(tmp_path, names=("etcd-0", "etcd-1", "etcd-2")):
    return [{"pod": n, "dest": str(tmp_path / "b" / (n + ".db"))} for n in names]


def test_members_all_delivered_in_order(run, fake_pods, tmp_path):
    result = run({"namespace": "ns", "members": _members(tmp_path), "concurrency": 2}, diff=True)
    assert not result.get("failed"), result
    assert [a["member"] for a in result["artifacts"]] == ["etcd-0", "etcd-1", "etcd-2"]
    for art in result["artifacts"]:
        data = fake_pods[art["member"]].snapshot
        assert pathlib.Path(art["dest"]).read_bytes() == data and art["sha256"] == hashlib.sha256(data).hexdigest()
        assert art["source"] == "ns/%s:etcd" % art["member"]
    assert all(p.files == {} for p in fake_pods.values())
    assert [d["dest"] for d in result["diff"]["after"]] == [a["dest"] for a in result["artifacts"]]
    save = next(c for c in fake_pods["etcd-1"].commands if "save" in c)
    assert "--cacert=/etc/etcd/tls/etcd-ca/ca.crt" in save and "ETCDCTL_CACERT" in fake_pods["etcd-1"].unset


def test_members_one_failing_keeps_nothing_of_it(run, fake_pods, tmp_path):
    fake_pods["etcd-1"].save_error = "Error: context deadline exceeded"
    fake_pods["etcd-2"].truncate_cat = True  # fails after its snapshot was taken
    result = run({"namespace": "ns", "members": _members(tmp_path)})
    assert result["failed"] and "2 of 3 etcd snapshots failed" in result["msg"]
    assert "etcd-1: etcdctl snapshot save failed" in result["msg"] and "etcd-2: Checksum mismatch" in result["msg"]
    assert [f["pod"] for f in result["failed_members"]] == ["etcd-1", "etcd-2"]
    assert [a["member"] for a in result["artifacts"]] == ["etcd-0"]
    assert sorted(os.listdir(tmp_path / "b")) == ["etcd-0.db"]
    assert all(p.files == {} for p in fake_pods.values())  # temporary snapshots removed in every pod


def test_members_preflight_refusal_takes_nothing(run, fake_pods, tmp_path):
    result = run({"namespace": "ns", "members": _members(tmp_path), "container": "nope"})
    assert result["failed"] and "3 of 3 etcd pods cannot be snapshotted, so none was" in result["msg"]
    assert [f["pod"] for f in result["failed_members"]] == ["etcd-0", "etcd-1", "etcd-2"]
    assert result["artifacts"] == [] and all(p.commands == [] for p in fake_pods.values())


def test_members_check_mode_and_option_errors(run, fake_pods, tmp_path):
    result = run({"namespace": "ns", "members": _members(tmp_path)}, check=True)
    assert [w["pod"] for w in result["would_snapshot"]] == ["etcd-0", "etcd-1", "etcd-2"]
    assert all(p.commands == [] for p in fake_pods.values()) and not (tmp_path / "b").exists()

    result = run({"namespace": "ns", "members": _members(tmp_path), "dest": str(tmp_path / "x.db")})
    assert result["failed"] and "mutually exclusive" in result["msg"]
    twice = _members(tmp_path, ("etcd-0",)) + [{"pod": "etcd-1", "dest": str(tmp_path / "b" / "etcd-0.db")}]
    assert "same dest" in run({"namespace": "ns", "members": twice})["msg"]
    nowhere = run({"namespace": "ns", "members": [{"pod": "etcd-0"}]})
    assert nowhere["failed"] and "nowhere to go" in nowhere["msg"]
    no_bucket = run({"namespace": "ns", "members": [{"pod": "etcd-0", "s3_key": "k"}]})
    assert no_bucket["failed"] and "no s3_bucket" in no_bucket["msg"]
    host = run({"mode": "host", "members": _members(tmp_path)})
    assert host["failed"] and "pod mode only" in host["msg"]


def test_endpoints_are_validated(run, fake_etcdctl, tmp_path):
    result = run(host_args(fake_etcdctl, tmp_path, dest=str(tmp_path / "e.db"), endpoints=["--insecure-skip-tls"]))
    assert result["failed"] and "is not an etcd client URL" in result["msg"] and not fake_etcdctl.log.exists()
    result = run({"namespace": "ns", "dest": str(tmp_path / "e.db"), "pod_endpoint": "localhost:2379"})
    assert result["failed"] and "pod_endpoint: 'localhost:2379' is not an etcd client URL" in result["msg"]


def test_partial_delivery_is_undone_for_a_failed_member(tmp_path):
    """dest commits first; when the S3 commit then fails, members mode removes the committed dest too."""
    import botocore.exceptions

    from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
    from ansible_collections.ocp.day2.plugins.module_utils.etcd import snapshot as snap
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline

    deleted = []

    def refuse(**kwargs):
        raise botocore.exceptions.ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "PutObject")

    client = SimpleNamespace(put_object=refuse, delete_object=lambda **kw: deleted.append(kw))
    data = SNAPSHOT * 3
    source = SimpleNamespace(stream=lambda delivery, deadline: delivery.write(data), size=len(data))
    params = {"dest": str(tmp_path / "m.db"), "s3_bucket": "b", "s3_key": "k", "endpoint_url": None}
    sha = hashlib.sha256(data).hexdigest()
    status = {"totalSize": len(data)}
    with pytest.raises(Day2Error):
        snap.deliver(params, source, status, sha, client, Deadline(60), undo_partial=True)
    assert os.listdir(tmp_path) == []  # the committed dest was removed, no temporary file either
    with pytest.raises(Day2Error):
        snap.deliver(params, source, status, sha, client, Deadline(60))  # single-member behaviour: dest kept
    assert os.listdir(tmp_path) == ["m.db"]
