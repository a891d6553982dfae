# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd_snapshot `secrets`: Secrets saved beside the snapshots (a hosted cluster's etcd encryption keys).

Each Secret is read through the Kubernetes API, reduced to what a restore needs (name, namespace, type, data) and
written as JSON to the same kinds of sinks as a snapshot (a 0600 file in 0700 directories, an S3 object), each
verified against the sha256 of the text before it counts. The key material stays inside this process: the result
holds names, where each file went and its checksums, never the data.
"""

from __future__ import annotations

import hashlib
import json
import os

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.delivery import Delivery, FileSink
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, api_error_text, with_retries

OPTIONS = {
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "dest": {"type": "path"},
    "s3_key": {"type": "str", "no_log": False},
}


def check_secrets(p):
    seen = set()
    for s in p.get("secrets") or []:
        inputs.k8s_name(s["name"], "secrets[].name", example="example-etcd-encryption-key")
        inputs.k8s_name(s["namespace"], "secrets[].namespace", label=True, example="clusters")
        if not s.get("dest") and not s.get("s3_key"):
            raise Day2Error("Secret %s has nowhere to go: give it dest, s3_key (with s3_bucket), or both." % s["name"])
        if s.get("s3_key") and not p.get("s3_bucket"):
            raise Day2Error("Secret %s has an s3_key but the module has no s3_bucket." % s["name"])
        for where in (os.path.abspath(s["dest"]) if s.get("dest") else None, s.get("s3_key")):
            if where and where in seen:
                raise Day2Error("Two snapshots or secrets would be written to %s: each needs its own." % where)
            if where:
                seen.add(where)
    for m in p.get("members") or []:
        for where in (os.path.abspath(m["dest"]) if m.get("dest") else None, m.get("s3_key")):
            if where and where in seen:
                raise Day2Error("Two snapshots or secrets would be written to %s: each needs its own." % where)


def secret_text(obj):
    """The saved form: apiVersion, kind, name, namespace, type and data, as sorted 2-space JSON."""
    meta = obj.get("metadata") or {}
    saved = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": meta.get("name"), "namespace": meta.get("namespace")},
        "type": obj.get("type") or "Opaque",
        "data": obj.get("data") or {},
    }
    return json.dumps(saved, indent=2, sort_keys=True, separators=(",", ": ")).encode("utf-8")


def md5_hex(data):
    """MD5 as S3 computes a small object's ETag; a checksum to compare, not security (FIPS-safe flag)."""
    try:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
    except TypeError:  # Python < 3.9
        return hashlib.md5(data).hexdigest()


def read_secret(module, name, namespace):
    path = "/api/v1/namespaces/%s/secrets/%s" % (namespace, name)
    try:
        return with_retries(module.client.client.request, "GET", path).to_dict()
    except NotFoundError:
        raise Day2Error(
            "Secret %s/%s does not exist: it cannot be saved beside the snapshots, so nothing was taken."
            % (namespace, name)
        )
    except Exception as exc:
        if getattr(exc, "status", None) is None:
            raise
        raise Day2Error("Reading Secret %s/%s failed: %s" % (namespace, name, api_error_text(exc)))


def plan(p):
    """Where each Secret would go (check mode)."""
    return [
        {
            "name": s["name"],
            "namespace": s["namespace"],
            "dest": os.path.abspath(s["dest"]) if s.get("dest") else None,
            "s3": {"bucket": p["s3_bucket"], "key": s["s3_key"]} if s.get("s3_key") else None,
        }
        for s in p.get("secrets") or []
    ]


def save_secrets(module, client, deadline, s3_transfer, undo):
    """Read and deliver every Secret of `secrets`; all or nothing (what was delivered is undone on a failure)."""
    p = module.params
    saved, committed_all = [], []
    try:
        for s in p.get("secrets") or []:
            text = secret_text(read_secret(module, s["name"], s["namespace"]))
            sha256 = hashlib.sha256(text).hexdigest()
            sinks = [FileSink(s["dest"])] if s.get("dest") else []
            if client is not None and s.get("s3_key"):
                sinks.append(
                    s3_transfer.S3Sink(
                        client, p["s3_bucket"], s["s3_key"], sha256, size_hint=len(text), sse=p.get("s3_sse"),
                        kms_key_id=p.get("s3_sse_kms_key_id"), endpoint_url=p.get("endpoint_url"),
                    )
                )  # fmt: skip
            delivery = Delivery(sinks, deadline)
            try:
                delivery.write(text)
                committed = delivery.finish(sha256, len(text))
            except BaseException:
                delivery.abort()
                undo(delivery.committed, client)
                raise
            committed_all.append(committed)
            saved.append(
                {
                    "name": s["name"],
                    "namespace": s["namespace"],
                    "dest": committed.get("dest", {}).get("dest"),
                    "s3": committed.get("s3"),
                    "sha256": sha256,
                    "md5": md5_hex(text),
                    "bytes": len(text),
                }
            )
    except BaseException:
        for committed in committed_all:
            undo(committed, client)
        raise
    return saved
