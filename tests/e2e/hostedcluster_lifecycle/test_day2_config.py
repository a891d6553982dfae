"""Day-2 configuration of a hosted cluster end to end, on one simulated management cluster.

ocp.day2.hostedcluster_operator: the SR-IOV operator of seed 001 §4.3 on a hosted cluster's own API,
served by the simulator with its OLM stand-in (tests/sim/olm.py). One playbook run: check mode, a Manual plan for
another CSV refused, a CSV that fails while installing, a package the catalog lacks, then the seed's install and
an idempotent re-run. Each failing role run must leave nothing of its own behind.

ocp.day2.hostedcluster_monitoring (seed 001 §7): SRE without its configuration refused; the SRE set, dashboards,
template and a cluster's metrics forwarding in one run; a disabling that times out is put back; then nothing left
to do."""

import json
import time

import pytest
import yaml

from tests.harness.net import wait_for
from tests.sim.cluster import ManagementCluster

from .plays import API, play

NS = "openshift-sriov-network-operator"
CSV = "sriov-network-operator.v4.14.0-202211021237"
OLD_CSV = "sriov-network-operator.v4.13.0"


@pytest.fixture(scope="module")
def olm_cluster(tmp_path_factory):
    mgmt = ManagementCluster(str(tmp_path_factory.mktemp("mgmt-olm")), name="mgmt-olm")
    try:
        mgmt.start()
        hc = mgmt.create_hosted_cluster(name="olm", availability="SingleReplica", nodepools=1, replicas=1)
        guest = mgmt.guest(hc)
        wait_for(lambda: guest.served, timeout=30, interval=0.1, what="the guest API")
        yield mgmt, guest
    finally:
        mgmt.stop()


def _role(guest=None, indent=6, check=False, **variables):
    variables = {"hostedcluster_operator_%s" % k: v for k, v in variables.items()}
    variables.setdefault("hostedcluster_operator_name", "olm")
    variables["hostedcluster_operator_poll_interval"] = 0.2
    variables["hostedcluster_operator_wait_timeout"] = 30
    if guest is not None:
        variables["hostedcluster_operator_guest_kubeconfig"] = guest.kubeconfig
    pad = " " * indent
    apply = "%s  apply: {check_mode: true}\n" % pad if check else ""
    return "%sansible.builtin.include_role:\n%s  name: ocp.day2.hostedcluster_operator\n%s%svars: %s\n" % (
        pad, pad, apply, pad, json.dumps(variables))  # fmt: skip


def _failing(name, **variables):
    return f"""
    - name: {name}
      block:
        - name: Install
{_role(indent=10, **variables)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            {name}: "{{{{ ansible_failed_result }}}}"
"""


def test_operator(tmp_path, olm_cluster):
    mgmt, guest = olm_cluster
    guest.olm.add_package("broken-operator", fail='install strategy failed: Deployment "broken-operator" not available')
    seed = {"operator_namespace": NS, "package": "sriov-network-operator", "channel": "stable",
            "operator_group_name": "sriov-network-operators", "subscription_name": "sriov-network-operator-subsription",
            "config": {"nodeSelector": {"node-role.kubernetes.io/worker": ""}}}  # fmt: skip
    kc = {"kubeconfig": mgmt.kubeconfig}
    tasks = f"""
    - name: Check mode
{_role(check=True, **seed, **kc)}
    - name: Keep the plan
      ansible.builtin.set_fact:
        planned: "{{{{ hostedcluster_operator_result }}}}"
    - name: Namespaces after check mode
      kubernetes.core.k8s_info:
        kubeconfig: {guest.kubeconfig}
        kind: Namespace
        name: {NS}
      register: after_check
{_failing("wrong_csv", guest=guest, install_plan_approval="Manual", expected_csv=OLD_CSV, **seed)}
{_failing("broken", guest=guest, operator_namespace="openshift-config", package="broken-operator")}
    - name: A package the catalog lacks, without the catalog check (the Subscription's own condition fails it)
      ocp.day2.hostedcluster_operator:
        kubeconfig: {guest.kubeconfig}
        namespace: default
        package: no-such-operator
        check_catalog: false
        poll_interval: 0.2
        wait_timeout: 30
      register: missing
      ignore_errors: true
    - name: The seed's install, approved by hand for exactly the head CSV
{_role(install_plan_approval="Manual", **seed, **kc)}
    - name: Keep the result
      ansible.builtin.set_fact:
        installed: "{{{{ hostedcluster_operator_result }}}}"
    - name: Again (the module; the role's only other step, the namespace, is kubernetes.core's)
      ocp.day2.hostedcluster_operator:
        kubeconfig: {guest.kubeconfig}
        namespace: {NS}
        package: sriov-network-operator
        channel: stable
        operator_group_name: sriov-network-operators
        subscription_name: sriov-network-operator-subsription
        install_plan_approval: Manual
        config: {json.dumps(seed["config"])}
        poll_interval: 0.2
      register: again
"""
    names = ["planned", "after_check", "wrong_csv", "broken", "missing", "installed", "again"]
    res, _proc = play(tmp_path, mgmt, tasks, names, "operator")
    # check mode: the plan names the seed's objects; nothing was created
    assert res["planned"]["namespace_created"] and res["planned"]["expected_csv"] == CSV
    assert any("OperatorGroup %s/sriov-network-operators" % NS in p for p in res["planned"]["plan"])
    assert res["after_check"]["resources"] == []
    # a Manual plan for another CSV: refused, not approved, and everything of that run removed
    msg = res["wrong_csv"]["msg"]
    assert "would install ['%s'], not the expected %s" % (CSV, OLD_CSV) in msg, msg
    assert "Namespace'] (with the Subscription, CSV and OperatorGroup in it)" in msg, msg
    assert "could not remove" not in msg, msg
    # a CSV that fails while installing: its phase, reason and message; the run's objects removed, CSV included
    msg = res["broken"]["msg"]
    assert "is Failed (InstallComponentFailed): install strategy failed" in msg, msg
    # in a namespace that was there: only this run's objects go, the namespace stays
    assert "Removed what this run had created: ['Subscription', 'ClusterServiceVersion', 'OperatorGroup']" in msg, msg
    assert guest_objects(guest, "openshift-config") == {"Namespace": True, "Subscription": [], "CSV": [], "OG": []}
    # the catalog lacks the package: OLM's ResolutionFailed condition, at once
    assert "ResolutionFailed=True (ConstraintsNotSatisfiable)" in res["missing"]["msg"], res["missing"]
    assert "no operators found in package no-such-operator" in res["missing"]["msg"]
    # the seed's install: approved by this run, Succeeded, the operator pod running
    inst = res["installed"]
    assert inst["install_plan"]["approved_by_this_run"] and inst["install_plan"]["csvs"] == [CSV]
    assert inst["csv"]["phase"] == "Succeeded" and inst["csv"]["reason"] == "InstallSucceeded"
    assert [p["phase"] for p in inst["pods"]] == ["Running"]
    assert [c["kind"] for c in inst["created"]] == ["OperatorGroup", "Subscription"] and inst["namespace_created"]
    objs = guest_objects(guest, NS)
    assert objs["Namespace"] and objs["CSV"] == [CSV] and objs["OG"] == ["sriov-network-operators"]
    sub = guest.get("Subscription", "sriov-network-operator-subsription", NS)
    assert sub["spec"]["config"] == {"nodeSelector": {"node-role.kubernetes.io/worker": ""}}
    assert sub["status"]["state"] == "AtLatestKnown" and sub["status"]["installedCSV"] == CSV
    again = res["again"]
    assert again["changed"] is False and again["created"] == [] and again["csv"]["phase"] == "Succeeded"


def guest_objects(guest, ns):
    def names(kind):
        return sorted(o["metadata"]["name"] for o in guest.list(kind, ns))

    return {"Namespace": guest.get("Namespace", ns) is not None, "Subscription": names("Subscription"),
            "CSV": names("ClusterServiceVersion"), "OG": names("OperatorGroup")}  # fmt: skip


SRE = {
    "kubeAPIServer": [
        {"action": "drop", "regex": "etcd_(debugging|disk|server).*", "sourceLabels": ["__name__"]},
        {"action": "drop", "regex": "apiserver_request_duration_seconds_bucket;(0.15|0.25)",
         "sourceLabels": ["__name__", "le"]},
    ],
    "cvo": [{"action": "drop", "regex": "etcd_(debugging|disk|server).*", "sourceLabels": ["__name__"]}],
}  # fmt: skip
TEMPLATE = '{"title": "__NAMESPACE__/__NAME__ (__CONTROL_PLANE_NAMESPACE__)", "uid": "__CLUSTER_ID__"}'


BAD_ROLE_INPUTS = [
    ("hostedcluster_operator", {"hostedcluster_operator_name": "olm", "hostedcluster_operator_operator_namespace": NS},
     "hostedcluster_operator_package"),
    ("hostedcluster_operator", {"hostedcluster_operator_name": "olm", "hostedcluster_operator_operator_namespace": NS,
                                "hostedcluster_operator_package": "p", "hostedcluster_operator_install_plan_approval":
                                "manual"}, "Automatic, Manual"),
    ("hostedcluster_monitoring", {"hostedcluster_monitoring_metrics_set": "all"}, "Telemetry, SRE, All"),
    ("hostedcluster_monitoring", {"hostedcluster_monitoring_dashboards": "maybe"}, "monitoring_dashboards"),
]  # fmt: skip


def _monitoring(indent=6, **variables):
    variables = {"hostedcluster_monitoring_%s" % k: v for k, v in variables.items()}
    variables.setdefault("hostedcluster_monitoring_poll_interval", 0.2)
    pad = " " * indent
    return "%sansible.builtin.include_role:\n%s  name: ocp.day2.hostedcluster_monitoring\n%svars: %s\n" % (
        pad, pad, pad, json.dumps(variables))  # fmt: skip


def test_monitoring(tmp_path, olm_cluster):
    mgmt, _guest = olm_cluster
    mgmt.monitoring_seconds = 0.8  # the MCE add-on re-installs the operator this long after the flags change
    mgmt.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "local-cluster"}})
    flags = {"installFlagsToAdd": "--enable-uwm-telemetry-remote-write", "installFlagsToRemove": ""}
    meta = {"name": "hypershift-operator-install-flags", "namespace": "local-cluster"}
    mgmt.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": flags})
    kc = mgmt.kubeconfig
    per_cluster = [{"name": "olm", "metrics_set": "All", "metrics_forwarding": "Forward"}]
    full = {"kubeconfig": kc, "metrics_set": "SRE", "sre_config": SRE, "dashboards": True,
            "dashboard_template": TEMPLATE, "hosted_clusters": per_cluster, "wait_timeout": 30}  # fmt: skip
    tasks = f"""
    - name: SRE without its relabel configuration
      block:
        - name: Monitoring
{_monitoring(indent=10, kubeconfig=kc, metrics_set="SRE")}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            no_sre_config: "{{{{ ansible_failed_result }}}}"
    - name: Everything of seed 001 §7
{_monitoring(**full)}
    - name: Keep the result
      ansible.builtin.set_fact:
        applied: "{{{{ hostedcluster_monitoring_result }}}}"
    - name: Disable the dashboards, but the add-on is slower than the wait
      block:
        - name: Monitoring
{_monitoring(indent=10, kubeconfig=kc, dashboards=False, wait_timeout=0)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            slow: "{{{{ ansible_failed_result }}}}"
    - name: Nothing left to do
      ocp.day2.hostedcluster_monitoring:
        kubeconfig: {kc}
        metrics_set: SRE
        sre_config: {json.dumps(SRE)}
        dashboards: true
        dashboard_template: {json.dumps(TEMPLATE)}
        hosted_clusters: [{{name: olm, metrics_set: All, metrics_forwarding: Forward}}]
        poll_interval: 0.2
        wait_timeout: 30
      check_mode: true
      register: again
"""
    entry = []  # role entry points: refused by argument_specs before any task runs (rows for the shared table)
    for index, (role, variables, _words) in enumerate(BAD_ROLE_INPUTS):
        entry.append(f"""
    - name: Bad input {index}
      block:
        - name: Role
          ansible.builtin.include_role:
            name: ocp.day2.{role}
          vars: {json.dumps(variables)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            bad_{index}: "{{{{ ansible_failed_result.msg }}}}"
""")
    names = ["no_sre_config", "applied", "slow", "again"] + ["bad_%d" % i for i in range(len(BAD_ROLE_INPUTS))]
    res, _proc = play(tmp_path, mgmt, tasks + "".join(entry), names, "monitoring")
    for index, (role, variables, words) in enumerate(BAD_ROLE_INPUTS):
        assert words in (res["bad_%d" % index] or ""), (role, variables, res["bad_%d" % index])
    assert "needs the relabel configuration" in res["no_sre_config"]["msg"]
    assert "nothing was changed" in res["no_sre_config"]["msg"], res["no_sre_config"]["msg"]
    applied = res["applied"]
    assert applied["dashboards"] == ["hc-clusters-olm"] and len(applied["plan"]) == 5, applied["plan"]
    assert applied["previous"]["metrics_set_env"] is None
    dep = mgmt.get("apps/v1", "Deployment", "operator", "hypershift")
    env = {e["name"]: e["value"] for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env == {"METRICS_SET": "SRE", "MONITORING_DASHBOARDS": "1"}
    assert yaml.safe_load(mgmt.get("v1", "ConfigMap", "sre-metric-set", "hypershift")["data"]["config"]) == SRE
    flags = mgmt.get("v1", "ConfigMap", "hypershift-operator-install-flags", "local-cluster")["data"]
    assert flags["installFlagsToAdd"] == "--enable-uwm-telemetry-remote-write --monitoring-dashboards"
    hc = mgmt.get(API, "HostedCluster", "olm", "clusters")
    dashboard = mgmt.get("v1", "ConfigMap", "hc-clusters-olm", "openshift-config-managed")
    assert json.loads(dashboard["data"]["hostedcluster-dashboard.json"]) == {
        "title": "clusters/olm (clusters-olm)", "uid": hc["spec"]["clusterID"]}  # fmt: skip
    assert hc["spec"]["monitoring"] == {"metricsSet": "All", "metricsForwarding": {"mode": "Forward"}}
    # the disabling that timed out: the flags were put back, so the dashboards stay
    assert "were not disabled within 0s" in res["slow"]["msg"] and "put back" in res["slow"]["msg"], res["slow"]
    flags = mgmt.get("v1", "ConfigMap", "hypershift-operator-install-flags", "local-cluster")["data"]
    assert "--monitoring-dashboards" in flags["installFlagsToAdd"].split()
    time.sleep(2 * mgmt.monitoring_seconds)  # the add-on had no time to act on the short-lived change
    assert mgmt.get("v1", "ConfigMap", "hc-clusters-olm", "openshift-config-managed") is not None
    assert res["again"]["changed"] is False and res["again"]["plan"] == []
