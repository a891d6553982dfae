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

from tests.sim.ocp4_csr import serving_csr

from .conftest import BEFORE, VERSION


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
             "ocp4_cluster_restore_confirm": True, "ocp4_cluster_restore_recreate_machines": ["master-2"],
             "ocp4_cluster_restore_retries": 100, "ocp4_cluster_restore_delay": 0.2,
             "ocp4_cluster_restore_csr_settle": 1, "ocp4_cluster_restore_redeploy_timeout": 20}  # fmt: skip
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
    assert "master-0 (recovery host): copy the backup to the recovery host; run cluster-restore.sh" in plan
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


def test_restore_fails_at_etcd_redeploy_then_rerun_completes(scenario, backup):
    cluster, hosts = scenario.cluster, scenario.hosts
    scenario.backup_dir = backup[0]
    # kubelets after the restore: master-1's bootstrap CSR (its serving CSR follows the approval), a CSR for a node
    # nobody expects, a serving CSR of master-0 with an address that is not master-0's
    cluster.kubelet_bootstrap("master-1", address="10.0.0.11", name="csr-after-restore")
    cluster.kubelet_bootstrap("rogue-node", name="csr-rogue")
    cluster.put(serving_csr("csr-m0-foreign", "master-0", ["10.0.0.10", "10.6.6.6"]))
    cluster.redeploy_seconds = 60  # the etcd operator is slow: the first run times out waiting for it
    first = _restore(scenario, "first", ocp4_cluster_restore_redeploy_timeout=2)
    assert first.rc != 0
    assert "FAILED on master-0 at step 'Force a redeployment and wait for every node, Etcd'" in first.stdout, (
        first.stdout[-5000:]
    )
    assert "The etcd quorum guard was switched back on" in first.stdout
    assert "run the same playbook again with the same variables" in first.stdout
    done = _progress(scenario)
    assert done == ["restart_kubelets", "approve_csrs", "ovn", "recreate_machine:master-2"]
    etcd_op = cluster.get("operator.openshift.io/v1", "Etcd", "cluster")
    assert "unsupportedConfigOverrides" not in etcd_op["spec"]
    # CSRs: master-1's client CSR, then the serving CSR its kubelet sent, approved through the approval subresource;
    # the unexpected node and the foreign address left pending and reported with the reason
    approved = _csr_conditions(cluster, "csr-after-restore")
    assert [(c["type"], c["status"], c["reason"]) for c in approved] == [("Approved", "True", "OcpDay2Approve")]
    assert _csr_conditions(cluster, "csr-master-1-serving")[0]["type"] == "Approved"
    assert not _csr_conditions(cluster, "csr-rogue") and not _csr_conditions(cluster, "csr-m0-foreign")
    assert "it is for node rogue-node, which is not among the expected nodes" in first.stdout
    assert "10.6.6.6 do not belong to node master-0" in first.stdout

    cluster.redeploy_seconds = 0.3
    second = _restore(scenario, "second")
    assert second.rc == 0, second.stdout[-5000:]
    assert [kind for kind, _reason in cluster.redeployments] == [
        "Etcd",
        "Etcd",
        "KubeAPIServer",
        "KubeControllerManager",
        "KubeScheduler",
    ]
    assert "unsupportedConfigOverrides" not in cluster.get("operator.openshift.io/v1", "Etcd", "cluster")["spec"]
    for kind in ("Etcd", "KubeAPIServer", "KubeControllerManager", "KubeScheduler"):
        cond = cluster.get("operator.openshift.io/v1", kind, "cluster")["status"]["conditions"][0]
        assert cond["reason"] == "AllNodesAtLatestRevision", (kind, cond)
    # host steps were idempotent: the re-run moved nothing and did not run cluster-restore.sh again
    assert hosts.kubelets["master-0"].restarts == 1 and hosts.kubelets["master-1"].restarts == 1
    restores = [c for c in hosts.kubelets["master-0"].started if c == ("etcd-master-0", "etcd")]
    assert len(restores) == 2  # the original member, then the restore pod
    # the restored single-member etcd on the recovery host holds exactly the keys of the backup
    m0 = hosts.member("master-0")
    got = hosts.etcd.get_all(b"/kubernetes.io/configmaps/", member=m0)
    assert {k.decode(): v for k, v in got.items() if k.startswith(b"/kubernetes.io/configmaps/before/")} == BEFORE
    assert not [k for k in got if k.startswith(b"/kubernetes.io/configmaps/after/")]
    assert "member" in os.listdir(os.path.join(hosts.root("master-0"), "var/lib/etcd"))
    with open(os.path.join(hosts.root("master-0"), "run/cluster-restore.env")) as f:
        assert "HTTP_PROXY=http://proxy.example.com:3128" in f.read()
    for other in ("master-1", "master-2"):  # stopped, data moved aside, keepalived gone where it ran
        root = hosts.root(other)
        assert not hosts.kubelets[other].running("etcd") and not hosts.kubelets[other].running("kube-apiserver")
        assert not os.path.exists(os.path.join(root, "var/lib/etcd"))
        assert os.path.isdir(os.path.join(root, "tmp/ocp-day2-restore/etcd/member"))
        assert not os.listdir(os.path.join(root, "var/lib/ovn/etc"))
    assert not hosts.kubelets["master-2"].running("keepalived")
    # the lost machine was recreated, never the recovery host's
    machines = {
        m["metadata"]["name"]: m
        for m in cluster.list("machine.openshift.io/v1beta1", "Machine", "openshift-machine-api")
    }
    assert "ocp4-master-2" not in machines and "ocp4-master-0" in machines and len(machines) == 3
    assert not cluster.get("v1", "Node", "master-1")
