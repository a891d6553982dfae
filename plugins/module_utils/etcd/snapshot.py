# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd_snapshot module's argument spec and its execute(module): take, verify, deliver, clean up."""

from __future__ import annotations

import datetime
import os
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.ocp.day2.plugins.module_utils.aws import s3_transfer
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import Delivery, FileSink
from ansible_collections.ocp.day2.plugins.module_utils.etcd.host import HostSource
from ansible_collections.ocp.day2.plugins.module_utils.k8s import auth_arg_spec

try:
    from ansible_collections.amazon.aws.plugins.module_utils.botocore import check_sdk_version_supported
    from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleBotocoreError
except ImportError:  # pragma: no cover - amazon.aws is a declared dependency
    check_sdk_version_supported = None
    AnsibleBotocoreError = Exception

POD_TLS = "/etc/etcd/tls/client/"


def argument_spec():
    """kubernetes.core auth options + ours; AnsibleAWSModule adds its AWS options under them."""
    spec = auth_arg_spec()
    spec.update(
        mode={"type": "str", "choices": ["pod", "host"], "default": "pod"},
        namespace={"type": "str"},
        pod={"type": "str", "default": "etcd-0"},
        container={"type": "str", "default": "etcd"},
        pod_cacert={"type": "str", "default": POD_TLS + "etcd-client-ca.crt"},
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
        # amazon.aws's region and endpoint_url, with the s3_* names the roles use as aliases.
        region={
            "type": "str",
            "aliases": ["aws_region", "s3_region"],
            "fallback": (env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"]),
        },
        endpoint_url={
            "type": "str",
            "aliases": ["aws_endpoint_url", "s3_endpoint_url"],
            "fallback": (env_fallback, ["AWS_URL"]),
        },
        member={"type": "str"},
        timeout={"type": "int", "default": 900},
    )
    return spec


def check_params(p):
    if not p.get("dest") and not p.get("s3_bucket"):
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


def make_source(module):
    p = module.params
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


def deliver(module, source, status, sha256, client, deadline):
    """Stream the verified snapshot into its sinks; returns what each committed."""
    p = module.params
    sinks = []
    try:
        if p.get("dest"):
            sinks.append(FileSink(p["dest"]))
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
        raise


def execute(module):
    started = time.monotonic()
    p = module.params
    check_params(p)
    deadline = Deadline(p["timeout"])
    source = make_source(module)
    client = s3_client(module) if p.get("s3_bucket") else None
    source.preflight(deadline)
    bucket_region = None
    if client is not None:
        bucket_region = s3_transfer.check_bucket(client, p["s3_bucket"], p.get("endpoint_url"))
    if module.check_mode:
        return {"changed": True, "would_snapshot": source.describe(), "would_deliver": plan(p)}

    before = _dest_state(p.get("dest"))
    taken_at = rfc3339_now()
    try:
        source.take(deadline)
        status = source.status(deadline)
        sha256 = source.sha256(deadline)
        committed, size = deliver(module, source, status, sha256, client, deadline)
    finally:
        warning = source.cleanup(deadline)
        if warning:
            module.warn(warning)

    s3 = committed.get("s3")
    if s3 is not None and p.get("s3_presign_expiry"):
        s3["presigned_url"] = s3_transfer.presign(
            client, s3["bucket"], s3["key"], p["s3_presign_expiry"], aws_module(module), bucket_region
        )
    elif s3 is not None:
        s3["presigned_url"] = None
    artifact = {
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
    }
    result = {"changed": True, "artifact": artifact}
    if module._diff:
        after = {"dest": artifact["dest"], "s3": "s3://%s/%s" % (s3["bucket"], s3["key"]) if s3 else None}
        result["diff"] = {"before": {"dest": before, "s3": None}, "after": after}
    return result


def _dest_state(dest):
    if not dest or not os.path.exists(dest):
        return None
    return "%s (existing file, %d bytes, replaced)" % (os.path.abspath(dest), os.path.getsize(dest))


def _source_text(source):
    if source.mode == "pod":
        return "%s/%s:%s" % (source.params["namespace"], source.params["pod"], source.params["container"])
    return source.endpoint
