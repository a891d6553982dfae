"""The hosted-cluster lifecycle roles end to end on the simulated management cluster, in the order an admin uses
them on one cluster: node pool configuration, data plane to zero and back, must-gather, delete (last)."""

import base64
import json
import os
import stat
import tarfile

import yaml

from tests.e2e.hostedcluster.helpers import write_inventory
from tests.harness.ansible import run_playbook
from tests.harness.net import wait_for

from .plays import API, condition, play, pools

MC = {
    "apiVersion": "machineconfiguration.openshift.io/v1",
    "kind": "MachineConfig",
    "metadata": {"name": "99-worker-motd", "labels": {"machineconfiguration.openshift.io/role": "worker"}},
    "spec": {"config": {"ignition": {"version": "3.2.0"}, "storage": {"files": [
        {"path": "/etc/motd", "mode": 420, "overwrite": True, "contents": {"source": "data:,hello"}}]}}},
}  # fmt: skip
TUNED = {
    "apiVersion": "tuned.openshift.io/v1",
    "kind": "Tuned",
    "metadata": {"name": "tuned-1", "namespace": "openshift-cluster-node-tuning-operator"},
    "spec": {"profile": [{"name": "tuned-1-profile", "data": "[main]\nsummary=Custom\ninclude=openshift-node\n"
                          "[sysctl]\nvm.dirty_ratio=\"55\"\n"}],
             "recommend": [{"priority": 20, "profile": "tuned-1-profile"}]},
}  # fmt: skip
EXTRA = dict(MC, metadata={"name": "99-worker-extra"})
MASTER = dict(MC, metadata={"name": "x", "labels": {"machineconfiguration.openshift.io/role": "master"}})
IGNITION2 = dict(MC, spec={"config": {"ignition": {"version": "2.2.0"}}})
FAST = "poll_interval: 0.2\n        settle_timeout: 5\n        wait_timeout: 60"
ROLE_FAST = {
    "hostedcluster_nodepool_config_name": "life",
    "hostedcluster_nodepool_config_poll_interval": 0.2,
    "hostedcluster_nodepool_config_settle_timeout": 5,
    "hostedcluster_nodepool_config_wait_timeout": 60,
}


def _j(obj):
    return json.dumps(obj)


def test_nodepool_config(tmp_path, lifecycle):
    mgmt, _hc = lifecycle
    names = sorted(pools(mgmt, "life"))
    hashes = {n: p["metadata"]["annotations"]["hypershift.openshift.io/nodePoolCurrentConfig"]
              for n, p in pools(mgmt, "life").items()}  # fmt: skip
    # the second NodePool refuses the first patch: the role puts the first one and the ConfigMap back, then fails
    mgmt.faults.add(method="PATCH", path=r"/nodepools/%s$" % names[1], status=422, times=1)
    kubeconfig = {"hostedcluster_nodepool_config_kubeconfig": mgmt.kubeconfig}
    extra_vars = _j(dict(ROLE_FAST, hostedcluster_nodepool_config_machine_configs=[EXTRA], **kubeconfig))
    role_vars = _j(dict(ROLE_FAST, hostedcluster_nodepool_config_machine_configs=[MC],
                        hostedcluster_nodepool_config_tuned=[TUNED], **kubeconfig))  # fmt: skip
    tasks = f"""
    - name: The role, with the second NodePool refusing the change
      block:
        - name: Configure
          ansible.builtin.include_role:
            name: ocp.day2.hostedcluster_nodepool_config
          vars: {extra_vars}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            role_failure: "{{{{ ansible_failed_result }}}}"
    - name: Plan
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        machine_configs: [{_j(MC)}]
        tuned: [{_j(TUNED)}]
        {FAST}
      check_mode: true
      diff: true
      register: plan
    - name: A MachineConfig for the masters is refused
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        machine_configs: [{_j(MASTER)}]
      register: refused_role
      ignore_errors: true
    - name: An Ignition spec 2 config is refused
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        machine_configs: [{_j(IGNITION2)}]
      register: refused_ignition
      ignore_errors: true
    - name: Apply with the role
      ansible.builtin.include_role:
        name: ocp.day2.hostedcluster_nodepool_config
      vars: {role_vars}
    - name: Keep the role's result
      ansible.builtin.set_fact:
        applied: "{{{{ hostedcluster_nodepool_config_result }}}}"
    - name: Again
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        machine_configs: [{_j(MC)}]
        tuned: [{_j(TUNED)}]
        {FAST}
      register: again
    - name: Remove the Tuned object from the first pool only
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        nodepools: [{names[0]}]
        state: absent
        tuned: [{{apiVersion: tuned.openshift.io/v1, kind: Tuned, metadata: {{name: tuned-1}}}}]
        {FAST}
      register: removed_one
    - name: Remove it from the other too (check mode)
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        state: absent
        tuned: [{{apiVersion: tuned.openshift.io/v1, kind: Tuned, metadata: {{name: tuned-1}}}}]
        {FAST}
      check_mode: true
      register: removed_plan
    - name: Remove it from the other too
      ocp.day2.hostedcluster_nodepool_config:
        name: life
        state: absent
        tuned: [{{apiVersion: tuned.openshift.io/v1, kind: Tuned, metadata: {{name: tuned-1}}}}]
        {FAST}
      register: removed
"""
    steps = [
        "role_failure",
        "plan",
        "refused_role",
        "refused_ignition",
        "applied",
        "again",
        "removed_one",
        "removed_plan",
        "removed",
    ]
    res, _proc = play(tmp_path, mgmt, tasks, steps, "config")
    # the failed role run: rolled back and failed naming the cause; the ConfigMap it wrote is gone, and no pool
    # kept its reference (the reference lists at the end hold only what later steps added)
    msg = res["role_failure"]["msg"]
    assert "Updating NodePool clusters/%s failed" % names[1] in msg and "was put back" in msg, msg
    assert mgmt.get("v1", "ConfigMap", "life-mc-99-worker-extra", "clusters") is None
    # check mode: a plan, and the real run that followed had the very same plan to do
    assert res["plan"]["changed"] and res["plan"]["plan"] == res["applied"]["plan"]
    diff = res["plan"]["diff"]
    assert diff["before"]["configmaps"] == {"life-mc-99-worker-motd": None, "life-tuned-tuned-1": None}
    assert yaml.safe_load(diff["after"]["configmaps"]["life-tuned-tuned-1"]["tuning"]) == TUNED
    assert "role 'worker'" in res["refused_role"]["msg"] and "3.0.0 to 3.5.0" in res["refused_ignition"]["msg"]
    assert not res["refused_role"].get("plan") and not res["refused_ignition"].get("plan")
    # applied: ConfigMaps with the seeds' keys, references, a rollout seen on both pools, then idempotent
    assert sorted(res["applied"]["rolled_out"]) == names and res["again"]["changed"] is False
    mc_cm = mgmt.get("v1", "ConfigMap", "life-mc-99-worker-motd", "clusters")
    assert yaml.safe_load(mc_cm["data"]["config"]) == MC
    assert mc_cm["metadata"]["labels"] == {"ocp.day2/nodepool-config": "life"}
    # removal: the ConfigMap stays while the second pool still uses it, goes with the last reference
    assert res["removed_one"]["configmaps"] == [] and res["removed_plan"]["configmaps"] == ["life-tuned-tuned-1"]
    assert res["removed"]["configmaps"] == ["life-tuned-tuned-1"]
    assert mgmt.get("v1", "ConfigMap", "life-tuned-tuned-1", "clusters") is None
    for name, pool in pools(mgmt, "life").items():
        assert pool["spec"]["config"] == [{"name": "life-mc-99-worker-motd"}] and not pool["spec"].get("tuningConfig")
        assert condition(pool, "UpdatingConfig")["status"] == "False"
        assert pool["metadata"]["annotations"]["hypershift.openshift.io/nodePoolCurrentConfig"] != hashes[name]


def _role(role, mgmt, indent=6, extra=None, **variables):
    """An include_role task of role `role` with its variables (prefixed), the management kubeconfig and `extra`."""
    variables = {"%s_%s" % (role, k): v for k, v in dict(variables, kubeconfig=mgmt.kubeconfig).items()}
    pad = " " * indent
    return "%sansible.builtin.include_role:\n%s  name: ocp.day2.%s\n%svars: %s\n" % (
        pad,
        pad,
        role,
        pad,
        _j(dict(variables, **(extra or {}))),
    )


def test_scale_to_zero_and_back(tmp_path, lifecycle):
    mgmt, hc = lifecycle
    guest = mgmt.guest(hc)
    names = sorted(pools(mgmt, "life"))
    auto = pools(mgmt, "life")[names[1]]  # the second pool is autoscaled, with a drain timeout of its own
    auto["spec"].pop("replicas")
    auto["spec"].update(autoScaling={"min": 1, "max": 3}, nodeDrainTimeout="30s")
    mgmt.put(auto)
    wait_for(lambda: len(guest.nodes()) == 2, timeout=20, interval=0.1, what="2 nodes")
    fast = {"name": "life", "poll_interval": 0.2, "wait_timeout": 60}
    tasks = f"""
    - name: Plan
      ocp.day2.hostedcluster_nodepool_scale:
        name: life
      check_mode: true
      diff: true
      register: plan
    - name: The role, with the second NodePool refusing the change
      block:
        - name: Scale to zero
{_role("hostedcluster_nodepool_scale", mgmt, indent=10, **fast)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            failed_zero: "{{{{ ansible_failed_result }}}}"
    - name: Scale to zero with the role
{_role("hostedcluster_nodepool_scale", mgmt, **fast)}
    - name: Keep the role's result
      ansible.builtin.set_fact:
        zeroed: "{{{{ hostedcluster_nodepool_scale_result }}}}"
    - name: Again
      ocp.day2.hostedcluster_nodepool_scale:
        name: life
        poll_interval: 0.2
      register: again
"""
    mgmt.faults.add(method="PATCH", path=r"/nodepools/%s$" % names[1], status=422, times=1)
    res, _proc = play(tmp_path, mgmt, tasks, ["plan", "failed_zero", "zeroed", "again"], "zero")
    # the failed run scaled the first pool back exactly (drain timeout too), so the next run had the same plan
    assert "scaled back to their recorded size" in res["failed_zero"]["msg"], res["failed_zero"]["msg"]
    assert res["plan"]["changed"] and res["plan"]["plan"] == res["zeroed"]["plan"]
    assert res["plan"]["diff"]["before"][names[1]]["autoScaling"] == {"min": 1, "max": 3}
    assert res["again"]["changed"] is False
    now = pools(mgmt, "life")
    assert [now[n]["spec"].get("replicas") for n in names] == [0, 0]
    assert "autoScaling" not in now[names[1]]["spec"]
    assert [now[n]["spec"]["nodeDrainTimeout"] for n in names] == ["5m", "30s"]
    records = [json.loads(now[n]["metadata"]["annotations"]["ocp.day2/scale-record"]) for n in names]
    assert records == [
        {"replicas": 1, "autoScaling": None, "nodeDrainTimeout": None},
        {"replicas": None, "autoScaling": {"min": 1, "max": 3}, "nodeDrainTimeout": "30s"},
    ]
    assert guest.nodes() == [] and mgmt.list("cluster.x-k8s.io/v1beta1", "Machine", hc.hcp_namespace) == []

    tasks = f"""
    - name: Plan
      ocp.day2.hostedcluster_nodepool_scale:
        name: life
        state: restored
      check_mode: true
      register: plan
    - name: Scale back with the role
{_role("hostedcluster_nodepool_scale", mgmt, state="restored", **fast)}
    - name: Keep the role's result
      ansible.builtin.set_fact:
        restored: "{{{{ hostedcluster_nodepool_scale_result }}}}"
    - name: Again
      ocp.day2.hostedcluster_nodepool_scale:
        name: life
        state: restored
      register: again
"""
    res, _proc = play(tmp_path, mgmt, tasks, ["plan", "restored", "again"], "restore")
    assert res["plan"]["changed"] and res["plan"]["plan"] == res["restored"]["plan"]
    assert res["again"]["changed"] is False and res["again"]["not_recorded"] == names
    now = pools(mgmt, "life")
    assert now[names[0]]["spec"]["replicas"] == 1 and "autoScaling" not in now[names[0]]["spec"]
    assert now[names[1]]["spec"]["autoScaling"] == {"min": 1, "max": 3} and "replicas" not in now[names[1]]["spec"]
    assert all("ocp.day2/scale-record" not in (p["metadata"].get("annotations") or {}) for p in now.values())
    assert now[names[0]]["spec"]["nodeDrainTimeout"] == "5m"  # kept above 0, as the seed's verification wants
    wait_for(lambda: len(guest.nodes()) == 2, timeout=20, interval=0.1, what="2 nodes back")


SECRET = "s3cr3t-value-that-must-never-leak"
FAKE_OC = """#!/bin/sh
# stands in for oc: records its arguments and writes a file that leaks a secret value into the dest dir
for a; do case "$a" in --dest-dir=*) d="${a#--dest-dir=}";; esac; done
mkdir -p "$d" && printf '%%s\\n' "$@" > "$d/args.txt" && echo "token: %s" > "$d/leak.txt"
"""


def test_must_gather(tmp_path, lifecycle):
    mgmt, hc = lifecycle
    encoded = base64.b64encode(SECRET.encode()).decode()
    mgmt.put({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"token": encoded},
              "metadata": {"name": "life-webhook", "namespace": hc.hcp_namespace}})  # fmt: skip
    leak = "auth failed with token %s (%s)" % (SECRET, encoded)
    mgmt.put({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "life-leak.1", "namespace": hc.hcp_namespace},
              "involvedObject": {"kind": "Pod", "name": "etcd-0", "namespace": hc.hcp_namespace},
              "reason": "Oops", "message": leak, "type": "Warning"})  # fmt: skip
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "oc").write_text(FAKE_OC % SECRET)
    (bindir / "oc").chmod(0o755)
    dest = tmp_path / "mg"
    tasks = f"""
    - name: Plan
      ocp.day2.hostedcluster_must_gather:
        name: life
        dest: {dest}
      check_mode: true
      register: plan
    - name: Gather with the role
{_role("hostedcluster_must_gather", mgmt, name="life", dest=str(dest), mce_version="2.6")}
    - name: Keep the role's result
      ansible.builtin.set_fact:
        gathered: "{{{{ hostedcluster_must_gather_result }}}}"
"""
    env = {"PATH": "%s:%s" % (bindir, os.environ["PATH"])}
    res, _proc = play(tmp_path, mgmt, tasks, ["plan", "gathered"], "gather", env=env)
    assert res["plan"]["changed"] is False and res["plan"]["path"].startswith(str(dest))
    path = res["gathered"]["path"]
    assert os.listdir(dest) == [os.path.basename(path)], "check mode wrote nothing, the real run one archive"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(dest).st_mode) == 0o700
    out = tmp_path / "x"
    with tarfile.open(path) as tar:
        tar.extractall(out, filter="data")
    [root] = list(out.iterdir())
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    ns, hcp = "namespaces/clusters/", "namespaces/%s/" % hc.hcp_namespace
    for rel in (ns + "hostedcluster/life.yaml", hcp + "hostedcontrolplane/life.yaml", hcp + "statefulset/etcd.yaml",
                hcp + "pods/etcd-0/etcd.log", hcp + "pod/etcd-0.yaml", hcp + "secret/life-webhook.yaml",
                "oc-must-gather/args.txt", "ocp-day2-summary.yaml"):  # fmt: skip
        assert rel in files, (rel, sorted(files))
    for kind in ("nodepool", "machine", "machineset", "machinedeployment", "cluster", "awsmachine", "event"):
        assert any(f.startswith((ns + kind + "/", hcp + kind + "/")) for f in files), kind
    webhook = yaml.safe_load((root / hcp / "secret/life-webhook.yaml").read_text())
    assert webhook["keys"] == ["token"] and "data" not in webhook
    # no secret value anywhere, in any form: not in the event, not in what oc wrote, not a real pull secret either
    for p in root.rglob("*"):
        if p.is_file():
            text = p.read_bytes()
            assert SECRET.encode() not in text and encoded.encode() not in text, p
    assert "<redacted: secret value>" in (root / "oc-must-gather/leak.txt").read_text()
    assert sorted(res["gathered"]["redacted_files"]) == sorted(
        ["oc-must-gather/leak.txt", hcp + "event/life-leak.1.yaml"]
    )
    args = (root / "oc-must-gather/args.txt").read_text().split("\n")
    assert "--image=registry.redhat.io/multicluster-engine/must-gather-rhel9:v2.6" in args
    assert args[args.index("/usr/bin/gather") + 1 :][:2] == [
        "hosted-cluster-namespace=clusters",
        "hosted-cluster-name=life",
    ]


IDP = {
    "name": "IAM",
    "type": "OpenID",
    "mappingMethod": "lookup",
    "openID": {"clientID": "ocp", "clientSecret": {"name": "life-oidc"}, "issuer": "https://idp.example.com/identity",
               "claims": {"preferredUsername": ["preferred_username"], "email": ["email"]}},
}  # fmt: skip


def test_configuration(tmp_path, lifecycle):
    """Identity providers and the feature set (seed 001 §3.1, §5.1); before the delete, which ends the module."""
    mgmt, _hc = lifecycle
    role = {"name": "life", "identity_providers": [IDP], "feature_set": "TechPreviewNoUpgrade", "wait_timeout": 60}
    tasks = f"""
    - name: Plan
      ocp.day2.hostedcluster_configuration:
        name: life
        identity_providers: [{_j(IDP)}]
      check_mode: true
      diff: true
      register: plan
    - name: TechPreviewNoUpgrade without the confirmation
      block:
        - name: Configure
{_role("hostedcluster_configuration", mgmt, indent=10, **role)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            unconfirmed: "{{{{ ansible_failed_result }}}}"
    - name: Configure with the confirmation
{_role("hostedcluster_configuration", mgmt, confirm_irreversible=True, **role)}
    - name: Keep the role's result
      ansible.builtin.set_fact:
        configured: "{{{{ hostedcluster_configuration_result }}}}"
    - name: Again
      ocp.day2.hostedcluster_configuration:
        name: life
        identity_providers: [{_j(IDP)}]
        feature_set: TechPreviewNoUpgrade
      register: again
    - name: Back to the default feature set
      ocp.day2.hostedcluster_configuration:
        name: life
        feature_set: ""
      register: back
      ignore_errors: true
"""
    res, _proc = play(tmp_path, mgmt, tasks, ["plan", "unconfirmed", "configured", "again", "back"], "configure")
    assert res["plan"]["changed"] and res["plan"]["diff"]["before"]["identityProviders"] == []
    assert any("kubeadmin" in w for w in res["plan"]["warnings_given"])
    assert "cannot be undone" in res["unconfirmed"]["msg"] and "confirm_irreversible=true" in res["unconfirmed"]["msg"]
    assert len(res["configured"]["plan"]) == 2 and res["again"]["changed"] is False
    assert "TechPreviewNoUpgrade, which cannot be changed" in res["back"]["msg"]
    config = mgmt.get(API, "HostedCluster", "life", "clusters")["spec"]["configuration"]
    assert config["oauth"]["identityProviders"] == [IDP]
    assert config["featureGate"] == {"featureSet": "TechPreviewNoUpgrade"}


def test_delete(tmp_path, lifecycle):
    """Last in this module: the shared hosted cluster goes."""
    mgmt, hc = lifecycle
    names = sorted(pools(mgmt, "life"))
    held = pools(mgmt, "life")[names[0]]  # a finalizer no controller of the simulator removes
    held["metadata"]["finalizers"] = held["metadata"].get("finalizers", []) + ["example.com/hold"]
    mgmt.put(held)
    # the playbook as documented, in check mode: the plan, no backup, nothing deleted
    inventory = write_inventory(tmp_path, {"life": {
        "ocp_day2_kubeconfig": mgmt.kubeconfig, "hostedcluster_delete_name": "life",
        "hostedcluster_etcd_backup_dir": str(tmp_path / "backups")}})  # fmt: skip
    checked = run_playbook("ocp.day2.hostedcluster_delete", inventory=inventory, check=True, timeout=300)
    assert checked.rc == 0, checked
    assert "HostedControlPlane %s/life" % hc.hcp_namespace in checked.stdout
    assert mgmt.get(API, "HostedCluster", "life", "clusters") is not None and not (tmp_path / "backups").exists()
    base = {"name": "life", "wait_timeout": 3}

    def backup(where):
        return {"hostedcluster_etcd_backup_dir": str(where), "hostedcluster_etcd_backup_wait_timeout": 60}

    tasks = f"""
    - name: Without confirmation
      block:
        - name: Delete
{_role("hostedcluster_delete", mgmt, indent=10, **base)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            unconfirmed: "{{{{ ansible_failed_result }}}}"
    - name: Still there after the refusal
      kubernetes.core.k8s_info:
        kubeconfig: {mgmt.kubeconfig}
        api_version: {API}
        kind: HostedCluster
        namespace: clusters
        name: life
      register: still
    - name: Plan
      ocp.day2.hostedcluster_delete:
        name: life
      check_mode: true
      diff: true
      register: plan
    - name: Back up and delete; a NodePool finalizer holds the deletion
      block:
        - name: Delete
{_role("hostedcluster_delete", mgmt, indent=10, extra=backup(tmp_path / "backups"), confirm=True, **base)}
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            held: "{{{{ ansible_failed_result }}}}"
            backup_location: "{{{{ hostedcluster_etcd_backup_location | default(none) }}}}"
    - name: Strip what blocks
      ocp.day2.hostedcluster_delete:
        name: life
        wait_timeout: 3
        strip_finalizers: true
      register: stripped
    - name: Again
      ocp.day2.hostedcluster_delete:
        name: life
      register: again
"""
    steps = ["unconfirmed", "still", "plan", "held", "backup_location", "stripped", "again"]
    res, _proc = play(tmp_path, mgmt, tasks, steps, "delete")
    assert (
        "cannot be undone" in res["unconfirmed"]["msg"]
        and "hostedcluster_delete_confirm=true" in res["unconfirmed"]["msg"]
    )
    assert len(res["still"]["resources"]) == 1 and "deletionTimestamp" not in res["still"]["resources"][0]["metadata"]
    plan = res["plan"]
    assert plan["changed"] and plan["hostedcluster_found"] and "Namespace %s" % hc.hcp_namespace in plan["removed"]
    assert {"HostedCluster clusters/life", "HostedControlPlane %s/life" % hc.hcp_namespace} <= set(plan["removed"])
    # the verified backup came first; the held NodePool was reported with its finalizer, and nothing was stripped
    manifests = list((tmp_path / "backups").rglob("manifest.json"))
    assert len(manifests) == 1 and json.loads(manifests[0].read_text())["cluster"] == "life"
    assert res["backup_location"], res["held"]["msg"]
    blocking = "NodePool clusters/%s (deleting since" % names[0]
    assert blocking in res["held"]["msg"] and "example.com/hold" in res["held"]["msg"], res["held"]["msg"]
    assert "strip_finalizers=true" in res["held"]["msg"]
    assert [s["name"] for s in res["stripped"]["stripped"]] == [names[0]]
    assert "example.com/hold" in res["stripped"]["stripped"][0]["finalizers"]
    assert res["again"]["changed"] is False and res["again"]["removed"] == []
    assert mgmt.get(API, "HostedCluster", "life", "clusters") is None and pools(mgmt, "life") == {}
    assert mgmt.get("v1", "Namespace", hc.hcp_namespace) is None
    assert mgmt.terminated_instances, "HyperShift's deletion flow released the instances"
    assert mgmt.get("v1", "Secret", "life-etcd-encryption-key", "clusters") is not None
