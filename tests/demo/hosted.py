"""Demo stage 2: hosted-cluster etcd backup and in-place restore on the simulated management cluster."""

import glob
import importlib.util
import json
import os

import yaml

from tests.harness.ansible import ROOT, run_playbook
from tests.harness.etcd import seed_keys

PREFIX = "/kubernetes.io/demo/"
BUCKET = "ocp-day2-demo-hc"


def available():
    return importlib.util.find_spec("tests.sim") is not None and os.path.isfile(
        os.path.join(ROOT, "playbooks", "hostedcluster_etcd_backup.yml")
    )


def _inventory(work, name, hostvars):
    path = os.path.join(work, name)
    inv = {"all": {"children": {"hostedclusters": {"vars": {"ansible_connection": "local"}, "hosts": hostvars}}}}
    with open(path, "w") as f:
        yaml.safe_dump(inv, f)
    return path


def _play(name, inventory, moto):
    res = run_playbook("ocp.day2.%s" % name, inventory=inventory, env=moto.env)
    recap = res.stdout[res.stdout.rfind("PLAY RECAP") :]
    print("ansible-playbook ocp.day2.%s: rc=%d\n%s" % (name, res.rc, recap.strip()))
    if res.rc != 0:
        print(res.stdout[-4000:])
        print(res.stderr[-2000:])
    return res.rc == 0


def run(work, moto, banner):
    from tests.sim import ManagementCluster

    banner("stage 2: hosted-cluster etcd backup to disk and S3, then in-place restore")
    mgmt = ManagementCluster(os.path.join(work, "mgmt"), moto=moto, name="mgmt-demo").start()
    try:
        hc = mgmt.create_hosted_cluster(name="example", namespace="clusters", availability="HighlyAvailable")
        data = seed_keys(3000, prefix=PREFIX)
        hc.etcd.put_many(data)
        print("simulated management cluster at %s; HostedCluster clusters/example with 3 etcd members" % mgmt.api_url)
        print("seeded 3000 keys; kubeconfig: %s" % mgmt.kubeconfig)
        moto.client("s3").create_bucket(Bucket=BUCKET)
        backup_dir = os.path.join(work, "backups")
        inv = _inventory(
            work,
            "backup.yml",
            {
                "example": {
                    "hostedcluster_etcd_backup_name": "example",
                    "hostedcluster_etcd_backup_namespace": "clusters",
                    # connection settings as the collection-wide variables every ocp.day2 role falls back to
                    "ocp_day2_kubeconfig": mgmt.kubeconfig,
                    "ocp_day2_aws_endpoint_url": moto.endpoint_url,
                    "hostedcluster_etcd_backup_dir": backup_dir,
                    "hostedcluster_etcd_backup_s3_bucket": BUCKET,
                }
            },
        )
        if not _play("hostedcluster_etcd_backup", inv, moto):
            return False
        [manifest] = glob.glob(os.path.join(backup_dir, "**", "manifest.json"), recursive=True)
        with open(manifest) as f:
            print("backup manifest (%s):\n%s" % (manifest, json.dumps(json.load(f), indent=2)))

        hc.etcd.put_many(seed_keys(500, prefix=PREFIX + "after-backup/"))
        print("wrote 500 more keys after the backup: %d keys now" % len(hc.etcd.get_all(PREFIX)))
        inv = _inventory(
            work,
            "restore.yml",
            {
                "example": {
                    "hostedcluster_etcd_restore_mode": "in_place",
                    "hostedcluster_etcd_restore_name": "example",
                    "hostedcluster_etcd_restore_namespace": "clusters",
                    "hostedcluster_etcd_restore_kubeconfig": mgmt.kubeconfig,
                    "hostedcluster_etcd_restore_manifest": manifest,
                    "hostedcluster_etcd_restore_confirm": True,
                    "hostedcluster_etcd_restore_work_dir": os.path.join(work, "restore"),
                }
            },
        )
        if not _play("hostedcluster_etcd_restore", inv, moto):
            return False
        expected = {k.encode(): v for k, v in data.items()}
        per_member = [hc.etcd.get_all(PREFIX, member=m) for m in hc.etcd.members]
        same = all(got == expected for got in per_member)
        print(
            "restored key count per member: %s (expected %d, every key and value identical: %s)"
            % ([len(got) for got in per_member], len(expected), same)
        )
        return same
    finally:
        mgmt.stop()
