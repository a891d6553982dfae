"""etcd_snapshot pod mode through ansible-playbook, on the simulated management cluster (tests/sim).

The module execs real etcdctl inside the hosted control plane's etcd-0 pod over the Kubernetes
websocket exec API (real HTTPS), streams the snapshot to the controller and to moto S3. The snapshot is
restored into a new etcd and compared key by key. Skips only while tests/sim cannot be imported.
"""

import hashlib
import json
import os
import pathlib
import stat
import urllib.request

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import restore_snapshot, seed_keys
from tests.harness.moto import FAKE_AWS_ENV

BUCKET = "hcp-etcd-backups"

PLAYBOOK = """
- name: Snapshot a hosted control plane's etcd
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Snapshot etcd
      ocp.day2.etcd_snapshot:
        namespace: "{{ hcp_namespace }}"
        pod: "{{ pod | default('etcd-0') }}"
        container: "{{ container | default('etcd') }}"
        dest: "{{ dest | default(omit) }}"
        s3_bucket: "{{ bucket | default(omit) }}"
        s3_key: "{{ s3_key | default(omit) }}"
        s3_endpoint_url: "{{ s3_url | default(omit) }}"
        s3_region: us-east-1
        s3_presign_expiry: "{{ presign | default(omit) }}"
        aws_access_key: "{{ access_key | default(omit) }}"
        aws_secret_key: "{{ secret_key | default(omit) }}"
        timeout: 300
      register: snap
      ignore_errors: true

    - name: Save the result for the test
      ansible.builtin.copy:
        content: "{{ snap | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


@pytest.fixture
def mgmt(request, tmp_path, moto):
    """The simulated management cluster: the shared `mgmt_cluster` fixture once it exists, else our own."""
    pytest.importorskip(
        "tests.sim.cluster",
        reason="the simulated management cluster (tests/sim) is not there yet",
        exc_type=ImportError,
    )
    try:
        yield request.getfixturevalue("mgmt_cluster")
        return
    except pytest.FixtureLookupError:
        pass
    from tests.sim.cluster import ManagementCluster

    cluster = ManagementCluster(tmp_path / "mgmt", moto=moto).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def hc(mgmt):
    return mgmt.create_hosted_cluster(name="snap", namespace="clusters", availability="SingleReplica")


def etcd_cluster(hc):
    """The hosted cluster's real etcd as a tests.harness.etcd.EtcdCluster (put_many / get_all)."""
    etcd = hc.etcd
    return getattr(etcd, "cluster", etcd)


def run(tmp_path, mgmt, check=False, verbosity=0, **extra):
    result_file = tmp_path / "result.json"
    if result_file.exists():
        result_file.unlink()
    extra["result_file"] = str(result_file)
    env = {"K8S_AUTH_KUBECONFIG": str(mgmt.kubeconfig)}
    proc = run_playbook(
        write_playbook(tmp_path, PLAYBOOK), extra_vars=extra, env=env, check=check, verbosity=verbosity, timeout=600
    )
    assert proc.rc == 0, proc
    return json.loads(result_file.read_text()), proc


def leftover_snapshots(mgmt, hc, pod="etcd-0"):
    """ocp-day2 temporary snapshots left in the pod's /var/lib/data (the PVC's directory on this machine)."""
    pvc = mgmt.get("v1", "PersistentVolumeClaim", "data-" + pod, hc.hcp_namespace) or {}
    path = ((pvc.get("metadata") or {}).get("annotations") or {}).get("sim.ocp.day2/host-path")
    assert path and os.path.isdir(path), "cannot find the PVC directory of %s" % pod
    found = []
    for _root, _dirs, files in os.walk(path):
        found += [f for f in files if f.startswith("ocp-day2-snapshot-")]
    return found


def test_pod_snapshot_to_dest_and_s3_then_restore(tmp_path, mgmt, hc, moto, installed_collection):
    seeded = seed_keys(2000, prefix="/kubernetes.io/configmaps/snap/", size=512)
    etcd_cluster(hc).put_many(seeded)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    dest = tmp_path / "backups" / "etcd-0.db"
    result, proc = run(
        tmp_path,
        mgmt,
        verbosity=3,
        hcp_namespace=hc.hcp_namespace,
        dest=str(dest),
        bucket=BUCKET,
        s3_key="snap/etcd-0.db",
        s3_url=moto.endpoint_url,
        presign=600,
        access_key=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        secret_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    assert not result.get("failed"), result
    assert FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in proc.output
    art = result["artifact"]
    data = dest.read_bytes()
    assert art["sha256"] == hashlib.sha256(data).hexdigest() and art["bytes"] == len(data)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert art["member"] == "etcd-0" and art["source"] == "%s/etcd-0:etcd" % hc.hcp_namespace
    assert art["tool"] in ("etcdctl", "etcdutl") and art["total_keys"] >= len(seeded)
    assert s3.get_object(Bucket=BUCKET, Key="snap/etcd-0.db")["Body"].read() == data
    with urllib.request.urlopen(art["s3"]["presigned_url"], timeout=30) as resp:
        assert resp.read() == data
    assert leftover_snapshots(mgmt, hc) == []

    restored = restore_snapshot(str(dest), str(tmp_path / "restored"))
    try:
        got = restored.get_all()
    finally:
        restored.stop()
    for key, value in seeded.items():
        assert got[key.encode()] == value
    assert got == etcd_cluster(hc).get_all()


def test_pod_errors_and_check_mode(tmp_path, mgmt, hc, installed_collection):
    result = run(tmp_path, mgmt, hcp_namespace=hc.hcp_namespace, pod="etcd-9", dest=str(tmp_path / "x.db"))[0]
    assert result["failed"] and "Pod etcd-9 not found in namespace %s" % hc.hcp_namespace in result["msg"]

    result = run(tmp_path, mgmt, hcp_namespace=hc.hcp_namespace, container="nope", dest=str(tmp_path / "x.db"))[0]
    assert result["failed"] and "Container nope not found in pod" in result["msg"] and "etcd" in result["msg"]

    result = run(tmp_path, mgmt, check=True, hcp_namespace=hc.hcp_namespace, dest=str(tmp_path / "x.db"))[0]
    assert not result.get("failed"), result
    assert result["changed"] and result["would_snapshot"]["pod"] == "etcd-0" and "artifact" not in result
    assert not (tmp_path / "x.db").exists() and leftover_snapshots(mgmt, hc) == []


MEMBERS_PLAYBOOK = """
- name: Snapshot every member of an HA hosted control plane in one task
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Snapshot the members concurrently
      ocp.day2.etcd_snapshot:
        namespace: "{{ hcp_namespace }}"
        members: "{{ members }}"
        s3_bucket: "{{ bucket }}"
        s3_endpoint_url: "{{ s3_url }}"
        s3_region: us-east-1
        aws_access_key: "{{ access_key }}"
        aws_secret_key: "{{ secret_key }}"
        timeout: 300
      register: snap
      ignore_errors: true

    - name: Save the result for the test
      ansible.builtin.copy:
        content: "{{ snap | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def run_members(tmp_path, mgmt, moto, hc, members):
    result_file = tmp_path / "members.json"
    result_file.unlink(missing_ok=True)
    extra = {
        "result_file": str(result_file),
        "hcp_namespace": hc.hcp_namespace,
        "members": members,
        "bucket": BUCKET,
        "s3_url": moto.endpoint_url,
        "access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        "secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    }
    env = {"K8S_AUTH_KUBECONFIG": str(mgmt.kubeconfig)}
    proc = run_playbook(write_playbook(tmp_path, MEMBERS_PLAYBOOK, "members.yml"), extra_vars=extra, env=env)
    assert proc.rc == 0, proc
    return json.loads(result_file.read_text())


def test_members_concurrently_to_disk_and_s3_and_one_failing(tmp_path, mgmt, moto, installed_collection):
    ha = mgmt.create_hosted_cluster(name="multi", namespace="clusters", availability="HighlyAvailable")
    etcd_cluster(ha).put_many(seed_keys(1000, prefix="/kubernetes.io/secrets/multi/", size=256), per_txn=100)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    pods = ["etcd-0", "etcd-1", "etcd-2"]
    members = [{"pod": p, "dest": str(tmp_path / "b" / (p + ".db")), "s3_key": "multi/%s.db" % p} for p in pods]

    result = run_members(tmp_path, mgmt, moto, ha, members)
    assert not result.get("failed"), result
    assert [a["member"] for a in result["artifacts"]] == pods
    for art in result["artifacts"]:
        data = pathlib.Path(art["dest"]).read_bytes()
        assert art["sha256"] == hashlib.sha256(data).hexdigest() and art["total_keys"] >= 1000
        assert s3.get_object(Bucket=BUCKET, Key=art["s3"]["key"])["Body"].read() == data
        assert art["s3"]["region"] == "us-east-1"
        assert art["source"] == "%s/%s:etcd" % (ha.hcp_namespace, art["member"])
    assert all(leftover_snapshots(mgmt, ha, p) == [] for p in pods)

    # a dest that is a directory is refused before any snapshot is taken (issue 14): nothing written anywhere
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "multi/%s.db" % p} for p in pods]})
    again = [dict(m, dest=str(tmp_path / "c" / (m["pod"] + ".db"))) for m in members]
    (tmp_path / "c" / "etcd-1.db").mkdir(parents=True)
    result = run_members(tmp_path, mgmt, moto, ha, again)
    assert result["failed"] and "is a directory" in result["msg"], result
    assert sorted(os.listdir(tmp_path / "c")) == ["etcd-1.db"] and not s3.list_objects_v2(Bucket=BUCKET).get("Contents")
    os.rmdir(tmp_path / "c" / "etcd-1.db")

    # etcd-1 and etcd-2 are dead: etcd-0's snapshot is delivered, theirs fail, nothing of theirs is left behind
    mgmt.kill_etcd_member(ha, 1)
    mgmt.kill_etcd_member(ha, 2)
    result = run_members(tmp_path, mgmt, moto, ha, again)
    assert result["failed"] and "2 of 3 etcd snapshots failed" in result["msg"], result
    assert [f["pod"] for f in result["failed_members"]] == ["etcd-1", "etcd-2"]
    assert [a["member"] for a in result["artifacts"]] == ["etcd-0"] and os.path.isfile(again[0]["dest"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == ["multi/etcd-0.db"]
    assert sorted(os.listdir(tmp_path / "c")) == ["etcd-0.db"]  # no temporary files either
    assert leftover_snapshots(mgmt, ha, "etcd-0") == []
