"""hostedcluster_teardown through ansible-playbook on the simulated management cluster.

The hosted cluster is first paused (what the migration's backup leaves on the source), so no HyperShift
controller removes a finalizer: every object would stay Terminating unless the module strips them. The
module must scale the CAPI provider to 0 before any AWSMachine goes (else the simulator terminates the
instance), survive an API fault part-way, and finish on a re-run.
"""

import json

import pytest

from tests.harness.ansible import run_playbook, write_playbook

API = "hypershift.openshift.io/v1beta1"
HCP = "clusters-example"

HEADER = """
- name: hostedcluster_teardown
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    ocp.day2.hostedcluster_teardown:
      name: example
      namespace: clusters
      wait_timeout: 60
  tasks:
"""


def play(tmp_path, mgmt, tasks, names, name):
    result_file = tmp_path / ("%s.json" % name)
    save = """
    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {%s} | to_json }}"
        dest: "%s"
        mode: "0600"
      check_mode: false
""" % (", ".join("'%s': %s | default(None)" % (n, n) for n in names), result_file)
    path = write_playbook(tmp_path, HEADER + tasks + save, name=name + ".yml")
    proc = run_playbook(path, env={"K8S_AUTH_KUBECONFIG": str(mgmt.kubeconfig)}, timeout=600)
    if proc.rc != 0:
        pytest.fail("ansible-playbook failed: %r" % proc, pytrace=False)
    return json.loads(result_file.read_text()), proc


ORDER = [
    "NodePool", "Machine", "MachineSet", "MachineDeployment", "Cluster", "AWSMachine", "AWSMachineTemplate",
    "AWSCluster", "HostedControlPlane", "Namespace", "HostedCluster",
]  # fmt: skip


def names(mgmt, kind, namespace, api=API):
    return sorted(o["metadata"]["name"] for o in mgmt.list(api, kind, namespace))


def inventory(mgmt):
    """Everything of the hosted cluster on the management cluster, as 'Kind ns/name'."""
    found = []
    for api, kind, ns in (
        (API, "HostedCluster", "clusters"),
        (API, "NodePool", "clusters"),
        (API, "HostedControlPlane", HCP),
        ("cluster.x-k8s.io/v1beta1", "Cluster", HCP),
        ("cluster.x-k8s.io/v1beta1", "Machine", HCP),
        ("cluster.x-k8s.io/v1beta1", "MachineSet", HCP),
        ("cluster.x-k8s.io/v1beta1", "MachineDeployment", HCP),
        ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSCluster", HCP),
        ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachine", HCP),
        ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachineTemplate", HCP),
        ("v1", "Pod", HCP),
    ):
        found += ["%s %s/%s" % (kind, ns, o["metadata"]["name"]) for o in mgmt.list(api, kind, ns)]
    found += ["Namespace %s" % n for n in ("clusters", HCP) if mgmt.get("v1", "Namespace", n, None) is not None]
    return sorted(found)


def test_teardown_of_a_paused_cluster_strips_finalizers_keeps_instances_and_resumes(tmp_path, mgmt_cluster):
    mgmt = mgmt_cluster
    mgmt.create_hosted_cluster(name="example", namespace="clusters", nodepools=2, replicas=1,
                               availability="SingleReplica")  # fmt: skip
    for kind, name in [("HostedCluster", "example")] + [("NodePool", n) for n in names(mgmt, "NodePool", "clusters")]:
        obj = mgmt.get(API, kind, name, "clusters")  # paused as the migration's backup leaves it
        obj["spec"]["pausedUntil"] = "true"
        mgmt.put(obj)
    before = inventory(mgmt)
    assert "HostedCluster clusters/example" in before and any(o.startswith("AWSMachine ") for o in before)
    with_finalizers = [
        o["kind"]
        for api, kind in ((API, "NodePool"), ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachine"))
        for o in mgmt.list(api, kind, "clusters" if kind == "NodePool" else HCP)
        if o["metadata"].get("finalizers")
    ]
    assert "NodePool" in with_finalizers, "the simulator puts HyperShift's finalizer on NodePools"
    mgmt.faults.add(method="DELETE", path=r"/hostedcontrolplanes/example$", status=500, times=None)
    tasks = """
    - name: Plan
      ocp.day2.hostedcluster_teardown:
      check_mode: true
      diff: true
      register: plan
    - name: Tear down while the API refuses to delete the HostedControlPlane
      ocp.day2.hostedcluster_teardown:
      register: faulted
      ignore_errors: true
"""
    first, _proc = play(tmp_path, mgmt, tasks, ["plan", "faulted"], "first")
    plan, faulted = first["plan"], first["faulted"]
    assert plan["changed"] and plan["hostedcluster_found"]
    kinds = list(dict.fromkeys(d["kind"] for d in plan["deleted"]))
    assert kinds == ORDER, kinds
    # check mode changed nothing: the real run that followed still had everything to scale and to delete
    assert plan["paused"] == [] and faulted["scaled"] == plan["scaled"]
    # (a subsequence: objects garbage-collected with their owner are gone before their turn)
    planned = iter(plan["deleted"])
    assert all(item in planned for item in faulted["deleted"]) and len(faulted["deleted"]) > 4, faulted["deleted"]
    assert any(s["name"] == "etcd" and s["kind"] == "StatefulSet" for s in plan["scaled"])
    assert faulted["failed"] and "Deleting HostedControlPlane clusters-example/example failed" in faulted["msg"]
    assert "HTTP 500" in faulted["msg"] and "re-run" in faulted["msg"]
    left = inventory(mgmt)
    assert "HostedControlPlane clusters-example/example" in left and not [o for o in left if o.startswith("Machine ")]
    assert not [o for o in left if o.startswith("Pod ")], "every pod of the control plane stopped"
    assert mgmt.terminated_instances == []

    mgmt.faults.clear()
    tasks = """
    - name: Re-run finishes the job
      ocp.day2.hostedcluster_teardown:
      register: second
    - name: Again, nothing to do
      ocp.day2.hostedcluster_teardown:
      register: third
"""
    results, _proc = play(tmp_path, mgmt, tasks, ["second", "third"], "second")
    second, third = results["second"], results["third"]
    assert second["changed"] and [d["kind"] for d in second["deleted"]][0] == "HostedControlPlane"
    assert "HostedCluster" in [d["kind"] for d in second["deleted"]]
    assert not third["changed"] and not third["hostedcluster_found"] and third["deleted"] == []
    assert inventory(mgmt) == [] and second["kept"] == [], second["kept"]
    assert mgmt.terminated_instances == [], "no cloud instance may be terminated by a teardown"
