"""ocp.day2.hostedcluster_upgrade end to end on the simulator: one HA cluster with two NodePools for the module.

In file order: check mode and a refusal change nothing; then ONE upgrade told as three runs of the same playbook:
a fault in the control-plane wait (the rollout held past the timeout), a re-run that continues and meets a fault in
the second NodePool's update, and a last re-run that finishes. Backups are counted, generations compared and the
operator stand-in's event log read to prove the order: verified backup, control plane, then NodePools one by one.
"""

import datetime
import hashlib
import json
import os
import sys
import time

import pytest

from tests.harness.ansible import run_playbook
from tests.harness.moto import FAKE_AWS_ENV
from tests.sim.cluster import ManagementCluster

HYPERSHIFT = "hypershift.openshift.io/v1beta1"
NAME, NS = "example", "clusters"
OLD, NEW = "4.14.8", "4.14.9"
IMAGE = "quay.io/openshift-release-dev/ocp-release:%s-x86_64"
GATE = "ocp.day2/upgrade-gate"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("upgrade")  # no moto: the backups go to disk and no DNS is needed
    mgmt = ManagementCluster(str(base / "mgmt"), moto=None, name="mgmt-upgrade", upgrade_seconds=1.0)
    try:
        mgmt.start()
        mgmt.create_hosted_cluster(
            name=NAME, namespace=NS, nodepools=2, channel="stable-4.14", release_image=IMAGE % OLD
        )
        yield mgmt, base
    finally:
        mgmt.stop()


def upgrade(mgmt, base, check=False, **extra):
    inv = base / "inventory.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inv.write_text(json.dumps({"hostedclusters": {"hosts": {NAME: host}}}))
    extra_vars = {
        "hostedcluster_upgrade_name": NAME,
        "hostedcluster_upgrade_namespace": NS,
        "hostedcluster_upgrade_kubeconfig": mgmt.kubeconfig,
        "hostedcluster_upgrade_target_version": NEW,
        "hostedcluster_upgrade_batch_size": 1,
        "hostedcluster_upgrade_node_drain_timeout": "60s",
        "hostedcluster_upgrade_backup_dir": str(base / "backups"),
        "hostedcluster_upgrade_backup_wait_timeout": 60,
        "hostedcluster_upgrade_progress_interval": 30,  # a wait returns as soon as its step is done
        "hostedcluster_upgrade_control_plane_timeout": 60,
        "hostedcluster_upgrade_nodepool_timeout": 60,
    }
    extra_vars.update(extra)
    res = run_playbook("ocp.day2.hostedcluster_upgrade", inventory=str(inv), extra_vars=extra_vars, check=check)
    print("=== hostedcluster_upgrade %s rc=%d ===" % (sorted(extra), res.rc))
    print("\n".join(ln for ln in res.stdout.splitlines() if ln.strip() and not ln.startswith(("ok: ", "skipping: "))))
    print(res.stderr[-3000:])
    return res


def state(mgmt):
    """What an upgrade step changes: generations, release images, annotations; plus the backups on disk."""
    hc = mgmt.get(HYPERSHIFT, "HostedCluster", NAME, NS)
    pools = {p["metadata"]["name"]: p for p in mgmt.list(HYPERSHIFT, "NodePool", NS)}
    return {
        "hc": (hc["metadata"]["generation"], hc["spec"]["release"]["image"], hc["metadata"].get("annotations") or {}),
        "pools": {n: (p["metadata"]["generation"], p["spec"]["release"]["image"]) for n, p in pools.items()},
    }


_S3 = {"hostedcluster_upgrade_backup": "named", "hostedcluster_upgrade_s3_endpoint_url": "{s3}",
       "hostedcluster_upgrade_s3_region": "us-east-1",
       "hostedcluster_upgrade_aws_access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
       "hostedcluster_upgrade_aws_secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
BAD_INPUTS = [  # role entry point: refused by argument_specs or the first checks, all hosts in one playbook run
    ("named-without-manifest", {"hostedcluster_upgrade_backup": "named"}, "no backup, no upgrade"),
    ("take-without-destination", {"hostedcluster_upgrade_backup_dir": ""}, "no backup, no upgrade"),
    ("two-targets", {"hostedcluster_upgrade_target_image": IMAGE % NEW}, "exactly one of"),
    ("backup-misspelt", {"hostedcluster_upgrade_backup": "later"}, "take, named"),
    ("batch-not-a-number", {"hostedcluster_upgrade_batch_size": "two"}, "hostedcluster_upgrade_batch_size"),
    ("drain-not-a-duration", {"hostedcluster_upgrade_node_drain_timeout": "10 minutes"}, "60s, 10m or 1h30m"),
    ("max-age-not-a-duration", {"hostedcluster_upgrade_backup_max_age": "yesterday"}, "2h or 1d"),
    ("name-missing", {"hostedcluster_upgrade_name": None}, "hostedcluster_upgrade_name"),
    ("version-not-x.y.z", {"hostedcluster_upgrade_target_version": "4.14"}, "not a version x.y.z"),
    ("target-not-offered", {"hostedcluster_upgrade_target_version": "4.14.99"}, "is not offered to this cluster"),
    ("named-backup-not-good",
     {"hostedcluster_upgrade_backup": "named", "hostedcluster_upgrade_backup_manifest": "{named}"},
     "is not good: etcd-0.snapshot.db"),
    ("named-backup-in-s3-not-good",
     {"hostedcluster_upgrade_backup": "named", "hostedcluster_upgrade_backup_manifest": "s3://upgrade-named/b/manifest.json",
      "hostedcluster_upgrade_s3_endpoint_url": "{s3}", "hostedcluster_upgrade_s3_region": "us-east-1",
      "hostedcluster_upgrade_aws_access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
      "hostedcluster_upgrade_aws_secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]},
     "is not good: etcd-0.snapshot.db"),
    ("named-backup-in-s3-not-restore-tested", dict(_S3, hostedcluster_upgrade_backup_manifest="s3://upgrade-named/u/manifest.json"),
     "is not good: not test-restored: etcd-0.snapshot.db."),
    ("named-backup-in-s3-other-bytes", dict(_S3, hostedcluster_upgrade_backup_manifest="s3://upgrade-named/c/manifest.json"),
     "is not good: etcd-0.snapshot.db do(es) not match the manifest"),
    ("named-backup-in-s3-without-manifest", dict(_S3, hostedcluster_upgrade_backup_manifest="s3://upgrade-named/none/manifest.json"),
     "manifest s3://upgrade-named/none/manifest.json cannot be read"),
]  # fmt: skip


def manifests(base):
    found = []
    for dirpath, _dirs, files in os.walk(str(base / "backups")):
        found += [os.path.join(dirpath, f) for f in files if f == "manifest.json"]
    return found


def test_check_mode_prints_the_plan_and_changes_nothing(cluster):
    mgmt, base = cluster
    before = state(mgmt)
    res = upgrade(mgmt, base, check=True)
    assert res.rc == 0
    assert "control plane %s -> %s" % (OLD, NEW) in res.stdout and "node pools batch 2:" in res.stdout
    assert "upgradeType Replace" in res.stdout and "immutable" in res.stdout
    assert state(mgmt) == before and manifests(base) == []


@pytest.fixture(scope="module")
def refused(cluster, moto_server):
    """ONE playbook run with a host per bad input: (fatal line per case, state before, state after, backups)."""
    mgmt, base = cluster
    named = base / "named" / "manifest.json"  # a named backup whose snapshot is not what its manifest says
    named.parent.mkdir()
    snap = named.parent / "etcd-0.snapshot.db"
    snap.write_bytes(b"not the snapshot the manifest describes")
    member = {"member": "etcd-0", "file": snap.name, "bytes": 39, "sha256": "0" * 64}
    named.write_text(json.dumps({"format": "ocp.day2/hostedcluster-etcd-backup/v1", "cluster": NAME, "namespace": NS,
                                 "release": {"image": IMAGE % OLD}, "finished_at": _iso(time.time()),
                                 "members": [member]}))  # fmt: skip
    s3 = moto_server.client("s3")  # the same named backup in S3, its snapshot one byte short of the manifest
    s3.create_bucket(Bucket="upgrade-named")
    s3.put_object(Bucket="upgrade-named", Key="b/etcd-0.snapshot.db", Body=b"x" * 38)
    s3.put_object(Bucket="upgrade-named", Key="b/manifest.json", Body=named.read_bytes())
    # and one whose snapshot matches its manifest in S3 (size, SHA256 checksum, ETag) but was never test-restored
    body = b"a snapshot"
    put = s3.put_object(Bucket="upgrade-named", Key="u/etcd-0.snapshot.db", Body=body, ChecksumAlgorithm="SHA256")
    untested = dict(member, bytes=len(body), sha256=hashlib.sha256(body).hexdigest(), restore_tested=False,
                    s3={"checksum_sha256": put["ChecksumSHA256"], "etag": put["ETag"].strip('"')})  # fmt: skip
    doc = json.loads(named.read_text())
    s3.put_object(Bucket="upgrade-named", Key="u/manifest.json", Body=json.dumps(dict(doc, members=[untested])))
    # and one whose snapshot has the size its manifest says but other bytes (S3's SHA256 checksum differs)
    s3.put_object(Bucket="upgrade-named", Key="c/etcd-0.snapshot.db", Body=b"b snapshot", ChecksumAlgorithm="SHA256")
    other = dict(untested, restore_tested=True)
    s3.put_object(Bucket="upgrade-named", Key="c/manifest.json", Body=json.dumps(dict(doc, members=[other])))
    hosts = {}
    for case, override, _words in BAD_INPUTS:
        hv = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "hostedcluster_upgrade_name": NAME,
            "hostedcluster_upgrade_kubeconfig": mgmt.kubeconfig,
            "hostedcluster_upgrade_target_version": NEW,
            "hostedcluster_upgrade_backup_dir": str(base / "backups"),
        }
        hv.update({k: v.format(named=named, s3=moto_server.endpoint_url) if isinstance(v, str) else v
                   for k, v in override.items()})  # fmt: skip
        hosts[case] = {k: v for k, v in hv.items() if v is not None}
    inv = base / "bad-inputs.json"
    inv.write_text(json.dumps({"hostedclusters": {"hosts": hosts}}))
    before = state(mgmt)
    res = run_playbook("ocp.day2.hostedcluster_upgrade", inventory=str(inv), forks=len(hosts))
    assert "Traceback" not in res.stdout + res.stderr
    fatal = {}
    for line in res.stdout.splitlines():
        if line.startswith("fatal: ["):
            fatal[line[len("fatal: [") :].split("]", 1)[0]] = line
    return fatal, before, state(mgmt), manifests(base)


@pytest.mark.parametrize("case, override, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_inputs_for_role_hostedcluster_upgrade(refused, case, override, words):
    fatal, before, after, backups = refused
    assert words in fatal.get(case, ""), "%s (%s): %s" % (case, override, fatal.get(case, "did not fail"))
    assert after == before and backups == []


def test_upgrade_with_faults_then_reruns(cluster):
    mgmt, base = cluster
    a, b = sorted(state(mgmt)["pools"])

    # run 1: backup, control plane started; its rollout is held past the wait's timeout
    mgmt.upgrade_hold = {("HostedCluster", NS, NAME)}
    res = upgrade(mgmt, base, hostedcluster_upgrade_control_plane_timeout=3)
    assert res.rc != 0 and "Timed out waiting for the control plane to reach 4.14.9" in res.stdout
    assert "history[0] is 4.14.9 Partial" in res.stdout and "Run the same playbook again" in res.stdout
    [manifest_path] = manifests(base)
    with open(manifest_path) as f:
        manifest = json.load(f)
    for member in manifest["members"]:  # the gating backup is there and good
        path = os.path.join(os.path.dirname(manifest_path), member["file"])
        assert sha256_file(path) == member["sha256"]
    assert manifest["release"]["image"] == IMAGE % OLD
    after1 = state(mgmt)
    gen, image, annotations = after1["hc"]
    assert image == IMAGE % NEW and json.loads(annotations[GATE])["backup_id"] == manifest["backup_id"]
    assert {p[1] for p in after1["pools"].values()} == {IMAGE % OLD}
    events = mgmt.upgrade_events
    started = next(t for t, kind, _n, what in events if kind == "HostedCluster" and what == "Partial " + NEW)
    assert manifest["finished_at"] <= _iso(started)  # the backup was done before spec.release.image changed

    # run 2: continues (no second backup, no second patch), pool a done, pool b held past its timeout
    mgmt.upgrade_hold = {("NodePool", NS, b)}
    res = upgrade(mgmt, base, hostedcluster_upgrade_nodepool_timeout=6)  # pool a needs ~1 s, b is held
    assert res.rc != 0 and "Timed out waiting for the nodepools" in res.stdout and "NodePool %s" % b in res.stdout
    after2 = state(mgmt)
    assert len(manifests(base)) == 1 and after2["hc"][0] == gen
    assert after2["pools"][a][1] == after2["pools"][b][1] == IMAGE % NEW
    pool_a = mgmt.get(HYPERSHIFT, "NodePool", a, NS)
    assert pool_a["status"]["version"] == NEW and pool_a["spec"]["nodeDrainTimeout"] == "60s"

    # run 3: finishes; nothing done before is touched again
    mgmt.upgrade_hold = set()
    res = upgrade(mgmt, base)
    assert res.rc == 0, res.stdout
    after3 = state(mgmt)
    assert after3["hc"] == after2["hc"] and after3["pools"] == after2["pools"] and len(manifests(base)) == 1
    for name in (a, b):
        pool = mgmt.get(HYPERSHIFT, "NodePool", name, NS)
        updating = {c["type"]: c["status"] for c in pool["status"]["conditions"]}["UpdatingVersion"]
        assert pool["status"]["version"] == NEW and updating == "False"
    hc = mgmt.get(HYPERSHIFT, "HostedCluster", NAME, NS)
    assert hc["status"]["version"]["history"][0]["state"] == "Completed"
    order = [(kind, n, what) for _t, kind, n, what in sorted(mgmt.upgrade_events) if NEW in what]
    assert order == [
        ("HostedCluster", NAME, "Partial " + NEW),
        ("HostedCluster", NAME, "Completed " + NEW),
        ("NodePool", a, "Partial " + NEW),
        ("NodePool", a, "Completed " + NEW),
        ("NodePool", b, "Partial " + NEW),
        ("NodePool", b, "Completed " + NEW),
    ]


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _iso(ts):
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
