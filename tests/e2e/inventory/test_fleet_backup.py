"""The collection's backup playbook runs unchanged against ocp.day2.hostedclusters: a SingleReplica hosted cluster
on one simulated management cluster and a HighlyAvailable one (by the API's default: its definition has no
controllerAvailabilityPolicy) on the other, both backed up in one run with forks=2, each member found from its
StatefulSet (1 and 3)."""

import json
import os

from tests.harness.ansible import run_playbook

from .helpers import write_source


def test_backup_playbook_over_two_management_clusters(mgmt_pair, tmp_path):
    src, dst = mgmt_pair
    src.create_hosted_cluster(name="east", availability="SingleReplica", timeout=120)
    dst.create_hosted_cluster(name="west", namespace="prod", availability="HighlyAvailable", timeout=120)
    west = dst.get("hypershift.openshift.io/v1beta1", "HostedCluster", "west", "prod")
    west["spec"].pop("controllerAvailabilityPolicy", None)
    dst.put(west)
    source = write_source(
        tmp_path, {"management_clusters": [{"kubeconfig": src.kubeconfig}, {"kubeconfig": dst.kubeconfig}]}
    )
    backups = tmp_path / "backups"
    res = run_playbook(
        "ocp.day2.hostedcluster_etcd_backup",
        inventory=source,
        extra_vars={"hostedcluster_etcd_backup_dir": str(backups), "hostedcluster_etcd_backup_wait_timeout": 60},
        forks=2,
    )
    assert res.rc == 0, res
    assert "east" in res.stdout and "west" in res.stdout
    found = {}
    for dirpath, _dirs, files in os.walk(str(backups)):
        if "manifest.json" in files:
            with open(os.path.join(dirpath, "manifest.json")) as f:
                manifest = json.load(f)
            found[os.path.relpath(dirpath, str(backups)).split(os.sep)[0]] = manifest
    assert set(found) == {"clusters-east", "prod-west"}, found
    assert [len(found[c]["members"]) for c in ("clusters-east", "prod-west")] == [1, 3]
    assert [found[c]["availability"] for c in ("clusters-east", "prod-west")] == ["SingleReplica", "HighlyAvailable"]
