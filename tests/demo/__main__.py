"""`make demo`: the main job end to end on the bundled simulated environment.

Stage 1 starts a real etcd with TLS and a local S3 endpoint (moto), snapshots etcd with
ocp.day2.etcd_snapshot, verifies and uploads it, and prints the artifact record.
Stage 2 (when the simulated management cluster and the hosted-cluster roles are present)
backs up a HighlyAvailable hosted cluster's etcd, restores it in place, and prints the
manifest and the restored key count. Everything started here is stopped on exit.
"""

import os
import sys
import tempfile

from tests.demo import hosted
from tests.harness.ansible import run_playbook
from tests.harness.etcd import EtcdCluster, seed_keys
from tests.harness.moto import MotoServer

HERE = os.path.dirname(os.path.abspath(__file__))


def banner(text):
    print("\n=== %s ===" % text, flush=True)


def stage_one(work, moto):
    banner("stage 1: etcd snapshot with TLS, verified, to disk and S3")
    cluster = EtcdCluster(os.path.join(work, "etcd")).start()
    try:
        cluster.put_many(seed_keys(5000))
        print("seeded 5000 keys into a real etcd at %s" % cluster.endpoints[0])
        moto.client("s3").create_bucket(Bucket="ocp-day2-demo")
        result = run_playbook(
            os.path.join(HERE, "etcd_snapshot.yml"),
            extra_vars={
                "demo_etcd_endpoints": cluster.endpoints,
                "demo_etcd_cacert": cluster.ca.cert,
                "demo_etcd_cert": cluster.client.cert,
                "demo_etcd_key": cluster.client.key,
                "demo_backup_dir": os.path.join(work, "backup"),
                "demo_s3_bucket": "ocp-day2-demo",
                "demo_s3_endpoint_url": moto.endpoint_url,
            },
            env=moto.env,
        )
        print(result.stdout)
        if result.rc != 0:
            print(result.stderr, file=sys.stderr)
            return False
        return True
    finally:
        cluster.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="ocp-day2-demo-") as work, MotoServer() as moto:
        ok = stage_one(work, moto)
        if ok and hosted.available():
            ok = hosted.run(work, moto, banner)
        elif ok:
            print("\n(stage 2, the hosted-cluster backup and restore, needs tests/sim and the hostedcluster roles)")
    print("\ndemo %s" % ("finished" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
