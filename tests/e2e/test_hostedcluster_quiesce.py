"""hostedcluster_quiesce through ansible-playbook, with the collection installed, on the simulated management cluster.

Each test runs few playbooks with several tasks; registered results are saved to a file and asserted here,
together with what the simulated API server holds (and its access log, for the order of the requests).
"""

import json
import os

import pytest
import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import free_port

API = "hypershift.openshift.io/v1beta1"
HCP = "clusters-example"
RECORD = "ocp.day2/quiesce-prior-state"
FUTURE = "2999-01-01T00:00:00Z"
DEPLOYMENTS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")

HEADER = """
- name: hostedcluster_quiesce
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    ocp.day2.hostedcluster_quiesce:
      name: example
      namespace: clusters
  tasks:
"""


@pytest.fixture
def hc(mgmt_cluster):
    mgmt_cluster.create_hosted_cluster(name="example", namespace="clusters", nodepools=2, availability="SingleReplica")
    return mgmt_cluster


def play(tmp_path, mgmt, tasks, names, check=False, diff=False, name="play.yml", kubeconfig=None):
    """Run the tasks (YAML text, indented 4); return {registered name: result} for names."""
    result_file = tmp_path / ("%s.json" % name)
    save = """
    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {%s} | to_json }}"
        dest: "%s"
        mode: "0600"
      check_mode: false
""" % (", ".join("'%s': %s | default(None)" % (n, n) for n in names), result_file)
    path = write_playbook(tmp_path, HEADER + tasks + save, name=name)
    env = {"K8S_AUTH_KUBECONFIG": str(kubeconfig or mgmt.kubeconfig)}
    proc = run_playbook(path, env=env, check=check, diff=diff, timeout=600)
    if proc.rc != 0:
        pytest.fail("ansible-playbook failed: %r" % proc, pytrace=False)
    return json.loads(result_file.read_text()), proc


def spec(mgmt, kind, name, namespace="clusters", api=API):
    obj = mgmt.get(api, kind, name, namespace)
    assert obj is not None, "%s %s/%s is gone" % (kind, namespace, name)
    return obj["spec"]


def replicas(mgmt, names=DEPLOYMENTS):
    return {n: spec(mgmt, "Deployment", n, HCP, "apps/v1").get("replicas") for n in names}


def record_on(mgmt):
    text = (mgmt.get(API, "HostedCluster", "example", "clusters")["metadata"].get("annotations") or {}).get(RECORD)
    return None if text is None else json.loads(text)


def reconciliation(mgmt, kind, name):
    obj = mgmt.get(API, kind, name, "clusters")
    return next(c for c in obj["status"]["conditions"] if c["type"] == "ReconciliationActive")


def access_log(mgmt):
    with open(os.path.join(mgmt.base_dir, "access.log")) as f:
        return f.read().splitlines()


def nodepools(mgmt):
    return sorted(p["metadata"]["name"] for p in mgmt.list(API, "NodePool", "clusters"))


QUIESCE_ARGS = """
        until: 1h
        deployments: [kube-apiserver, openshift-apiserver, openshift-oauth-apiserver]
        run_id: run-1
"""


def test_quiesce_check_mode_rerun_extend_and_restore_exactly(tmp_path, hc):
    mgmt = hc
    np0, np1 = nodepools(mgmt)
    pool = mgmt.get(API, "NodePool", np0, "clusters")
    pool["spec"]["pausedUntil"] = FUTURE  # a NodePool with a pause of its own; np1 has none
    mgmt.put(pool)
    tasks = """
    - name: Quiesce in check mode
      ocp.day2.hostedcluster_quiesce:%s
      check_mode: true
      diff: true
      register: check
    - name: Read the HostedCluster after check mode
      kubernetes.core.k8s_info:
        api_version: %s
        kind: HostedCluster
        name: example
        namespace: clusters
      register: after_check
    - name: Quiesce
      ocp.day2.hostedcluster_quiesce:%s
        data: {backup: b1}
      register: first
    - name: Quiesce again (same run)
      ocp.day2.hostedcluster_quiesce:%s
        data: {backup: b1}
      register: again
    - name: Extend the pause
      ocp.day2.hostedcluster_quiesce:
        state: extended
        until: 3h
        data: {step: snapshot}
      register: extended
""" % (QUIESCE_ARGS, API, QUIESCE_ARGS, QUIESCE_ARGS)
    results, _proc = play(tmp_path, mgmt, tasks, ["check", "after_check", "first", "again", "extended"])
    check, first, again, extended = (results[k] for k in ("check", "first", "again", "extended"))

    # Check mode: reports the change and the diff, changes nothing.
    assert check["changed"] and check["diff"]["after"]["replicas"] == dict.fromkeys(
        ["Deployment/%s" % d for d in DEPLOYMENTS], 0
    )
    hc_after_check = results["after_check"]["resources"][0]
    assert RECORD not in (hc_after_check["metadata"].get("annotations") or {})
    assert "pausedUntil" not in hc_after_check["spec"]

    # Quiesce: the record first, then the pause (verified), then every workload at 0.
    assert first["changed"] and not first["interrupted"], first
    prior = {"hostedcluster": None, "nodepools": {np0: FUTURE, np1: None}}
    assert first["record"]["paused"] == prior
    assert first["record"]["replicas"] == {"Deployment/%s" % d: 1 for d in DEPLOYMENTS}
    assert first["reconciliation"]["HostedCluster/example"]["status"] == "False"
    assert first["reconciliation"]["HostedControlPlane/example"]["status"] == "False"
    assert first["reconciliation"]["NodePool/" + np1]["reason"] == "ReconciliationPaused"
    log = access_log(mgmt)
    annotate = next(i for i, line in enumerate(log) if "PATCH" in line and "/hostedclusters/example " in line)
    pause = next(i for i, line in enumerate(log) if "PATCH" in line and "/nodepools/%s " % np1 in line)
    scales = [i for i, line in enumerate(log) if "PATCH" in line and line.split()[2].endswith("/scale")]
    assert len(scales) == 3 and annotate < pause < min(scales), "\n".join(log)

    # The same call again changes nothing; extended pushes the pause and merges data.
    assert not again["changed"] and again["interrupted"]
    assert extended["changed"] and extended["paused_until"] > first["paused_until"]
    assert spec(mgmt, "NodePool", np0)["pausedUntil"] == FUTURE  # already later than 3h: kept
    assert spec(mgmt, "NodePool", np1)["pausedUntil"] == extended["paused_until"]
    record = record_on(mgmt)
    assert record["paused"] == prior and record["data"] == {"backup": "b1", "step": "snapshot"}
    assert replicas(mgmt) == dict.fromkeys(DEPLOYMENTS, 0)
    assert reconciliation(mgmt, "HostedCluster", "example")["status"] == "False"
    assert reconciliation(mgmt, "NodePool", np1)["status"] == "False"

    tasks = """
    - name: Put everything back
      ocp.day2.hostedcluster_quiesce:
        state: restored
      register: restored
    - name: Again, without a record
      ocp.day2.hostedcluster_quiesce:
        state: restored
      register: nothing
"""
    results, _proc = play(tmp_path, mgmt, tasks, ["restored", "nothing"], name="restore.yml")
    assert results["restored"]["changed"] and results["restored"]["not_put_back"] == [], results
    assert not results["nothing"]["changed"] and results["nothing"]["record"] is None
    assert replicas(mgmt) == dict.fromkeys(DEPLOYMENTS, 1)
    for name in DEPLOYMENTS:
        status = mgmt.get("apps/v1", "Deployment", name, HCP)["status"]
        assert status["readyReplicas"] == status["availableReplicas"] == 1
    assert "pausedUntil" not in spec(mgmt, "HostedCluster", "example")
    assert spec(mgmt, "NodePool", np0)["pausedUntil"] == FUTURE
    assert "pausedUntil" not in spec(mgmt, "NodePool", np1)
    assert record_on(mgmt) is None


def test_interrupted_run_keeps_the_first_record_and_put_back_retries_a_500(tmp_path, hc):
    mgmt = hc
    # The first run dies after scaling kube-apiserver: openshift-apiserver's scale is refused.
    mgmt.faults.add(method="PATCH", path=r"/deployments/openshift-apiserver/scale$", status=403, times=None)
    tasks = (
        """
    - name: Quiesce (interrupted)
      ocp.day2.hostedcluster_quiesce:%s
      register: first
      ignore_errors: true
"""
        % QUIESCE_ARGS
    )
    results, _proc = play(tmp_path, mgmt, tasks, ["first"])
    mgmt.faults.clear()
    first = results["first"]
    assert first["failed"] and "Scaling to 0 failed for Deployment/openshift-apiserver" in first["msg"], first
    assert "run again with state=restored" in first["msg"]
    recorded = record_on(mgmt)
    assert recorded["replicas"] == {"Deployment/%s" % d: 1 for d in DEPLOYMENTS}
    assert replicas(mgmt)["kube-apiserver"] == 0

    # One transient 500 on the scale while putting back must not fail the put-back.
    fault = mgmt.faults.add(method="PATCH", path=r"/deployments/kube-apiserver/scale$", status=500, times=1)
    tasks = """
    - name: Quiesce again, another run
      ocp.day2.hostedcluster_quiesce:
        until: 1h
        deployments: [kube-apiserver, openshift-apiserver, openshift-oauth-apiserver]
        statefulsets: [etcd]
        run_id: run-2
      register: rerun
    - name: Put back
      ocp.day2.hostedcluster_quiesce:
        state: restored
      register: restored
"""
    results, _proc = play(tmp_path, mgmt, tasks, ["rerun", "restored"], name="rerun.yml")
    rerun, restored = results["rerun"], results["restored"]
    assert rerun["interrupted"] and rerun["record"]["run_id"] == "run-1", rerun
    assert rerun["record"]["replicas"] == dict(recorded["replicas"], **{"StatefulSet/etcd": 1})
    assert any("run-1" in str(w) for w in rerun.get("warnings", []))
    assert not restored.get("failed"), restored
    assert fault.hits == 1
    assert replicas(mgmt) == dict.fromkeys(DEPLOYMENTS, 1)
    assert spec(mgmt, "StatefulSet", "etcd", HCP, "apps/v1")["replicas"] == 1
    assert record_on(mgmt) is None and "pausedUntil" not in spec(mgmt, "HostedCluster", "example")


def test_clear_failures(tmp_path, hc):
    mgmt = hc
    bad = tmp_path / "unreachable.kubeconfig"
    bad.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:%d" % free_port()}}],
                "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    os.chmod(bad, 0o600)
    tasks = (
        """
    - name: Missing HostedCluster
      ocp.day2.hostedcluster_quiesce: {name: nope, until: 1h}
      register: no_hc
      ignore_errors: true
    - name: Missing NodePool
      ocp.day2.hostedcluster_quiesce: {until: 1h, nodepools: [ghost]}
      register: no_np
      ignore_errors: true
    - name: Missing Deployment
      ocp.day2.hostedcluster_quiesce: {until: 1h, deployments: [kube-apiserver, kube-scheduler]}
      register: no_dep
      ignore_errors: true
    - name: A time HyperShift would ignore
      ocp.day2.hostedcluster_quiesce: {until: "2030-01-01T00:00:00"}
      register: bad_until
      ignore_errors: true
    - name: Extended without a record
      ocp.day2.hostedcluster_quiesce: {state: extended, until: 1h}
      register: no_record
      ignore_errors: true
    - name: Unreachable API server
      ocp.day2.hostedcluster_quiesce: {until: 1h, kubeconfig: "%s"}
      register: unreachable
      ignore_errors: true
"""
        % bad
    )
    names = ["no_hc", "no_np", "no_dep", "bad_until", "no_record", "unreachable"]
    results, proc = play(tmp_path, mgmt, tasks, names)
    assert all(results[n]["failed"] for n in names), results
    assert "HostedCluster clusters/nope not found" in results["no_hc"]["msg"]
    assert "NodePool(s) ghost not found in namespace clusters for HostedCluster example" in results["no_np"]["msg"]
    assert "Deployment/kube-scheduler not found in namespace clusters-example" in results["no_dep"]["msg"]
    assert "looks like a time but is not RFC3339" in results["bad_until"]["msg"]
    assert "InvalidPausedUntilValue" in results["bad_until"]["msg"]
    assert "has no quiesce record" in results["no_record"]["msg"]
    assert "Cannot reach the Kubernetes API server" in results["unreachable"]["msg"]
    assert "Traceback" not in proc.output and "not-a-real-token" not in proc.output
    assert record_on(mgmt) is None and "pausedUntil" not in spec(mgmt, "HostedCluster", "example")
    assert replicas(mgmt)["kube-apiserver"] == 1
