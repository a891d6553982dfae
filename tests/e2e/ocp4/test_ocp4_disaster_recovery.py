# ruff: noqa: E501 - the fault table keeps one step per entry
"""OpenShift 4 disaster recovery end to end, in the order an admin meets it, on one simulated cluster and three
control-plane hosts with real etcd (conftest.py, hosts.py): the backup (ocp4_etcd_backup), then the restore
(ocp4_cluster_restore): its plan in check mode, a refusal for another z-stream release, a run that fails at the etcd
redeployment and the re-run that completes. The restore's CSR step (ocp4_csr_approve) meets an expected kubelet, a
node nobody expects and a foreign address. The tests share the module's scenario and run in file order."""

import hashlib
import json
import os
import shutil
import stat

import pytest

from tests.harness.net import wait_for
from tests.sim.ocp4_csr import serving_csr

from .conftest import API_VIP, BEFORE, INGRESS_VIP, VERSION
from .hosts import addresses_in


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_backup_fetched_verified_and_recorded(scenario, backup):
    local, _result = backup
    names = sorted(os.listdir(local))
    stamp = os.path.basename(local)
    assert names == ["manifest.json", "snapshot_%s.db" % stamp, "static_kuberesources_%s.tar.gz" % stamp]
    assert stat.S_IMODE(os.stat(local).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(scenario.dest).st_mode) == 0o700
    for name in names:
        assert stat.S_IMODE(os.stat(os.path.join(local, name)).st_mode) == 0o600, name
    with open(os.path.join(local, "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["cluster_version"] == VERSION
    assert manifest["timestamp"] == stamp
    assert manifest["host"] == "master-0"
    for name in names[1:]:
        assert manifest["files"][name]["sha256"] == _sha(os.path.join(local, name))
    # the host copy is kept (the restore copies it to the recovery host), in a fresh directory of this run
    remote = os.path.join(scenario.hosts.root("master-0"), "home/core/assets/backup")
    (run_dir,) = os.listdir(remote)
    assert sorted(os.listdir(os.path.join(remote, run_dir))) == names[1:]


def _csr_conditions(cluster, name):
    return (cluster.get("certificates.k8s.io/v1", "CertificateSigningRequest", name).get("status") or {}).get(
        "conditions"
    )


RESTORE_PLAY = """
- name: Restore
  ansible.builtin.import_playbook: ocp.day2.ocp4_cluster_restore
"""


def _restore(scenario, name, check=False, **overrides):
    group = {"ocp4_cluster_restore_backup": scenario.backup_dir, "ocp4_cluster_restore_recovery_host": "master-0",
             "ocp4_cluster_restore_confirm": True, "ocp4_cluster_restore_recreate_machines": ["master-1", "master-2"],
             "ocp4_cluster_restore_retries": 100, "ocp4_cluster_restore_delay": 0.2,
             "ocp4_cluster_restore_csr_settle": 1, "ocp4_cluster_restore_redeploy_timeout": 60,
             "ocp4_cluster_restore_vips": [API_VIP, INGRESS_VIP] if scenario.lab is not None else []}  # fmt: skip
    group.update(overrides)
    inventory = scenario.inventory("ocp4_cluster_restore", "inventory-%s.json" % name, group_extra=group)
    return scenario.play(RESTORE_PLAY, "restore.yml", inventory, check=check)


def _progress(scenario):
    path = os.path.join(scenario.backup_dir, "restore-progress")
    return open(path).read().split() if os.path.exists(path) else []


def test_restore_plan_in_check_mode_then_refusal_of_another_release(scenario, backup):
    scenario.backup_dir = backup[0]
    other = os.path.join(scenario.base, "backup-4.14.7")
    shutil.copytree(backup[0], other)
    with open(os.path.join(other, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(other, "manifest.json"), "w") as f:
        json.dump(dict(manifest, cluster_version="4.14.7"), f)
    result = _restore(scenario, "check", check=True, ocp4_cluster_restore_confirm=False)
    assert result.rc == 0, result.stdout[-4000:]
    plan = result.stdout
    if scenario.lab is not None:  # with keepalived VIPs the recovery host checks that it holds the API VIP first
        assert "master-0 (recovery host): check that the recovery host holds the API VIP" in plan
    assert "copy the backup to the recovery host; run cluster-restore.sh" in plan
    assert "master-1 (other control-plane host): move etcd-pod.yaml out of the manifest directory" in plan
    assert "cluster: delete the Machine of master-2, wait for its replacement" in plan
    assert "changed=0" in plan and "changed=1" not in plan and "TASK [ocp.day2.ocp4_cluster_restore : Move" not in plan
    result = _restore(scenario, "refused", ocp4_cluster_restore_backup=other)
    assert result.rc != 0
    refused = result.stdout
    assert "taken on 4.14.7 but the cluster runs 4.14.8" in refused, refused[-3000:]
    assert "same z-stream" in refused
    for host in scenario.hosts.names:  # nothing was touched
        assert os.path.exists(os.path.join(scenario.hosts.root(host), "etc/kubernetes/manifests/etcd-pod.yaml"))
    assert scenario.hosts.healthy() and not _progress(scenario)
    assert "changed=0" in refused.split("PLAY RECAP")[1] and "changed=1" not in refused.split("PLAY RECAP")[1]


GUARD = "useUnsupportedUnsafeNonHANonProductionUnstableEtcd"


def _guard_on(cluster):
    return GUARD not in (cluster.get("operator.openshift.io/v1", "Etcd", "cluster")["spec"].get("unsupportedConfigOverrides") or {})  # fmt: skip


def _in(hosts, name, *rel):
    return os.path.exists(os.path.join(hosts.root(name), *rel))


def _set_stop_delay(hosts, name, seconds):
    hosts.kubelets[name].stop_delay = seconds  # a kubelet slow to stop a removed pod's containers


def _fault_chain(scenario):
    """(step named in the failure, progress after the run, break, heal, check, role overrides), in the role's order.
    Each break is a real part failing: a stand-in switch (hosts.fault), a slow kubelet, a stale directory, an API
    fault of the simulator (path, or content of a write), a slow etcd operator."""
    c, h = scenario.cluster, scenario.hosts
    stash = ("tmp", "ocp-day2-restore")
    quick = {"ocp4_cluster_restore_retries": 5}  # a wait that cannot succeed fails after about a second
    hosts_done = ["stop_other_hosts", "cluster_restore", "restart_kubelet:master-0"]
    # master-2's kubelet restarted before master-1's failed: the rescue recorded it, the re-run does not restart it
    kubelets_done = [*hosts_done, "restart_kubelet:master-2", "restart_kubelet:master-1"]
    to_csrs = [*kubelets_done, "approve_csrs"]
    to_machines = [*to_csrs, "ovn", "recreate_machine:master-1", "recreate_machine:master-2"]
    to_guard = [*to_machines, "quorum_guard_off", "redeploy:Etcd"]

    def stale():
        os.makedirs(os.path.join(h.root("master-1"), *stash, "etcd", "member"))

    def unstale():
        os.rename(os.path.join(h.root("master-1"), *stash, "etcd"), os.path.join(h.root("master-1"), "tmp", "old-etcd"))

    def check_etcd_stop():  # the manifest is out; crictl could not tell whether etcd stopped, so nothing else moved
        assert not _in(h, "master-1", "etc/kubernetes/manifests/etcd-pod.yaml")
        assert _in(h, "master-1", *stash, "etcd-pod.yaml")
        assert _in(h, "master-1", "etc/kubernetes/manifests/kube-apiserver-pod.yaml")
        assert _in(h, "master-1", "var/lib/etcd/member")

    def check_move():  # never moved over the earlier copy
        assert _in(h, "master-1", "var/lib/etcd/member") and not os.listdir(
            os.path.join(h.root("master-1"), *stash, "etcd", "member")
        )

    def check_keepalived():
        assert not _in(h, "master-1", "var/lib/etcd") and h.kubelets["master-1"].running("keepalived")

    def check_restore_script():
        assert not h.restore_calls("master-0") and h.kubelets["master-0"].restarts == 0
        for other in ("master-1", "master-2"):  # the other hosts are done: stopped, data and keepalived moved aside
            assert not _in(h, other, "var/lib/etcd") and _in(h, other, *stash, "etcd", "member")
            assert not h.kubelets[other].running("keepalived") and not h.kubelets[other].running("etcd")
        if scenario.lab is not None:  # the VIPs gone from the other hosts, the recovery host keeps the API VIP
            assert addresses_in(scenario.lab, "master-0") == ["10.0.0.10", API_VIP]
            assert addresses_in(scenario.lab, "master-1") == ["10.0.0.11"]
            assert addresses_in(scenario.lab, "master-2") == ["10.0.0.12"]

    def check_kubelets():
        assert h.restore_calls("master-0") == [h.root("master-0") + "/home/core/assets/backup"]
        assert [h.kubelets[n].restarts for n in h.names] == [1, 0, 1]

    def check_csrs():
        assert [h.kubelets[n].restarts for n in h.names] == [1, 1, 1]
        assert not _csr_conditions(c, "csr-after-restore")

    def check_ovn():  # Nodes deleted and databases removed; the pods not restarted
        assert not c.get("v1", "Node", "master-1") and not os.listdir(
            os.path.join(h.root("master-2"), "var/lib/ovn/etc")
        )

    def check_guard_still_off():
        assert not _guard_on(c)

    return [
        ("Wait until the containers run (true) or are gone (false), etcd False", [],
         lambda: h.fault("master-1", "crictl", "cannot connect to the container runtime"),
         lambda: h.fault("master-1", "crictl", None), check_etcd_stop, quick),
        ("Move the etcd data directory aside (never over a copy moved aside earlier)", [], stale, unstale, check_move, {}),
        ("Wait until the containers run (true) or are gone (false), keepalived False", [],
         lambda: _set_stop_delay(h, "master-1", 60), lambda: _set_stop_delay(h, "master-1", 0.3), check_keepalived, quick),
        ("Run cluster-restore.sh with the backup directory", ["stop_other_hosts"],
         lambda: h.fault("master-0", "cluster-restore.sh", "snapshot restore failed"),
         lambda: h.fault("master-0", "cluster-restore.sh", None), check_restore_script, {}),
        ("Restart the kubelet on the other control-plane hosts", kubelets_done[:-1],
         lambda: h.fault("master-1", "systemctl", "Failed to restart kubelet.service"),
         lambda: h.fault("master-1", "systemctl", None), check_kubelets, {}),
        ("Approve the pending CSRs of the control-plane nodes", kubelets_done,
         lambda: c.faults.add(method="PUT", path=r"/approval$", status=403, times=None), c.clear_faults, check_csrs, {}),
        ("Delete the OVN-Kubernetes pods of ovnkube-master", to_csrs,
         lambda: c.faults.add(method="DELETE", path=r"/namespaces/openshift-ovn-kubernetes/pods", status=403, times=None),
         c.clear_faults, check_ovn, {}),
        ("Delete the Machine of lost control-plane host master-1", [*to_csrs, "ovn"],
         lambda: c.faults.add(method="DELETE", path=r"/machines/", status=403, times=None), c.clear_faults, None, {}),
        ("Switch the etcd quorum guard off", to_machines,
         lambda: c.reject_writes("Etcd", lambda old, new: GUARD in (new["spec"].get("unsupportedConfigOverrides") or {})),
         c.clear_faults, None, {}),
        ("Force a redeployment and wait for every node, Etcd", to_machines,  # the rescue switched the guard back on
         lambda: setattr(c, "redeploy_seconds", 60), lambda: setattr(c, "redeploy_seconds", 0.3), None,
         {"ocp4_cluster_restore_redeploy_timeout": 2}),
        ("Switch the quorum guard back on once etcd runs its new revision everywhere", to_guard,
         lambda: c.reject_writes("Etcd", lambda old, new: "unsupportedConfigOverrides" in old["spec"]
                                 and not new["spec"].get("unsupportedConfigOverrides")),
         c.clear_faults, check_guard_still_off, {}),
        ("Force a redeployment and wait for every node, KubeAPIServer", [*to_guard, "quorum_guard_on"],
         lambda: c.faults.add(method="PATCH", path=r"/kubeapiservers/cluster$", status=403, times=None), c.clear_faults, None, {}),
        ("Force a redeployment and wait for every node, KubeControllerManager", [*to_guard, "quorum_guard_on", "redeploy:KubeAPIServer"],
         lambda: c.faults.add(method="PATCH", path=r"/kubecontrollermanagers/cluster$", status=403, times=None), c.clear_faults, None, {}),
        ("Force a redeployment and wait for every node, KubeScheduler",
         [*to_guard, "quorum_guard_on", "redeploy:KubeAPIServer", "redeploy:KubeControllerManager"],
         lambda: c.faults.add(method="PATCH", path=r"/kubeschedulers/cluster$", status=403, times=None), c.clear_faults, None, {}),
        ("Read etcd's operator object",
         [*to_guard, "quorum_guard_on", "redeploy:KubeAPIServer", "redeploy:KubeControllerManager", "redeploy:KubeScheduler"],
         lambda: c.faults.add(method="GET", path=r"/etcds/cluster$", status=403, times=None), c.clear_faults, None, {}),
    ]  # fmt: skip


@pytest.mark.timeout(1800)  # 16 playbook runs: about 2.5 min on a quiet machine, several times that on a loaded one
def test_restore_fault_at_each_step_then_rerun_completes(scenario, backup):
    """One fault at each step of the role's order: run k fails at step k (the runs before fixed their faults), the
    rescue leaves the cluster as the procedure expects (quorum guard on unless switching it on is what failed), the
    finished steps are recorded and not repeated; the last run completes."""
    cluster, hosts = scenario.cluster, scenario.hosts
    scenario.backup_dir = backup[0]
    # kubelets after the restore: master-1's bootstrap CSR (its serving CSR follows the approval), a CSR for a node
    # nobody expects, a serving CSR of master-0 with an address that is not master-0's
    cluster.kubelet_bootstrap("master-1", address="10.0.0.11", name="csr-after-restore")
    cluster.kubelet_bootstrap("rogue-node", name="csr-rogue")
    cluster.put(serving_csr("csr-m0-foreign", "master-0", ["10.0.0.10", "10.6.6.6"]))
    outputs = []
    for i, (step, done, inject, heal, check, overrides) in enumerate(_fault_chain(scenario), 1):
        inject()
        run = _restore(scenario, "fault-%02d" % i, **overrides)
        out = run.stdout
        outputs.append(out)
        assert run.rc != 0, (i, out[-3000:])
        assert "at step '%s'" % step in out, (i, step, out[-4000:])
        assert "run the same playbook again with the same variables" in out
        assert _progress(scenario) == done, (i, step, _progress(scenario))
        if "quorum guard back on" not in step:
            assert _guard_on(cluster), (i, step)
        if check:
            check()
        if step.endswith(", Etcd"):
            assert "The etcd quorum guard was switched back on" in out
        if "quorum guard back on" in step:
            assert "The etcd quorum guard is still OFF" in out
        heal()

    final = _restore(scenario, "final")
    assert final.rc == 0, final.stdout[-5000:]
    recap = final.stdout.split("PLAY RECAP")[1]
    assert "master-1                   : ok" in recap and " changed=0 " in recap.split("master-1")[1].split("\n")[0]
    assert [kind for kind, _reason in cluster.redeployments] == [
        "Etcd",  # rolled out while the operator was slow; stopped when the rescue switched the guard back on
        "Etcd",
        "KubeAPIServer",
        "KubeControllerManager",
        "KubeScheduler",
    ]
    assert _guard_on(cluster)
    for kind in ("Etcd", "KubeAPIServer", "KubeControllerManager", "KubeScheduler"):
        cond = cluster.get("operator.openshift.io/v1", kind, "cluster")["status"]["conditions"][0]
        assert cond["reason"] == "AllNodesAtLatestRevision", (kind, cond)
    # no step ran twice: one kubelet restart per host, cluster-restore.sh once, each CSR approved once
    assert [hosts.kubelets[n].restarts for n in hosts.names] == [1, 1, 1]
    assert len(hosts.restore_calls("master-0")) == 1
    restores = [c for c in hosts.kubelets["master-0"].started if c == ("etcd-master-0", "etcd")]
    assert len(restores) == 2  # the original member, then the restore pod
    approved = _csr_conditions(cluster, "csr-after-restore")
    assert [(c["type"], c["status"], c["reason"]) for c in approved] == [("Approved", "True", "OcpDay2Approve")]
    assert [c["type"] for c in _csr_conditions(cluster, "csr-master-1-serving")] == ["Approved"]
    assert not _csr_conditions(cluster, "csr-rogue") and not _csr_conditions(cluster, "csr-m0-foreign")
    csr_run = outputs[6]  # the run that approved them (it failed at the OVN clean-up) reports the CSRs left alone
    assert "it is for node rogue-node, which is not among the expected nodes" in csr_run
    assert "10.6.6.6 do not belong to node master-0" in csr_run
    # the restored etcd on the recovery host holds exactly the keys of the backup
    m0 = hosts.member("master-0")
    got = hosts.etcd.get_all(b"/kubernetes.io/configmaps/", member=m0)
    assert {k.decode(): v for k, v in got.items() if k.startswith(b"/kubernetes.io/configmaps/before/")} == BEFORE
    assert not [k for k in got if k.startswith(b"/kubernetes.io/configmaps/after/")]
    with open(os.path.join(hosts.root("master-0"), "run/cluster-restore.env")) as f:
        assert "HTTP_PROXY=http://proxy.example.com:3128" in f.read()
    for other in ("master-1", "master-2"):  # stopped, data moved aside once, OVN databases gone
        root = hosts.root(other)
        assert not hosts.kubelets[other].running("kube-apiserver") and not hosts.kubelets[other].running("keepalived")
        assert sorted(os.listdir(os.path.join(root, "tmp/ocp-day2-restore/etcd"))) == ["member"]
        assert not os.listdir(os.path.join(root, "var/lib/ovn/etc"))
    if scenario.lab is not None:
        assert addresses_in(scenario.lab, "master-0") == ["10.0.0.10", API_VIP]
        assert addresses_in(scenario.lab, "master-2") == ["10.0.0.12"]
    # the lost machines were recreated once each, never the recovery host's
    machines = {
        m["metadata"]["name"]: m
        for m in cluster.list("machine.openshift.io/v1beta1", "Machine", "openshift-machine-api")
    }
    assert "ocp4-master-0" in machines and len(machines) == 3
    assert "ocp4-master-1" not in machines and "ocp4-master-2" not in machines
    # the etcd operator re-added a member for each new control-plane node during the forced etcd redeployment, one
    # at a time; every member holds exactly the backup's keys
    agent = cluster.etcd_members
    new_nodes = sorted(n["metadata"]["name"] for n in cluster.list("v1", "Node") if n["metadata"]["name"] != "master-0")
    assert [node for node, _host in agent.added] == new_nodes and len(new_nodes) == 2, (agent.added, new_nodes)
    assert sorted(m["name"] for m in agent.members()) == ["master-0", *new_nodes]
    for _node, host in agent.added:
        got = wait_for(lambda h=host: hosts.etcd.get_all(b"/kubernetes.io/configmaps/", member=hosts.member(h)),
                       timeout=20, what="the keys on the re-added member of %s" % host)  # fmt: skip
        assert {k.decode(): v for k, v in got.items()} == BEFORE, host
