#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: etcd_snapshot
short_description: Take, verify and deliver an etcd v3 snapshot (hosted control plane pod or etcd host)
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Takes an etcd v3 snapshot with C(etcdctl snapshot save), either inside an etcd pod of a hosted control
    plane through the Kubernetes exec API (I(mode=pod)), or on the host where the module runs, such as an
    OpenShift 3.11 master or etcd host (I(mode=host)).
  - Verifies it with C(snapshot status -w json) (C(etcdutl) where present, etcd 3.5 and later, else C(etcdctl))
    and a sha256 computed where the file is written (C(sha256sum) in the pod, Python on the host), then again
    where it lands. A mismatch fails the task; a snapshot is never reported good without both checks.
  - Delivers it to I(dest) and/or to S3. Pod to controller transfer is binary safe and streamed in chunks, so
    memory stays bounded whatever the snapshot size. S3 uploads use SigV4 only, one SHA256 checksum per part,
    and are verified against the checksum S3 stored. AWS credentials never enter the pod.
  - Removes its temporary snapshot file in the pod or on the host afterwards, also on failure.
  - kubernetes.core's M(kubernetes.core.k8s_exec) and M(kubernetes.core.k8s_cp) fall short here
    (k8s_exec keeps the whole output in memory, k8s_cp has no checksum, neither uploads to S3 without
    a copy on disk), hence this module. Every run takes a new snapshot; see the notes.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - amazon.aws.common.modules
  - amazon.aws.region.modules
options:
  mode:
    description:
      - C(pod) runs etcdctl inside an etcd pod through the Kubernetes API (hosted control planes).
      - C(host) runs etcdctl on the host where the module runs (OpenShift 3.11 etcd hosts).
    type: str
    choices: [pod, host]
    default: pod
  namespace:
    description: Namespace of the etcd pod, the hosted control plane namespace. Required when I(mode=pod).
    type: str
  pod:
    description: Name of the etcd pod.
    type: str
    default: etcd-0
  container:
    description: Container of I(pod) that runs etcd and has etcdctl.
    type: str
    default: etcd
  pod_cacert:
    description:
      - CA bundle of the etcd server certificates, a path inside the container.
      - The default is where HyperShift mounts ConfigMap C(etcd-ca) in the etcd container. Hosted control planes
        before 4.12 kept the CA in the client Secret, at C(/etc/etcd/tls/client/etcd-client-ca.crt) (the path
        the seeds' DR scripts still use); set it for those.
    type: str
    default: /etc/etcd/tls/etcd-ca/ca.crt
  pod_cert:
    description: Client certificate, a path inside the container.
    type: str
    default: /etc/etcd/tls/client/etcd-client.crt
  pod_key:
    description: Client key, a path inside the container. Only the path is used; the key never leaves the pod.
    type: str
    default: /etc/etcd/tls/client/etcd-client.key
  pod_endpoint:
    description: etcd client URL as seen from inside the container.
    type: str
    default: https://localhost:2379
  pod_tmp_dir:
    description: Directory inside the container where the temporary snapshot is written, then removed.
    type: str
    default: /var/lib/data
  endpoints:
    description:
      - etcd client URLs for I(mode=host). etcdctl snapshots one member; the first URL that succeeds is used,
        the next ones are fallbacks.
    type: list
    elements: str
    default: [https://127.0.0.1:2379]
  cacert:
    description: CA bundle for I(mode=host), a path on the host (C(/etc/etcd/ca.crt) on OpenShift 3.11).
    type: path
  cert:
    description: Client certificate for I(mode=host) (C(/etc/etcd/peer.crt) on OpenShift 3.11).
    type: path
  key:
    description: Client key for I(mode=host) (C(/etc/etcd/peer.key) on OpenShift 3.11). Only the path is used.
    type: path
  etcdctl_path:
    description:
      - etcdctl to run. Default is C(etcdctl) looked up on C(PATH) (of the host, or of the container in pod mode).
    type: str
  etcdutl_path:
    description:
      - etcdutl used for C(snapshot status) when present (etcd 3.5 and later). Default is C(etcdutl) looked up
        on C(PATH); when it is absent etcdctl is used.
    type: str
  tmp_dir:
    description: Directory on the host for the temporary snapshot in I(mode=host). Default is the system temp.
    type: path
  dest:
    description:
      - Path of the snapshot file on the node running the module (the controller in pod mode). Written to a
        hidden temporary file, verified, then renamed into place (replacing an older file). File mode 0600;
        missing parent directories are created 0700.
    type: path
  s3_bucket:
    description: S3 bucket to upload the snapshot to. It must exist. Requires I(s3_key).
    type: str
  s3_key:
    description: Object key in I(s3_bucket).
    type: str
  s3_sse:
    description: Server-side encryption of the S3 object.
    type: str
    choices: [AES256, aws:kms]
  s3_sse_kms_key_id:
    description: KMS key for I(s3_sse=aws:kms).
    type: str
  s3_presign_expiry:
    description: When set, return a presigned GET URL of the object valid this many seconds (for C(restoreSnapshotURL)).
    type: int
  region:
    aliases: [aws_region, s3_region]
  endpoint_url:
    description:
      - URL of an S3-compatible store instead of AWS S3 (alias I(s3_endpoint_url)).
      - The C(AWS_URL) environment variable may also be used.
    aliases: [aws_endpoint_url, s3_endpoint_url]
  validate_certs:
    description:
      - Whether to verify TLS certificates, of the Kubernetes API server and of the S3 endpoint alike.
      - When unset, the kubeconfig decides for the API server (or C(K8S_AUTH_VERIFY_SSL)) and S3 certificates
        are verified.
    type: bool
    default: null
  member:
    description: Name of the member for the artifact record. Default is the pod name, or the endpoint used in host mode.
    type: str
  timeout:
    description: Seconds allowed for the whole operation (snapshot, checks, transfer, upload), all members included.
    type: int
    default: 900
  members:
    description:
      - Snapshot several etcd pods in one task, concurrently (I(mode=pod) only). Each member is taken, verified and
        delivered on its own (its own exec streams, file and S3 upload), at most I(concurrency) at a time.
      - Mutually exclusive with I(pod), I(dest), I(s3_key) and I(member), which are given per member instead.
        I(s3_bucket), TLS, tools, S3 and timeout options apply to every member.
      - All or nothing in the report. When a member fails, the task fails naming each failed member and its
        cause, returns RV(artifacts) of the members that succeeded and RV(failed_members); what a failed member had
        delivered is removed and its temporary file in the pod is deleted.
    type: list
    elements: dict
    suboptions:
      pod:
        description: Name of the etcd pod.
        type: str
        required: true
      dest:
        description: Path of this member's snapshot file on the controller (same rules as I(dest)).
        type: path
      s3_key:
        description: Object key of this member's snapshot in I(s3_bucket).
        type: str
      member:
        description: Name of the member for the artifact record. Default is the pod name.
        type: str
  secrets:
    description:
      - With I(members), Secrets saved beside the snapshots before any is taken (a hosted cluster's etcd encryption
        keys, without which a snapshot cannot be read after a restore). Each is read through the Kubernetes API and
        written as JSON (apiVersion, kind, name, namespace, type, data; sorted keys, 2-space indent) to its I(dest)
        (0600, missing directories 0700) and/or I(s3_key), each verified by sha256; all or nothing.
      - The key material never leaves the module; RV(secrets) has where each went and its checksums only.
      - One task instead of M(kubernetes.core.k8s_info) plus M(ansible.builtin.copy) and M(amazon.aws.s3_object)
        per Secret, and the Secret data never passes through Ansible variables.
    type: list
    elements: dict
    version_added: 0.4.0
    suboptions:
      name: {description: Name of the Secret., type: str, required: true}
      namespace: {description: Its namespace., type: str, required: true}
      dest: {description: Path of the JSON file on the controller., type: path}
      s3_key: {description: Object key in I(s3_bucket)., type: str}
  manifest:
    description:
      - With I(members), a backup manifest composed, written and read back in this run, once every member and every
        Secret of I(secrets) is delivered and verified; a manifest that cannot be written or does not match what
        is on disk fails the run (and is removed).
      - The manifest is I(content) with C(members) (one record per member, no presigned URL), C(encryption.keys)
        (one record per Secret saved, with its role, name, file and checksums, never the key) and
        C(finished_at) filled in, and C(destinations.s3_region) set to the bucket's own region.
      - It is written as JSON (sorted keys, 2-space indent, as Ansible's C(to_nice_json(indent=2)), a newline at
        the end) to I(dest), 0600 through a temporary file and a rename, missing directories 0700.
      - Then every file on disk is read back where it landed; the manifest and each Secret file are hashed
        again, each snapshot file is checked for mode 0600 and size (its sha256 was computed from the landed file).
      - Saves a playbook one task to write the manifest and another to read the files back.
    type: dict
    version_added: 0.5.0
    suboptions:
      dest:
        description: Path of the manifest file on the controller; without it the manifest is only returned.
        type: path
      content:
        description: The manifest's other fields; must not hold C(members) or C(finished_at).
        type: dict
        required: true
      key_roles:
        description: The C(role) of each Secret's record (for example C(active), C(backup)), by Secret name.
        type: dict
        default: {}
  concurrency:
    description: How many members of I(members) are snapshotted at the same time.
    type: int
    default: 3
  test_restore:
    description:
      - After delivery, restore every snapshot into a scratch data directory (C(etcdutl snapshot restore), or
        C(etcdctl snapshot restore) where there is no etcdutl, etcd 3.4), start nothing, and compare it with the
        original's C(snapshot status). The restore checks the sha256 etcd appends to every snapshot, so a bit flip or
        a cut file fails here even when C(snapshot status) reads it.
      - Compared are the revision and, on the node, the data (every key and value of the key, lease, auth and alarm
        buckets, counted and hashed on both sides). The restore rewrites the membership and meta buckets by design,
        so C(snapshot status)'s hash and key count of the restored database are recorded, not required to be equal.
      - A failed test-restore fails the task, naming the member and the cause; what was delivered is kept for
        inspection (RV(kept)) and the scratch directory is removed.
      - The input is the delivered file (I(dest)) where there is one, else the local copy that was uploaded (host
        mode) or a private spool of the stream that went to S3 (pod mode, removed afterwards); nothing is downloaded
        again. Costs about 0.1 second for a small database.
    type: bool
    default: true
  test_restore_location:
    description:
      - Where the test-restore runs in I(mode=pod). C(node) on the node running the module (the controller), with
        the etcdutl or etcdctl on its C(PATH) (the collection's execution environment ships etcdctl); C(pod) in the
        etcd container, from its temporary snapshot, where only the revision can be compared; C(auto) is C(node)
        when a tool is found there, else C(pod).
      - In I(mode=host) the test-restore always runs on the host, with the etcdutl or etcdctl found there.
    type: str
    choices: [auto, node, pod]
    default: auto
  test_restore_dir:
    description:
      - Directory on the node running the module under which the scratch data directory (0700) and the pod-mode
        spool are made, then removed. Needs room for about twice the snapshot. Default is I(tmp_dir) or the
        system temp.
    type: path
notes:
  - Never idempotent by design, every run takes a new snapshot and reports C(changed=true) when it was delivered.
  - Options are checked before anything is run or written (an empty string, a path that is a directory where a file
    is expected, a malformed URL, bucket or Kubernetes name is refused). In host mode each endpoint must accept a TCP
    connection within 3 seconds before etcdctl runs, so an unreachable etcd fails in seconds whatever I(timeout) is.
  - The AWS access key id is treated as a secret (hidden from logs). The C(AWS_REGION), C(AWS_DEFAULT_REGION) and
    C(AWS_URL) variables are used only when no region or endpoint option is given.
  - When the module is terminated (SIGTERM, SIGINT, SIGHUP) it removes its temporary files, stops etcdctl and fails.
  - Check mode takes no snapshot and writes nothing; it checks the pod and container (pod mode), the TLS files
    and tools (host mode) and the bucket, and returns what it would do in C(would_snapshot) and C(would_deliver).
  - The etcd container needs C(env), C(cat), C(sha256sum) and C(rm) (the OpenShift etcd image has them).
  - See C(docs/etcd_snapshot.md) in the collection for the test-restore and where it runs.
  - With temporary AWS credentials the presigned URL embeds I(aws_session_token); Ansible masks that secret in
    the task result, which makes such a URL unusable. Presign with credentials that have no session token.
  - The module class stacks kubernetes.core's AnsibleK8SModule on amazon.aws's AnsibleAWSModule, so both
    collections' auth options, environment fallbacks and clients are used as they are.
requirements:
  - kubernetes (pod mode)
  - boto3 (when uploading to S3)
"""

EXAMPLES = r"""
- name: Snapshot etcd-0 of a hosted control plane to the controller and to S3
  ocp.day2.etcd_snapshot:
    namespace: clusters-example
    pod: etcd-0
    dest: /backups/example/etcd-0.db
    s3_bucket: example-etcd-backups
    s3_key: example/etcd-0.db
    s3_region: us-east-2
    s3_sse: AES256
    s3_presign_expiry: 3600
  register: snap

- name: Snapshot the three members of an HA hosted control plane at once, to disk and S3
  ocp.day2.etcd_snapshot:
    namespace: clusters-example
    members:
      - {pod: etcd-0, dest: /backups/example/etcd-0.db, s3_key: example/etcd-0.db}
      - {pod: etcd-1, dest: /backups/example/etcd-1.db, s3_key: example/etcd-1.db}
      - {pod: etcd-2, dest: /backups/example/etcd-2.db, s3_key: example/etcd-2.db}
    s3_bucket: example-etcd-backups
    s3_region: us-east-2
  register: snaps

- name: Back up etcd on an OpenShift 3.11 master (runs on the host)
  become: true
  ocp.day2.etcd_snapshot:
    mode: host
    endpoints: ["https://{{ ansible_default_ipv4.address }}:2379"]
    cacert: /etc/etcd/ca.crt
    cert: /etc/etcd/peer.crt
    key: /etc/etcd/peer.key
    tmp_dir: /var/lib/etcd
    dest: "/backup/etcd-{{ inventory_hostname }}.db"
"""

RETURN = r"""
artifact:
  description: The record of the snapshot delivered (absent in check mode).
  returned: success, not in check mode
  type: dict
  contains:
    member: {description: Member name, type: str, sample: etcd-0}
    revision: {description: etcd revision in the snapshot, type: int, sample: 12345}
    hash: {description: The snapshot's hash from C(snapshot status), type: int, sample: 3361405138}
    total_keys: {description: Keys in the snapshot, type: int, sample: 5000}
    total_size: {description: Database size from C(snapshot status), type: int, sample: 2482176}
    bytes: {description: Bytes delivered, type: int, sample: 2482208}
    sha256:
      description: sha256 of the snapshot file (hex).
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    dest: {description: 'Absolute path of the file written, or null', type: str, sample: /backups/example/etcd-0.db}
    s3:
      description:
        - Where the object went, or null.
        - C(region) is the bucket's own region as S3 reports it (C(HeadBucket)), which may differ from I(region);
          presign later URLs for it.
      type: dict
      sample: {bucket: b, key: example/etcd-0.db, endpoint_url: null, region: eu-west-1, etag: "d41d-1",
               checksum_sha256: "n4bQ...=-1", presigned_url: "https://b.s3.amazonaws.com/..."}
    duration: {description: Seconds the whole operation took, type: float, sample: 4.2}
    taken_at: {description: When the snapshot was taken (RFC3339 UTC), type: str, sample: "2025-01-01T03:00:00Z"}
    tool: {description: Tool that ran C(snapshot status), type: str, sample: etcdctl}
    source: {description: The pod (namespace/pod/container) or the etcd endpoint the snapshot came from, type: str}
    restore_tested: {description: Whether the snapshot passed a test-restore (false when it is off), type: bool}
    restore_test:
      description:
        - The test-restore's record, or null when I(test_restore=false).
        - C(tool) and C(where) (C(node) or C(pod)); C(revision), C(total_keys), C(hash) of the original
          (C(snapshot status)); C(restored_revision), C(restored_total_keys) of the restored database (and
          C(restored_hash) in the pod); C(data_keys) and C(data_sha256) (on the node); C(compared), the checks
          made; C(duration).
      type: dict
      sample: {restore_tested: true, tool: etcdctl, where: node, revision: 2, total_keys: 24, hash: 3264711836,
               restored_revision: 2, restored_total_keys: 24, data_keys: 21,
               data_sha256: d07a209a02b8b3735b8259a8360f8247aca43c6e290571853fa18b60942d5c9c,
               compared: [restore (sha256 appended by etcd), revision, data keys, data sha256], duration: 0.1}
artifacts:
  description:
    - With I(members), one record per member that succeeded, in the order of I(members); the keys of RV(artifact).
    - On failure, the members that were delivered (the failed ones are in RV(failed_members)).
  returned: success with members, and on failure with members
  type: list
  elements: dict
secrets:
  description: With I(secrets), one record per Secret saved (also on a failure of a member, for what was saved).
  returned: when I(secrets) is given
  type: list
  elements: dict
  contains:
    name: {description: Name of the Secret., type: str}
    namespace: {description: Its namespace., type: str}
    dest: {description: 'The file written, or null.', type: str}
    s3: {description: "bucket, key, etag, checksum_sha256 of the object, or null.", type: dict}
    sha256: {description: sha256 of the JSON text., type: str}
    md5: {description: MD5 of the JSON text (what S3 answers as ETag for a small unencrypted-by-KMS object)., type: str}
    bytes: {description: Size of the JSON text., type: int}
would_save_secrets:
  description: In check mode, where each of I(secrets) would go.
  returned: check mode with I(secrets)
  type: list
  elements: dict
manifest:
  description: With I(manifest), the manifest as written (see I(manifest)).
  returned: success with I(manifest)
  type: dict
manifest_file:
  description: With I(manifest), the manifest file's record.
  returned: success with I(manifest)
  type: dict
  contains:
    file: {description: C(manifest.json)., type: str}
    dest: {description: 'The file written, or null.', type: str}
    bytes: {description: Size of the JSON text., type: int}
    sha256: {description: sha256 of the JSON text., type: str}
    md5: {description: MD5 of the JSON text., type: str}
manifest_failed:
  description:
    - With I(manifest), true when every snapshot was delivered but the manifest could not be written or the files
      did not read back against it; taking the snapshots again would not help (a playbook's retry loop stops).
  returned: failure of the manifest
  type: bool
would_write_manifest:
  description: In check mode with I(members), where the manifest would be written, or null.
  returned: check mode with members
  type: str
failed_members:
  description:
    - With I(members), the members that failed and why; nothing of theirs was kept.
    - Named so because Ansible sets C(failed=true) on every failed task.
  returned: failure with members
  type: list
  elements: dict
  sample: [{pod: etcd-2, msg: "etcdctl snapshot save failed in container etcd of pod ns/etcd-2 ..."}]
kept:
  description: When the test-restore failed (single member), what was delivered and is kept for inspection.
  returned: failure of the test-restore
  type: list
  elements: str
restore_test_failed:
  description: With I(members), the pods whose snapshot failed its test-restore (their RV(failed_members) has C(kept)).
  returned: failure with members
  type: list
  elements: str
would_test_restore:
  description:
    - In check mode, where the test-restore would run (C(node), C(pod)), or null when it is off.
    - With I(members), a list with one such value per member.
  returned: check mode
  type: raw
would_snapshot:
  description: In check mode, where the snapshot would be taken (a list with I(members)).
  returned: check mode
  type: dict
  sample: {mode: pod, member: etcd-0, namespace: clusters-example, pod: etcd-0, container: etcd}
would_deliver:
  description: In check mode, where the snapshot would be delivered (a list with I(members)).
  returned: check mode
  type: dict
  sample: {dest: /backups/example/etcd-0.db, s3: {bucket: b, key: example/etcd-0.db}}
"""

from ansible_collections.ocp.day2.plugins.module_utils.etcd.snapshot import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule

try:
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
except ImportError:  # pragma: no cover - amazon.aws is a declared dependency of the collection
    AnsibleAWSModule = None


def main():
    module = Day2K8sModule(
        module_class=AnsibleAWSModule,
        check_k8s=False,  # pod mode checks for kubernetes itself; host mode runs without it
        check_pyyaml=False,
        check_boto3=False,  # checked only when uploading to S3
        argument_spec=argument_spec(),
        required_if=[("mode", "pod", ["namespace"])],
        mutually_exclusive=[("members", "pod"), ("members", "dest"), ("members", "s3_key"), ("members", "member")],
        supports_check_mode=True,
    )
    module.run(execute)


if __name__ == "__main__":
    main()
