"""etcd_snapshot host mode through ansible-playbook, with the collection installed.

Real etcd with TLS (etcd_tls fixture), real etcdctl, moto on loopback for S3. The snapshot is restored
into a new etcd and every key and value compared; the S3 object and the presigned URL are checked
independently of the module.
"""

import base64
import hashlib
import json
import os
import stat
import urllib.request

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import restore_snapshot, seed_keys
from tests.harness.moto import FAKE_AWS_ENV
from tests.harness.net import free_port

BUCKET = "etcd-backups"
KEY_COUNT = 3000
VALUE_SIZE = 3500  # ~10 MiB of values: the upload needs more than one multipart part

SNAPSHOT_PLAY = """
- name: Snapshot etcd on this host
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Take, verify and deliver the snapshot
      ocp.day2.etcd_snapshot:
        mode: host
        endpoints: "{{ endpoints }}"
        cacert: "{{ cacert }}"
        cert: "{{ cert }}"
        key: "{{ key }}"
        tmp_dir: "{{ tmp_dir }}"
        dest: "{{ dest }}"
        member: master-0
        s3_bucket: "{{ bucket }}"
        s3_key: cluster-a/etcd-master-0.db
        s3_endpoint_url: "{{ s3_url }}"
        s3_region: us-east-1
        s3_sse: AES256
        s3_presign_expiry: 900
        aws_access_key: "{{ access_key }}"
        aws_secret_key: "{{ secret_key }}"
      register: snap

    - name: Save the result for the test
      ansible.builtin.copy:
        content: "{{ snap | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""

FAILURES_PLAY = """
- name: etcd_snapshot failures and check mode
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    ocp.day2.etcd_snapshot:
      mode: host
      endpoints: "{{ endpoints }}"
      cacert: "{{ cacert }}"
      cert: "{{ cert }}"
      key: "{{ key }}"
      tmp_dir: "{{ tmp_dir }}"
      s3_endpoint_url: "{{ s3_url }}"
      s3_region: us-east-1
  tasks:
    - name: Missing bucket
      ocp.day2.etcd_snapshot:
        s3_bucket: no-such-bucket
        s3_key: x.db
      register: missing_bucket
      ignore_errors: true

    - name: Unreachable S3 endpoint
      ocp.day2.etcd_snapshot:
        s3_bucket: "{{ bucket }}"
        s3_key: x.db
        s3_endpoint_url: "http://127.0.0.1:{{ dead_port }}"
      register: s3_down
      ignore_errors: true

    - name: Unreachable etcd
      ocp.day2.etcd_snapshot:
        endpoints: ["https://127.0.0.1:{{ dead_port }}"]
        dest: "{{ out_dir }}/unreachable.db"
        timeout: 600
      register: unreachable
      ignore_errors: true

    - name: Bad certificate path
      ocp.day2.etcd_snapshot:
        cert: /nonexistent/etcd/peer.crt
        dest: "{{ out_dir }}/badcert.db"
      register: bad_cert
      ignore_errors: true

    - name: Neither dest nor S3
      ocp.day2.etcd_snapshot: {}
      register: nowhere
      ignore_errors: true

    - name: Check mode
      ocp.day2.etcd_snapshot:
        dest: "{{ out_dir }}/checkmode.db"
        s3_bucket: "{{ bucket }}"
        s3_key: checkmode.db
      check_mode: true
      register: checkmode

    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {'missing_bucket': missing_bucket, 's3_down': s3_down, 'unreachable': unreachable,
                      'bad_cert': bad_cert, 'nowhere': nowhere, 'checkmode': checkmode} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


def common_vars(etcd, moto, tmp_path):
    tmp_dir = tmp_path / "work"
    tmp_dir.mkdir(exist_ok=True)
    return {
        "endpoints": etcd.endpoints,
        "cacert": etcd.ca.cert,
        "cert": etcd.client.cert,
        "key": etcd.client.key,
        "tmp_dir": str(tmp_dir),
        "s3_url": moto.endpoint_url,
        "bucket": BUCKET,
        "result_file": str(tmp_path / "result.json"),
    }


def s3_composite(s3, key):
    """S3's SHA256 checksum of an object, recomputed from its parts as S3 reports them (independent of the module).

    Part boundaries come from HeadObject(PartNumber=n); the bytes from one GetObject (moto serves the whole
    object for GetObject(PartNumber=n), so the parts are cut from it).
    """
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    parts = s3.head_object(Bucket=BUCKET, Key=key, PartNumber=1).get("PartsCount")
    if not parts:
        return base64.b64encode(hashlib.sha256(body).digest()).decode()
    digests, offset = [], 0
    for n in range(1, parts + 1):
        length = s3.head_object(Bucket=BUCKET, Key=key, PartNumber=n)["ContentLength"]
        digests.append(hashlib.sha256(body[offset : offset + length]).digest())
        offset += length
    assert offset == len(body)
    return "%s-%d" % (base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode(), parts)


def test_host_snapshot_dest_s3_restore_and_no_secret(etcd_tls, moto, tmp_path, installed_collection):
    seeded = seed_keys(KEY_COUNT, size=VALUE_SIZE)
    etcd_tls.put_many(seeded)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    dest = tmp_path / "backups" / "cluster-a" / "etcd-master-0.db"
    extra = dict(
        common_vars(etcd_tls, moto, tmp_path),
        dest=str(dest),
        access_key=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        secret_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    env = {k: v for k, v in moto.env.items() if not k.startswith("AWS_SECRET")}
    result = run_playbook(write_playbook(tmp_path, SNAPSHOT_PLAY), extra_vars=extra, env=env, verbosity=3)
    assert result.rc == 0, result
    # The secret went in as a module argument and must not come out, even at -vvv.
    assert FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in result.output

    snap = json.loads((tmp_path / "result.json").read_text())
    art = snap["artifact"]
    assert snap["changed"] is True
    data = dest.read_bytes()
    assert art["sha256"] == hashlib.sha256(data).hexdigest() and art["bytes"] == len(data) > 8 * 1024 * 1024
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert art["member"] == "master-0" and art["source"] == etcd_tls.endpoints[0] and art["tool"] == "etcdctl"
    assert art["total_keys"] >= KEY_COUNT and art["revision"] >= KEY_COUNT
    assert os.listdir(extra["tmp_dir"]) == []  # temporary snapshot removed

    # S3: bytes, the module's checksum and S3's stored checksum against one recomputed from the parts.
    key = "cluster-a/etcd-master-0.db"
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    assert obj["Body"].read() == data and obj["ServerSideEncryption"] == "AES256"
    assert obj["Metadata"]["sha256"] == art["sha256"]
    independent = s3_composite(s3, key)
    assert independent.endswith("-%d" % art["s3"]["parts"]) and art["s3"]["parts"] >= 2
    stored = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")["ChecksumSHA256"]
    assert art["s3"]["checksum_sha256"] == independent
    assert stored.split("-")[0] == independent.split("-")[0]

    # The presigned URL serves the same bytes as dest.
    url = art["s3"]["presigned_url"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=900" in url
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.read() == data

    # Restore into a new etcd and compare every key and value.
    restored = restore_snapshot(str(dest), str(tmp_path / "restored"))
    try:
        got = restored.get_all()
    finally:
        restored.stop()
    expected = etcd_tls.get_all()
    assert len(expected) == KEY_COUNT and got == expected
    assert got == {k.encode(): v for k, v in seeded.items()}


def test_host_failures_and_check_mode(etcd_tls, moto, tmp_path, installed_collection):
    moto.client("s3").create_bucket(Bucket=BUCKET)
    out_dir = tmp_path / "out"
    extra = dict(common_vars(etcd_tls, moto, tmp_path), dead_port=free_port(), out_dir=str(out_dir))
    result = run_playbook(write_playbook(tmp_path, FAILURES_PLAY), extra_vars=extra, env=moto.env)
    assert result.rc == 0, result
    res = json.loads((tmp_path / "result.json").read_text())

    assert res["missing_bucket"]["failed"]
    assert "S3 bucket 'no-such-bucket' does not exist" in res["missing_bucket"]["msg"]
    assert "Create it first" in res["missing_bucket"]["msg"]

    assert res["s3_down"]["failed"]
    assert "Cannot reach S3 at http://127.0.0.1:%d" % extra["dead_port"] in res["s3_down"]["msg"]

    assert res["unreachable"]["failed"]
    msg = res["unreachable"]["msg"]
    assert "snapshot save failed on every endpoint" in msg and str(extra["dead_port"]) in msg
    assert "Connection refused" in msg  # a TCP connect first, not snapshot save's 600 s command timeout
    assert "etcd did not answer" in msg

    assert res["bad_cert"]["failed"]
    assert "cert=/nonexistent/etcd/peer.crt does not exist on this host" in res["bad_cert"]["msg"]

    assert res["nowhere"]["failed"] and "Nowhere to deliver the snapshot" in res["nowhere"]["msg"]

    check = res["checkmode"]
    assert check["changed"] and not check.get("failed") and "artifact" not in check
    assert check["would_deliver"]["s3"]["bucket"] == BUCKET and check["would_snapshot"]["mode"] == "host"

    # Nothing written anywhere, no object uploaded, no temporary file left.
    assert not out_dir.exists() or os.listdir(out_dir) == []
    assert moto.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert os.listdir(extra["tmp_dir"]) == []
    assert FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in result.output
