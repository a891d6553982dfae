"""etcd_member_info main(): host mode with a stand-in etcdctl that prints what etcd 3.2 (OpenShift 3.11) prints,
pod mode through a fake exec API (tests/unit/plugins/modules/etcd_snapshot/fakes). Nothing inside the module is
patched; the e2e tests run real etcd.
"""

import json
import sys
import textwrap
from types import SimpleNamespace

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ocp.day2.plugins.module_utils.etcd import member_info as mod_info
from ansible_collections.ocp.day2.plugins.module_utils.etcd import pod as etcd_pod
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.modules import etcd_member_info as mod
from tests.unit.plugins.modules.etcd_snapshot.fakes import FakePod, FakePodExec, exit_frames, out

MEMBERS_32 = {
    "header": {"cluster_id": 9, "member_id": 1},
    "members": [
        {"ID": 1, "name": "master-0", "peerURLs": ["https://10.0.0.1:2380"], "clientURLs": ["https://10.0.0.1:2379"]},
        {"ID": 2, "name": "master-1", "peerURLs": ["https://10.0.0.2:2380"], "clientURLs": ["https://10.0.0.2:2379"]},
        {"ID": 3, "name": "master-2", "peerURLs": ["https://10.0.0.3:2380"], "clientURLs": ["https://10.0.0.3:2379"]},
    ],
}
HEALTH_32 = """\
https://10.0.0.1:2379 is healthy: successfully committed proposal: took = 1.1ms
https://10.0.0.2:2379 is healthy: successfully committed proposal: took = 1.3ms
https://10.0.0.3:2379 is unhealthy: failed to connect: dial tcp 10.0.0.3:2379: getsockopt: connection refused
"""
STATUS_32 = """\
https://10.0.0.1:2379, 1, 3.2.22, 25 MB, false, 7, 880
https://10.0.0.2:2379, 2, 3.2.22, 25 MB, true, 7, 880
"""


@pytest.fixture
def fake_etcdctl(tmp_path):
    """etcdctl 3.2 stand-in: JSON member list, text health (it ignores -w json there) and text status."""
    log = tmp_path / "etcdctl.log"
    script = tmp_path / "etcdctl"
    script.write_text(
        textwrap.dedent(
            """\
            #!%s
            import json, os, sys
            args = sys.argv[1:]
            with open(%r, "a") as f:
                f.write(json.dumps({"argv": args, "env": {k: v for k, v in os.environ.items()
                                                         if k.startswith("ETCDCTL")}}) + "\\n")
            eps = [a.split("=", 1)[1] for a in args if a.startswith("--endpoints=")][0]
            if "dead" in eps and "member" in args:
                sys.stderr.write("Error: context deadline exceeded\\n"); sys.exit(1)
            if "member" in args:
                print(json.dumps(%r))
            elif "health" in args:
                sys.stdout.write(%r); sys.stderr.write("Error: unhealthy cluster\\n"); sys.exit(1)
            elif "status" in args and "-w" in args:
                sys.stderr.write("Error: unknown flag: -w\\n"); sys.exit(1)
            else:
                sys.stdout.write(%r)
            """
        )
        % (sys.executable, str(log), MEMBERS_32, HEALTH_32, STATUS_32)
    )
    script.chmod(0o755)
    return SimpleNamespace(path=str(script), calls=lambda: [json.loads(x) for x in log.read_text().splitlines()])


@pytest.fixture
def run(capsys, monkeypatch):
    monkeypatch.setenv("ETCDCTL_ENDPOINTS", "https://from-the-admin-shell:2379")
    # No etcd listens in unit tests: the fake etcdctl decides which endpoint answers, so the TCP pre-check passes.
    monkeypatch.setattr(mod_info, "connect_error", lambda url, timeout=None: None)

    def _run(args, check=False):
        with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
            mod.main()
        return json.loads(capsys.readouterr().out)

    return _run


def host(fake, **extra):
    return dict({"mode": "host", "endpoints": ["https://10.0.0.1:2379"], "etcdctl": fake.path}, **extra)


def test_host_mode_reads_etcd_32_text(run, fake_etcdctl):
    result = run(host(fake_etcdctl, endpoints=["https://dead:2379", "https://10.0.0.1:2379"]), check=True)
    assert not result.get("failed"), result
    assert result["witness"] == "https://10.0.0.1:2379" and result["output"] == "text" and not result["changed"]
    by_name = {m["name"]: m for m in result["members"]}
    assert by_name["master-1"]["leader"] and result["leader"] == "master-1"
    assert by_name["master-1"]["db_size"] == 25_000_000 and by_name["master-1"]["raft_index"] == 880
    assert by_name["master-2"]["healthy"] is False and "connection refused" in by_name["master-2"]["error"]
    assert result["quorum"] is True and result["healthy"] is False and result["unhealthy"] == ["master-2"]
    calls = fake_etcdctl.calls()
    assert all(c["env"] == {"ETCDCTL_API": "3"} for c in calls)  # the admin's ETCDCTL_ENDPOINTS is not passed on
    health = next(c["argv"] for c in calls if "health" in c["argv"])
    assert "--endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379" in health


def test_wait_healthy_times_out_naming_the_member(run, fake_etcdctl):
    result = run(host(fake_etcdctl, wait_healthy=True, timeout=1, expect_members=3))
    assert result["failed"] and "etcd was not healthy after 1s" in result["msg"]
    assert "master-2 (failed to connect" in result["msg"] and result["unhealthy"] == ["master-2"]


def test_nothing_answers(run, fake_etcdctl):
    result = run(host(fake_etcdctl, endpoints=["https://dead:2379"]))
    assert (
        result["failed"] and "No etcd member answered" in result["msg"] and "context deadline exceeded" in result["msg"]
    )


@pytest.mark.parametrize(
    "args, msg",
    [
        ({"mode": "host", "endpoints": ["10.0.0.1:2379"]}, "is not an etcd client URL"),
        ({"mode": "host", "endpoints": ["https://h:2379"], "etcdctl": "/nonexistent/etcdctl"}, "etcdctl not found"),
        ({"mode": "host", "endpoints": ["https://h:2379"], "cacert": "/nonexistent/ca.crt"}, "does not exist"),
        ({"mode": "pod"}, "namespace"),
        ({"mode": "host", "endpoints": []}, "endpoints"),
        ({"mode": "host", "endpoints": ["https://h:2379"], "command_timeout": 0}, "command_timeout"),
        ({"mode": "host", "endpoints": ["https://h:2379"], "timeout": -1}, "timeout"),
        ({"mode": "host", "endpoints": ["https://h:2379"], "expect_members": 0}, "expect_members"),
        ({"mode": "pod", "namespace": "clusters-example", "statefulset": ""}, "statefulset"),
    ],
)
def test_option_errors(run, args, msg):
    result = run(args)
    assert result["failed"] and msg in result["msg"]


class EtcdPod(FakePod):
    """An etcd 3.5 container answering etcdctl member list / endpoint health / status in JSON."""

    def frames_for(self, command):
        self.commands.append(list(command))
        if "member" in command:
            members = {"members": [{"ID": 10, "name": "etcd-0", "peerURLs": ["https://e0:2380"],
                                    "clientURLs": ["https://e0:2379"]}]}  # fmt: skip
            return [out(1, json.dumps(members).encode()), *exit_frames(0)]
        if "health" in command:
            return [out(1, b'[{"endpoint":"https://e0:2379","health":true,"took":"2ms"}]'), *exit_frames(0)]
        status = [{"Endpoint": "https://e0:2379", "Status": {"header": {"member_id": 10, "revision": 5}, "leader": 10}}]
        return [out(1, json.dumps(status).encode()), *exit_frames(0)]


def test_pod_mode_given_pod(run, monkeypatch):
    pod = EtcdPod()
    monkeypatch.setattr(etcd_pod, "PodExec", lambda api, ns, name, container: FakePodExec(pod, ns, name, container))
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=SimpleNamespace(client=None)))
    result = run({"namespace": "clusters-hc", "pod": "etcd-0"})
    assert not result.get("failed"), result
    assert result["healthy"] and result["leader"] == "etcd-0" and result["members"][0]["id"] == "a"
    assert result["witness"] == "etcd-0" and result["output"] == "json"
    first = pod.commands[0]
    assert first[:3] == ["env", "-u", "ETCDCTL_CACERT"] and "ETCDCTL_API=3" in first
    assert "--cacert=/etc/etcd/tls/etcd-ca/ca.crt" in first and "--cert=/etc/etcd/tls/client/etcd-client.crt" in first
    assert "--endpoints=https://localhost:2379" in first


class FakeDynamic:
    """DynamicClient.request stand-in: objects by path; a missing one raises NotFoundError as the client does."""

    client = None  # the kubernetes ApiClient underneath (PodExec is faked)

    def __init__(self, objects, status=None):
        self.objects = objects
        self.status = status
        self.paths = []

    def request(self, method, path):
        from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError

        self.paths.append(path)
        if self.status:
            raise DynamicApiError(SimpleNamespace(status=self.status, reason="Forbidden", body="{}", headers={}))
        if path not in self.objects:
            raise NotFoundError(SimpleNamespace(status=404, reason="Not Found", body="{}", headers={}))
        return SimpleNamespace(to_dict=lambda: self.objects[path])


HC_PATH = "/apis/hypershift.openshift.io/v1beta1/namespaces/clusters/hostedclusters/hc"
KEY_PATH = "/api/v1/namespaces/clusters/secrets/%s"


def hosted(dynamic, monkeypatch):
    pod = EtcdPod()
    monkeypatch.setattr(etcd_pod, "PodExec", lambda api, ns, name, container: FakePodExec(pod, ns, name, container))
    monkeypatch.setattr(Day2K8sModule, "client", SimpleNamespace(client=dynamic))
    return pod


def test_hostedcluster_read_with_its_key_secrets_and_etcd(run, monkeypatch):
    hc = {
        "metadata": {"name": "hc", "annotations": {"a": "b"}},
        "spec": {"secretEncryption": {"aescbc": {"activeKey": {"name": "k1"}, "backupKey": {"name": "k0"}}}},
    }
    dynamic = FakeDynamic({HC_PATH: hc, KEY_PATH % "k1": {"data": {"key": "c2VjcmV0LWtleS1tYXRlcmlhbA=="}}})
    hosted(dynamic, monkeypatch)
    result = run({"hostedcluster": "hc", "hostedcluster_namespace": "clusters", "pod": "etcd-0"})
    assert not result.get("failed"), result
    assert result["hostedcluster"] == hc and result["namespace"] == "clusters-hc" and result["healthy"]
    assert result["encryption_keys"] == [
        {"role": "active", "secret": "k1", "found": True},
        {"role": "backup", "secret": "k0", "found": False},
    ]
    assert "c2VjcmV0" not in json.dumps(result)  # existence only, never the key material
    assert dynamic.paths == [HC_PATH, KEY_PATH % "k1", KEY_PATH % "k0"]


def test_missing_hostedcluster_is_reported_without_asking_etcd(run, monkeypatch):
    pod = hosted(FakeDynamic({}), monkeypatch)
    result = run({"hostedcluster": "hc"})
    assert not result.get("failed"), result
    assert result["hostedcluster"] is None and result["members"] == [] and result["healthy"] is False
    assert "not found" in result["summary"] and pod.commands == []


def test_hostedcluster_api_refusal_fails_clearly(run, monkeypatch):
    hosted(FakeDynamic({}, status=403), monkeypatch)
    result = run({"hostedcluster": "hc"})
    assert result["failed"] and "Reading HostedCluster clusters/hc failed" in result["msg"] and "403" in result["msg"]
