"""ocp.day2.hostedcluster_migrate end to end: an HA hosted cluster with 20,000 keys moved between two simulated
management clusters, as the seeds' DR procedure does (000 §4.2), then a re-run that changes nothing. The migration
runs with -vvv, and no secret value (AWS key, pull secret, AES key, the hosted cluster's admin kubeconfig) may be
in its output.

Check mode, bad inputs and faults: test_migrate_bad_inputs.py and test_migrate_faults.py.
"""

import base64
import json

import pytest
import yaml

from tests.harness.moto import FAKE_AWS_ENV
from tests.harness.net import wait_for

from .conftest import HYPERSHIFT, KEY_PREFIX

CAPI = "cluster.x-k8s.io/v1beta1"
CAPA = "infrastructure.cluster.x-k8s.io/v1beta2"


def _names(mgmt, api, kind, namespace):
    return sorted(o["metadata"]["name"] for o in mgmt.list(api, kind, namespace))


@pytest.mark.timeout(1200)  # one whole HA migration (with the in-place etcd repair) and a re-run, on busy cores
def test_ha_migration_with_20000_keys_then_a_rerun_changes_nothing(pair, tmp_path):
    source, dest = pair.source, pair.destination
    hc, data = pair.hosted_cluster("example", keys=20000)
    assert len(data) == 20000
    src_hc = source.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace)
    aes_name = src_hc["spec"]["secretEncryption"]["aescbc"]["activeKey"]["name"]
    aes_key = source.get("v1", "Secret", aes_name, hc.namespace)["data"]["key"]
    pull = source.get("v1", "Secret", src_hc["spec"]["pullSecret"]["name"], hc.namespace)["data"][".dockerconfigjson"]
    nodepools = [n for n in source.list(HYPERSHIFT, "NodePool", hc.namespace) if n["spec"]["clusterName"] == hc.name]
    replicas = sum(n["spec"]["replicas"] for n in nodepools)
    machines = _names(source, CAPI, "Machine", hc.hcp_namespace)
    aws_machines = _names(source, CAPA, "AWSMachine", hc.hcp_namespace)
    assert machines and len(aws_machines) == len(machines) == replicas
    api_fqdn = src_hc["spec"]["services"][0]["servicePublishingStrategy"]["route"]["hostname"]
    wait_for(lambda: source.dns_owner(api_fqdn) == source.name, timeout=60, what="the source to own %s" % api_fqdn)

    # the migration, every phase, with -vvv
    res = pair.migrate(hc, tmp_path, verbosity=3)
    assert res.rc == 0, res
    state = pair.state(hc)
    assert state["completed"] and state["verified"] and state["destination_touched"], state
    assert state["done"][-1] == "ovn-restarted", state
    # the destination's members came up as three one-member clusters (HyperShift's etcd-init restores without
    # member names) and were made one by an in-place restore from a fresh snapshot of etcd-0
    assert "hostedcluster_etcd_restore : Take a fresh snapshot from a live member" in res.stdout, res

    # every key and value identical on every member of the destination's etcd, which is one cluster
    new = dest.hosted_handle(hc.name, hc.namespace)
    wait_for(new.etcd.healthy, timeout=120, what="the destination's etcd")
    assert len(new.etcd.members) == 3
    for member in new.etcd.members:
        listed = new.etcd.etcdctl("member", "list", endpoints=[member.client_url]).stdout
        assert len(listed.strip().splitlines()) == 3, listed
        assert new.etcd.get_all(KEY_PREFIX + hc.name + "/", member=member) == data, "member %s differs" % member.name
    # the same AES key, the NodePools and the machine objects (the instances are adopted, none terminated)
    assert dest.get("v1", "Secret", aes_name, hc.namespace)["data"]["key"] == aes_key
    dst_hc = dest.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace)
    assert "pausedUntil" not in dst_hc["spec"]
    assert len(dst_hc["spec"]["etcd"]["managed"]["storage"]["restoreSnapshotURL"]) == 1
    assert sorted(n["metadata"]["name"] for n in dest.list(HYPERSHIFT, "NodePool", hc.namespace)) == sorted(
        n["metadata"]["name"] for n in nodepools
    )
    assert set(machines) <= set(_names(dest, CAPI, "Machine", hc.hcp_namespace))
    assert set(aws_machines) <= set(_names(dest, CAPA, "AWSMachine", hc.hcp_namespace))
    assert source.terminated_instances == [] and dest.terminated_instances == []
    # nothing of the cluster left on the source
    assert source.get(HYPERSHIFT, "HostedCluster", hc.name, hc.namespace) is None
    assert source.get("v1", "Namespace", hc.hcp_namespace) is None
    others = source.list(HYPERSHIFT, "HostedCluster", hc.namespace)
    assert others or source.get("v1", "Namespace", hc.namespace) is None
    assert source.get("v1", "ConfigMap", "mgmt-parent-cluster", "default") is None
    # DNS records owned by the destination, every node Ready through the hosted cluster's own API
    wait_for(lambda: dest.dns_owner(api_fqdn) == dest.name, timeout=60, what="the destination to own %s" % api_fqdn)
    nodes = dest.guest(new).nodes()
    assert len(nodes) == replicas and all(ready for _name, ready in nodes), nodes
    # no secret value in the -vvv output of every phase (exported secrets, snapshot upload, restore, the guest's API)
    decoded = json.loads(base64.b64decode(pull))
    secrets = {"AWS secret key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"], "AES key (base64)": aes_key}
    secrets.update({"AES key (hex)": base64.b64decode(aes_key).hex(), "pull secret (base64)": pull})
    secrets["pull secret"] = json.dumps(decoded, separators=(",", ":"))
    secrets.update({"pull secret auth %s" % h: a["auth"] for h, a in decoded["auths"].items() if a.get("auth")})
    guest = dest.get("v1", "Secret", dst_hc["status"]["kubeconfig"]["name"], hc.namespace)["data"]["kubeconfig"]
    admin = yaml.safe_load(base64.b64decode(guest))["users"][0]["user"]["client-key-data"]
    secrets.update({"admin kubeconfig (base64)": guest, "admin client key (base64)": admin})
    leaked = [what for what, value in secrets.items() if value and value in res.output]
    assert leaked == [], "secret values in the -vvv output: %s" % leaked
    # the export stays private: 0700 directories, 0600 files
    export = tmp_path / "migrate" / hc.hcp_namespace
    for path in export.rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path

    # a re-run after completion changes nothing
    again = pair.migrate(hc, tmp_path)
    assert again.rc == 0, again
    assert "changed=0" in again.stdout and "nothing to do" in again.stdout, again
