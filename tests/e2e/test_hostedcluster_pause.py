"""hostedcluster_pause through ansible-playbook, with the collection installed.

The cluster tests run on the simulated management cluster (tests/sim) over real HTTPS and skip only
while tests/sim cannot be imported; the unreachable-API test needs no cluster.
"""

import datetime
import json
import os

import pytest
import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import free_port

API = "hypershift.openshift.io/v1beta1"

PLAYBOOK = """
- name: Pause, resume or restore a hosted cluster
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run hostedcluster_pause
      ocp.day2.hostedcluster_pause:
        name: "{{ hc_name }}"
        namespace: "{{ hc_namespace }}"
        state: "{{ pause_state | default(omit) }}"
        until: "{{ until | default(omit) }}"
        nodepools: "{{ nodepools | default(omit) }}"
        previous: "{{ previous | default(omit) }}"
        wait: "{{ wait | default(omit) }}"
        wait_timeout: "{{ wait_timeout | default(omit) }}"
      register: pause
      ignore_errors: true

    - name: Save the result for the test
      ansible.builtin.copy:
        content: "{{ pause | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


@pytest.fixture
def mgmt(request, tmp_path):
    """The simulated management cluster: the shared `mgmt_cluster` fixture once it exists, else our own."""
    pytest.importorskip("tests.sim.cluster", reason="the simulated management cluster (tests/sim) is not there yet")
    try:
        yield request.getfixturevalue("mgmt_cluster")
        return
    except pytest.FixtureLookupError:
        pass
    from tests.sim.cluster import ManagementCluster

    cluster = ManagementCluster(tmp_path / "mgmt").start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def hc(mgmt):
    return mgmt.create_hosted_cluster(name="example", namespace="clusters", nodepools=2, availability="SingleReplica")


def run(tmp_path, kubeconfig, check=False, diff=False, verbosity=0, **extra):
    path = write_playbook(tmp_path, PLAYBOOK)
    result_file = tmp_path / "result.json"
    if result_file.exists():
        result_file.unlink()
    extra.setdefault("hc_name", "example")
    extra.setdefault("hc_namespace", "clusters")
    extra["result_file"] = str(result_file)
    env = {"K8S_AUTH_KUBECONFIG": str(kubeconfig)}
    proc = run_playbook(path, extra_vars=extra, env=env, check=check, diff=diff, verbosity=verbosity, timeout=300)
    assert proc.rc == 0, proc
    return json.loads(result_file.read_text()), proc


def value(mgmt, kind, name, namespace="clusters"):
    obj = mgmt.get(API, kind, name, namespace)
    assert obj is not None, "%s %s/%s is gone" % (kind, namespace, name)
    return (obj.get("spec") or {}).get("pausedUntil", "(absent)")


def nodepool_names(mgmt, cluster="example", namespace="clusters"):
    pools = mgmt.list(API, "NodePool", namespace)
    return sorted(p["metadata"]["name"] for p in pools if p["spec"].get("clusterName") == cluster)


def test_pause_idempotence_check_mode_resume_and_restore(tmp_path, mgmt, hc):
    pools = nodepool_names(mgmt)
    assert len(pools) == 2
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    # Check mode reports the change and changes nothing.
    result, _unused = run(tmp_path, mgmt.kubeconfig, check=True, diff=True, until="2h")
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert value(mgmt, "HostedCluster", "example") == "(absent)"
    assert [value(mgmt, "NodePool", p) for p in pools] == ["(absent)", "(absent)"]

    # Pause with a duration: HC and both NodePools get now + 2h in UTC.
    result, proc = run(tmp_path, mgmt.kubeconfig, diff=True, until="2h")
    assert not result.get("failed"), result
    assert result["changed"] is True
    until = result["paused_until"]
    moment = datetime.datetime.strptime(until, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert 7200 <= (moment - start).total_seconds() <= 7260
    assert result["previous"] == {"hostedcluster": None, "nodepools": dict.fromkeys(pools)}
    assert result["nodepools"] == pools
    assert value(mgmt, "HostedCluster", "example") == until
    assert [value(mgmt, "NodePool", p) for p in pools] == [until, until]
    assert "pausedUntil" in proc.stdout  # the diff is shown
    first_previous = result["previous"]

    # Idempotent re-run: nothing changes.
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="2h")
    assert result["changed"] is False and result["paused_until"] == until

    # An explicit indefinite pause of one NodePool, then resume everything.
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="true", nodepools=[pools[1]])
    assert result["changed"] is True and result["nodepools"] == [pools[1]]
    assert value(mgmt, "NodePool", pools[1]) == "true"
    assert value(mgmt, "HostedCluster", "example") == "true"
    middle_previous = result["previous"]
    assert middle_previous == {"hostedcluster": until, "nodepools": {pools[1]: until}}

    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="resumed")
    assert result["changed"] is True and result["paused_until"] is None
    assert value(mgmt, "HostedCluster", "example") == "(absent)"
    assert [value(mgmt, "NodePool", p) for p in pools] == ["(absent)", "(absent)"]
    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="resumed")
    assert result["changed"] is False

    # Restore what the middle call found: the exact RFC3339 values come back.
    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="restored", previous=middle_previous)
    assert result["changed"] is True
    assert value(mgmt, "HostedCluster", "example") == until
    assert value(mgmt, "NodePool", pools[1]) == until
    assert value(mgmt, "NodePool", pools[0]) == "(absent)"  # not in that `previous`: untouched

    # Restore what the first call found: the field is removed everywhere.
    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="restored", previous=first_previous)
    assert result["changed"] is True
    assert value(mgmt, "HostedCluster", "example") == "(absent)"
    assert [value(mgmt, "NodePool", p) for p in pools] == ["(absent)", "(absent)"]


def test_wait_until_hcp_shows_the_value(tmp_path, mgmt, hc):
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="true", wait=True, wait_timeout=60)
    assert not result.get("failed"), result
    assert result["hostedcontrolplane"] == {"namespace": "clusters-example", "paused_until": "true"}
    assert value(mgmt, "HostedControlPlane", "example", "clusters-example") == "true"
    # wait: true verifies (verify defaults to wait) that HyperShift really stopped reconciling.
    reasons = {key: cond["reason"] for key, cond in result["reconciliation"].items()}
    assert reasons == dict.fromkeys(
        ["HostedCluster/example", "HostedControlPlane/example"] + ["NodePool/%s" % p for p in nodepool_names(mgmt)],
        "ReconciliationPaused",
    )

    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="resumed", wait=True, wait_timeout=60)
    assert not result.get("failed"), result
    assert result["hostedcontrolplane"]["paused_until"] is None
    assert value(mgmt, "HostedControlPlane", "example", "clusters-example") == "(absent)"


def test_wait_timeout_says_what_hcp_shows(tmp_path, mgmt, hc):
    # With the operator stand-in stopped nothing copies the value to the HostedControlPlane.
    mgmt.controllers.stop()
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="true", wait=True, wait_timeout=2)
    assert result["failed"] is True
    assert "Timed out after 2s waiting for HostedControlPlane clusters-example/example" in result["msg"]
    assert "to show spec.pausedUntil=true; it shows spec.pausedUntil=(absent)" in result["msg"]
    assert result["previous"]["hostedcluster"] is None and result["changed"] is True
    assert value(mgmt, "HostedCluster", "example") == "true"


def test_missing_hostedcluster(tmp_path, mgmt):
    result, _unused = run(tmp_path, mgmt.kubeconfig, hc_name="nope", until="true")
    assert result["failed"] is True
    assert "HostedCluster clusters/nope not found" in result["msg"]
    assert "oc get hostedcluster -A" in result["msg"]


def test_named_nodepool_missing_and_bad_until(tmp_path, mgmt, hc):
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="true", nodepools=["no-such-pool"])
    assert result["failed"] is True
    assert "NodePool(s) no-such-pool not found in namespace clusters for HostedCluster example" in result["msg"]
    result, _unused = run(tmp_path, mgmt.kubeconfig, until="next week")
    assert result["failed"] is True
    assert "until='next week' is not accepted" in result["msg"] and "1h30m" in result["msg"]
    assert value(mgmt, "HostedCluster", "example") == "(absent)"


def test_api_error_mid_way_returns_previous(tmp_path, mgmt, hc):
    pools = nodepool_names(mgmt)
    mgmt.faults.add(method="PATCH", path=r"/nodepools/%s$" % pools[1], status=403, times=None)
    try:
        result, _unused = run(tmp_path, mgmt.kubeconfig, until="true")
    finally:
        mgmt.faults.clear()
    assert result["failed"] is True
    assert "injected fault" in result["msg"] and "HTTP 403" in result["msg"]
    assert "Already changed: HostedCluster example, NodePool %s" % pools[0] in result["msg"]
    assert result["previous"]["hostedcluster"] is None
    result, _unused = run(tmp_path, mgmt.kubeconfig, pause_state="restored", previous=result["previous"])
    assert not result.get("failed"), result
    assert value(mgmt, "HostedCluster", "example") == "(absent)"
    assert value(mgmt, "NodePool", pools[0]) == "(absent)"


def test_unreachable_api(tmp_path):
    port = free_port()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:%d" % port}}],
                "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    os.chmod(kubeconfig, 0o600)
    result, proc = run(tmp_path, kubeconfig, until="true", verbosity=3)
    assert result["failed"] is True
    assert "Cannot reach the Kubernetes API server" in result["msg"]
    assert "127.0.0.1:%d" % port in result["msg"]
    assert "Traceback" not in result["msg"]
    assert "not-a-real-token" not in proc.output
