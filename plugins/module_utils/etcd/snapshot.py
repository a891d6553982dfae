# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd_snapshot module's argument spec and its execute(module): take, verify, deliver, clean up."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import tempfile
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.aws import s3_transfer
from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import apply_env_fallbacks, aws_spec_overrides
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd import manifest, restorecheck, secret_files
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import Delivery, FileSink
from ansible_collections.ocp.day2.plugins.module_utils.etcd.host import HostSource
from ansible_collections.ocp.day2.plugins.module_utils.etcd.members import validate_endpoint
from ansible_collections.ocp.day2.plugins.module_utils.k8s import auth_arg_spec

try:
    from ansible_collections.amazon.aws.plugins.module_utils.botocore import check_sdk_version_supported
    from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleBotocoreError
except ImportError:  # pragma: no cover - amazon.aws is a declared dependency
    check_sdk_version_supported = None
    AnsibleBotocoreError = Exception

# What a HyperShift etcd container mounts (control-plane-operator's etcd StatefulSet): Secret etcd-client-tls at
# /etc/etcd/tls/client (etcd-client.crt, etcd-client.key) and ConfigMap etcd-ca at /etc/etcd/tls/etcd-ca (ca.crt).
POD_TLS = "/etc/etcd/tls/client/"
POD_CACERT = "/etc/etcd/tls/etcd-ca/ca.crt"


def argument_spec():
    """kubernetes.core auth options + ours; AnsibleAWSModule adds its AWS options under them."""
    spec = auth_arg_spec()
    spec.update(
        mode={"type": "str", "choices": ["pod", "host"], "default": "pod"},
        namespace={"type": "str"},
        pod={"type": "str", "default": "etcd-0"},
        container={"type": "str", "default": "etcd"},
        pod_cacert={"type": "str", "default": POD_CACERT},
        pod_cert={"type": "str", "default": POD_TLS + "etcd-client.crt"},
        pod_key={"type": "str", "default": POD_TLS + "etcd-client.key", "no_log": False},
        pod_endpoint={"type": "str", "default": "https://localhost:2379"},
        pod_tmp_dir={"type": "str", "default": "/var/lib/data"},
        endpoints={"type": "list", "elements": "str", "default": ["https://127.0.0.1:2379"]},
        cacert={"type": "path"},
        cert={"type": "path"},
        key={"type": "path", "no_log": False},
        etcdctl_path={"type": "str"},
        etcdutl_path={"type": "str"},
        tmp_dir={"type": "path"},
        dest={"type": "path"},
        s3_bucket={"type": "str"},
        s3_key={"type": "str", "no_log": False},
        s3_sse={"type": "str", "choices": ["AES256", "aws:kms"]},
        s3_sse_kms_key_id={"type": "str", "no_log": False},
        s3_presign_expiry={"type": "int"},
        member={"type": "str"},
        timeout={"type": "int", "default": 900},
        members={
            "type": "list",
            "elements": "dict",
            "options": {
                "pod": {"type": "str", "required": True},
                "dest": {"type": "path"},
                "s3_key": {"type": "str", "no_log": False},
                "member": {"type": "str"},
            },
        },
        secrets={"type": "list", "elements": "dict", "options": secret_files.OPTIONS, "no_log": False},  # names only
        manifest={"type": "dict", "options": manifest.OPTIONS},
        concurrency={"type": "int", "default": 3},
        test_restore={"type": "bool", "default": True},
        test_restore_location={"type": "str", "choices": ["auto", "node", "pod"], "default": "auto"},
        test_restore_dir={"type": "path"},
    )
    # amazon.aws's access_key (a credential here), region and endpoint_url with the s3_* names the roles use.
    spec.update(aws_spec_overrides(("aws_region", "s3_region"), ("aws_endpoint_url", "s3_endpoint_url")))
    return spec


# A bucket name as S3 accepts it: 3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a
# letter or digit.
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
TLS_HINT = (
    "On OpenShift 3.11 masters the etcd client files are /etc/etcd/ca.crt, /etc/etcd/peer.crt and /etc/etcd/peer.key."
)


def check_params(p):
    """Everything wrong with the options, refused before any command, request or write."""
    # An option given as "" is a mistake (an unset variable), never a way to turn a feature off.
    for option in ("namespace", "pod", "container", "pod_cacert", "pod_cert", "pod_key", "pod_endpoint",
                   "pod_tmp_dir", "cacert", "cert", "key", "etcdctl_path", "etcdutl_path", "tmp_dir", "dest",
                   "s3_bucket", "s3_key", "s3_sse_kms_key_id", "member", "region", "endpoint_url",
                   "test_restore_dir"):  # fmt: skip
        if p.get(option) is not None:
            inputs.text(p[option], option)
    if p["mode"] == "host":
        if not p.get("endpoints"):
            raise Day2Error("endpoints is empty: give at least one etcd client URL such as https://127.0.0.1:2379.")
        for endpoint in p["endpoints"]:
            validate_endpoint(endpoint, "endpoints")
        for option in ("cacert", "cert", "key"):
            if p.get(option):
                inputs.readable_file(p[option], option, TLS_HINT)
        if p.get("tmp_dir"):
            inputs.existing_dir(p["tmp_dir"], "tmp_dir", writable=True)
    else:
        validate_endpoint(p["pod_endpoint"], "pod_endpoint")
        if p.get("namespace") is not None:
            inputs.k8s_name(p["namespace"], "namespace", label=True, example="clusters-example")
        inputs.k8s_name(p["pod"], "pod", example="etcd-0")
        inputs.k8s_name(p["container"], "container", label=True, example="etcd")
        for m in p.get("members") or []:
            inputs.k8s_name(m["pod"], "members[].pod", example="etcd-0")
            for option in ("dest", "s3_key", "member"):
                if m.get(option) is not None:
                    inputs.text(m[option], "members[].%s" % option)
            if m.get("dest"):
                inputs.file_dest(m["dest"], "members[].dest", create_parents=True)
    if p.get("dest"):
        inputs.file_dest(p["dest"], "dest", create_parents=True)
    if p.get("test_restore") and p.get("test_restore_dir"):
        inputs.existing_dir(p["test_restore_dir"], "test_restore_dir", writable=True)
    if p.get("test_restore_location") == "pod" and p["mode"] != "pod":
        raise Day2Error("test_restore_location=pod needs mode=pod; in host mode the test-restore runs on the host.")
    if p.get("s3_bucket") and not BUCKET_RE.match(p["s3_bucket"]):
        raise Day2Error(
            "s3_bucket=%r is not an S3 bucket name: 3 to 63 lower-case letters, digits, '.' or '-' (no s3:// and no "
            "key), for example example-etcd-backups." % p["s3_bucket"]
        )
    if p.get("endpoint_url"):
        inputs.url(p["endpoint_url"], "s3_endpoint_url", example="https://s3.example.com:9000")
    if p.get("concurrency") is not None and p["concurrency"] < 1:
        raise Day2Error("concurrency must be at least 1, got %s." % p["concurrency"])
    if p.get("s3_key") and not p.get("s3_bucket"):
        raise Day2Error("s3_key needs s3_bucket: give the bucket to upload to.")
    if p.get("s3_bucket") and not p.get("s3_key") and not p.get("members"):
        raise Day2Error("s3_bucket needs s3_key: give the object key of the snapshot.")
    if not p.get("dest") and not p.get("s3_bucket") and not p.get("members"):
        raise Day2Error(
            "Nowhere to deliver the snapshot: give `dest` (a path on the node running the module), `s3_bucket` "
            "with `s3_key`, or both."
        )
    if p.get("timeout") is not None and p["timeout"] <= 0:
        raise Day2Error("timeout must be a positive number of seconds, got %s." % p["timeout"])
    if p.get("s3_sse_kms_key_id") and p.get("s3_sse") != "aws:kms":
        raise Day2Error("s3_sse_kms_key_id needs s3_sse: aws:kms.")
    if p.get("s3_presign_expiry") is not None and not 1 <= p["s3_presign_expiry"] <= 604800:
        raise Day2Error("s3_presign_expiry must be between 1 and 604800 seconds (7 days, the SigV4 maximum).")
    if p.get("s3_presign_expiry") is not None and not p.get("s3_bucket"):
        raise Day2Error("s3_presign_expiry needs s3_bucket and s3_key: there is no object to presign.")


def make_source(module, p=None):
    p = p or module.params
    if p["mode"] == "host":
        return HostSource(p)
    module.requires("kubernetes")
    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec, PodSource

    api_client = module.client.client.client  # K8SClient -> DynamicClient -> kubernetes ApiClient
    return PodSource(PodExec(api_client, p["namespace"], p["pod"], p["container"]), p)


def aws_module(module):
    """The AnsibleAWSModule underneath Day2K8sModule (AnsibleK8SModule keeps it as _module)."""
    return module._module


def s3_client(module):
    try:
        check_sdk_version_supported(warn=module.warn)
    except AnsibleBotocoreError as exc:
        raise Day2Error("Uploading to S3 needs boto3 and botocore on the node running the module: %s" % exc)
    return s3_transfer.s3_client(aws_module(module))


def rfc3339_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(p):
    return {
        "dest": os.path.abspath(p["dest"]) if p.get("dest") else None,
        "s3": {"bucket": p["s3_bucket"], "key": p["s3_key"], "endpoint_url": p.get("endpoint_url")}
        if p.get("s3_bucket")
        else None,
    }


class SpoolSink(FileSink):
    """A private local copy of the stream for the test-restore when nothing else lands on this node."""

    name = "spool"


def deliver(p, source, status, sha256, client, deadline, undo_partial=False, spool=None):
    """Stream the verified snapshot into its sinks; returns what each committed.

    undo_partial: when a later sink fails after an earlier one committed, remove what was committed too.
    spool: a path for a local copy (the test-restore's input in pod mode without dest), verified like dest.
    """
    sinks = []
    delivery = None
    try:
        if p.get("dest"):
            sinks.append(FileSink(p["dest"]))
        if spool:
            sinks.append(SpoolSink(spool))
        if client is not None:
            sinks.append(
                s3_transfer.S3Sink(
                    client, p["s3_bucket"], p["s3_key"], sha256,
                    size_hint=status["totalSize"], sse=p.get("s3_sse"), kms_key_id=p.get("s3_sse_kms_key_id"),
                    endpoint_url=p.get("endpoint_url"),
                )
            )  # fmt: skip
        delivery = Delivery(sinks, deadline)
        source.stream(delivery, deadline)
        committed = delivery.finish(sha256, getattr(source, "size", None))
        return committed, delivery.bytes
    except BaseException:
        for sink in sinks:
            try:
                sink.abort()
            except Exception:  # noqa: BLE001 - cleanup after the failure being reported
                pass
        if undo_partial and delivery is not None:
            undo(delivery.committed, client)
        raise


def undo(committed, client):
    """Remove a delivered file and S3 object (best effort): a failed member leaves nothing behind."""
    if "dest" in committed:
        try:
            os.unlink(committed["dest"]["dest"])
        except OSError:
            pass
    if "s3" in committed and client is not None:
        try:
            client.delete_object(Bucket=committed["s3"]["bucket"], Key=committed["s3"]["key"])
        except Exception:  # noqa: BLE001 - best effort, after the failure being reported
            pass


def execute(module):
    p = module.params
    apply_env_fallbacks(p)
    check_params(p)
    if p.get("secrets") and not p.get("members"):
        raise Day2Error("`secrets` needs `members`: Secrets are saved beside the snapshots of a members run.")
    manifest.check_manifest(p)
    if p.get("members"):
        from ansible_collections.ocp.day2.plugins.module_utils.etcd.multi import execute_members

        return execute_members(module)
    deadline = Deadline(p["timeout"])
    source = make_source(module)
    client = s3_client(module) if p.get("s3_bucket") else None
    source.preflight(deadline)
    bucket_region = None
    if client is not None:
        bucket_region = s3_transfer.check_bucket(client, p["s3_bucket"], p.get("endpoint_url"))
    if module.check_mode:
        where = restore_plan(p, source)
        return {
            "changed": True,
            "would_snapshot": source.describe(),
            "would_deliver": plan(p),
            "would_test_restore": where[0] if where else None,
        }

    before = dest_state(p.get("dest"))
    artifact = snapshot_one(module, source, p, client, bucket_region, deadline)
    result = {"changed": True, "artifact": artifact}
    if module._diff:
        result["diff"] = {"before": {"dest": before, "s3": None}, "after": diff_after(artifact)}
    return result


def restore_plan(p, source):
    """Where the test-restore runs: None (off), ("node", (tool, binary)) or ("pod", None)."""
    if not p.get("test_restore"):
        return None
    if source.mode == "host":
        return "node", restorecheck.local_tools(source.etcdutl, source.etcdctl)
    tools = restorecheck.local_tools() if p.get("test_restore_location") != "pod" else None
    if tools:
        return "node", tools
    if p.get("test_restore_location") == "node":
        raise Day2Error(
            "test_restore_location=node but neither etcdutl nor etcdctl is on PATH of the node running the module "
            "(the execution environment ships them): install one, or use test_restore_location=auto or pod."
        )
    return "pod", None


def kept_text(committed):
    kept = []
    if "dest" in committed:
        kept.append(committed["dest"]["dest"])
    if "s3" in committed:
        kept.append("s3://%s/%s" % (committed["s3"]["bucket"], committed["s3"]["key"]))
    return kept


def test_restore(p, source, status, committed, plan_, spool_dir, deadline):
    """Run the test-restore of one delivered snapshot; RestoreTestFailed keeps what was delivered."""
    where, tools = plan_
    kept = kept_text(committed)
    if where == "pod":
        return restorecheck.in_pod(source.member, source, status, deadline, kept)
    if "dest" in committed:
        path = committed["dest"]["dest"]
    elif "spool" in committed:
        path = committed["spool"]["dest"]
    else:
        path = source.path  # host mode, S3 only: the local file that was uploaded
    scratch = p.get("test_restore_dir") or spool_dir or p.get("tmp_dir")
    return restorecheck.on_node(source.member, path, status, tools, scratch, deadline, kept)


def snapshot_one(module, source, p, client, bucket_region, deadline, undo_partial=False):
    """Take, verify, deliver and test-restore one member's snapshot; the temporary file goes on every path."""
    started = time.monotonic()
    taken_at = rfc3339_now()
    spool_dir = None
    try:
        plan_ = restore_plan(p, source)
        if plan_ and plan_[0] == "node" and source.mode == "pod" and not p.get("dest"):
            spool_dir = tempfile.mkdtemp(prefix="ocp-day2-spool-", dir=p.get("test_restore_dir") or None)
        source.take(deadline)
        status = source.status(deadline)
        sha256 = source.sha256(deadline)
        spool = os.path.join(spool_dir, "snapshot.db") if spool_dir else None
        committed, size = deliver(p, source, status, sha256, client, deadline, undo_partial, spool=spool)
        restored = test_restore(p, source, status, committed, plan_, spool_dir, deadline) if plan_ else None
    finally:
        if spool_dir:
            shutil.rmtree(spool_dir, ignore_errors=True)
        warning = source.cleanup(deadline)
        if warning:
            module.warn(warning)

    s3 = committed.get("s3")
    if s3 is not None:
        # where the object lives (HeadBucket's answer), which a later presign must sign for
        s3["region"] = bucket_region or getattr(getattr(client, "meta", None), "region_name", None)
    if s3 is not None and p.get("s3_presign_expiry"):
        try:
            s3["presigned_url"] = s3_transfer.presign(
                client, s3["bucket"], s3["key"], p["s3_presign_expiry"], aws_module(module), bucket_region
            )
        except BaseException:
            if undo_partial:
                undo(committed, client)
            raise
    elif s3 is not None:
        s3["presigned_url"] = None
    return {
        "member": source.member,
        "revision": status["revision"],
        "hash": status["hash"],
        "total_keys": status["totalKey"],
        "total_size": status["totalSize"],
        "bytes": size,
        "sha256": sha256,
        "dest": committed["dest"]["dest"] if "dest" in committed else None,
        "s3": s3,
        "duration": round(time.monotonic() - started, 3),
        "taken_at": taken_at,
        "tool": source.tool,
        "source": _source_text(source),
        "restore_tested": bool(restored),
        "restore_test": restored,
    }


def diff_after(artifact):
    s3 = artifact["s3"]
    return {"dest": artifact["dest"], "s3": "s3://%s/%s" % (s3["bucket"], s3["key"]) if s3 else None}


def dest_state(dest):
    if not dest or not os.path.exists(dest):
        return None
    return "%s (existing file, %d bytes, replaced)" % (os.path.abspath(dest), os.path.getsize(dest))


def _source_text(source):
    if source.mode == "pod":
        return "%s/%s:%s" % (source.params["namespace"], source.params["pod"], source.params["container"])
    return source.endpoint
