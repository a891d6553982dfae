# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_import: apply an export of ocp.day2.hostedcluster_export, in the seeds' order (000 §4.2.4).

load_export() reads export.json and checks every file's sha256 before anything is applied. apply() creates the
namespaces, then each object of the chosen groups in manifest order: created when missing, merged when different,
except the HostedCluster, which is only ever created (its restoreSnapshotURL is read at creation and immutable).
"""

from __future__ import annotations

import copy
import json
import os
import re
from urllib.parse import urlparse

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check
    yaml = None

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import file_sha256
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.export import FORMAT, GROUPS, clean
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.export_files import MANIFEST
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    NotFoundError,
    api_error_text,
    auth_arg_spec,
    with_retries,
)

MERGE_PATCH = "application/merge-patch+json"
URL_SCHEMES = ("https", "s3")
MAX_URL = 1024
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        src={"type": "path", "required": True},
        groups={"type": "list", "elements": "str", "default": list(GROUPS)},
        restore_snapshot_url={"type": "str", "no_log": True},
        labels={"type": "dict", "default": {}},
        create_namespaces={"type": "bool", "default": True},
    )
    return spec


def check_options(params):
    """The groups to apply, in manifest order; Day2Error before anything is read for a wrong option."""
    if not params["src"] or not str(params["src"]).strip():
        raise Day2Error("src (the export directory) must not be empty.")
    groups = params["groups"]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown or not groups:
        raise Day2Error(
            "groups: unknown group(s) %s. Choose among, in apply order: %s."
            % (", ".join(repr(g) for g in unknown) or "(none given)", ", ".join(GROUPS))
        )
    for key, value in (params["labels"] or {}).items():
        prefix, _sep, name = key.rpartition("/")
        if not LABEL_NAME.match(name) or (prefix and (len(prefix) > 253 or not LABEL_PREFIX.match(prefix))):
            raise Day2Error("labels: %r is not a valid label key (an optional DNS prefix and '/', then at most 63 "
                            "letters, digits, '-', '_' or '.')." % key)  # fmt: skip
        if not isinstance(value, str) or not LABEL_VALUE.match(value):
            raise Day2Error("labels: the value of %s must be a string of at most 63 letters, digits, '-', '_' or '.' "
                            "(got %r)." % (key, value))  # fmt: skip
    if "hostedcluster" in groups:
        check_url(params["restore_snapshot_url"])
    return [g for g in GROUPS if g in groups]


def check_url(url):
    """Day2Error unless url can be the HostedCluster's one restoreSnapshotURL; the message never shows the URL."""
    if not url:
        raise Day2Error(
            "restore_snapshot_url is required when the group 'hostedcluster' is applied: the HostedCluster is created "
            "once, and etcd starts from that snapshot (a presigned https URL of the snapshot, or s3://bucket/key)."
        )
    parsed = urlparse(url)
    if parsed.scheme not in URL_SCHEMES or not parsed.netloc:
        raise Day2Error(
            "restore_snapshot_url must be an https:// or s3:// URL with a host or bucket (got a %s URL); the "
            "HyperShift API refuses any other." % ("%s://" % parsed.scheme if parsed.scheme else "scheme-less")
        )
    if len(url) > MAX_URL:
        raise Day2Error(
            "restore_snapshot_url is %d characters long; the HyperShift API allows at most %d. Presign a shorter URL "
            "(shorter bucket key, or temporary credentials with a shorter token)." % (len(url), MAX_URL)
        )


def _inside(src, relative):
    return (
        isinstance(relative, str)
        and relative
        and not os.path.isabs(relative)
        and ".." not in relative.replace("\\", "/").split("/")
        and os.path.realpath(os.path.join(src, relative)).startswith(os.path.realpath(src) + os.sep)
    )


def _sha256(path):
    try:
        return file_sha256(path)[0]
    except OSError as exc:
        raise Day2Error("Cannot read %s: %s. Check its permissions; nothing was applied." % (path, exc))


def load_export(src, groups):
    """(manifest, [(entry, object)] of the wanted groups); every file is checked first, whatever the groups."""
    if not os.path.isdir(src):
        raise Day2Error("src %s is not a directory. Give the directory ocp.day2.hostedcluster_export wrote." % src)
    path = os.path.join(src, MANIFEST)
    try:
        with open(path) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise Day2Error(
            "%s not found: %s is not a complete export (export.json is written last, so the export may have been "
            "interrupted). Export again with ocp.day2.hostedcluster_export." % (path, src)
        )
    except (OSError, ValueError) as exc:
        raise Day2Error("Cannot read %s: %s. Export again with ocp.day2.hostedcluster_export." % (path, exc))
    hc = manifest.get("hostedcluster") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(hc, dict):
        raise Day2Error(
            "%s is not an export manifest of format %d. Export again with this collection." % (path, FORMAT)
        )
    objects = manifest.get("objects")
    if not isinstance(objects, list) or not all(isinstance(e, dict) for e in objects):
        raise Day2Error("%s has no valid object list. Export again with ocp.day2.hostedcluster_export." % path)
    namespaces = {hc.get("namespace"), "%s-%s" % (hc.get("namespace"), hc.get("name"))}
    bad = []
    for entry in objects:
        relative = entry.get("file")
        if entry.get("group") not in GROUPS or entry.get("namespace") not in namespaces or not _inside(src, relative):
            raise Day2Error(
                "%s lists an object outside this hosted cluster's export (group %r, namespace %r, file %r); refusing "
                "to apply anything." % (path, entry.get("group"), entry.get("namespace"), relative)
            )
        full = os.path.join(src, relative)
        if not os.path.isfile(full):
            bad.append("%s is missing" % relative)
        elif _sha256(full) != entry.get("sha256"):
            bad.append("%s does not match its sha256 in export.json" % relative)
    if bad:
        raise Day2Error(
            "The export in %s is damaged: %s. Nothing was applied. Export again, or copy the backup again from where "
            "it is kept." % (src, "; ".join(bad)),
            damaged=bad,
        )
    wanted = []
    for entry in objects:
        if entry["group"] not in groups:
            continue
        try:
            with open(os.path.join(src, entry["file"])) as f:
                obj = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as exc:
            raise Day2Error("Cannot read %s: %s. Nothing was applied." % (entry["file"], exc))
        obj = obj if isinstance(obj, dict) else {}
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        found = (obj.get("kind"), meta.get("namespace"), meta.get("name"))
        if found != (entry.get("kind"), entry.get("namespace"), entry.get("name")) or not obj.get("apiVersion"):
            raise Day2Error(
                "%s does not hold the %s %s/%s that export.json says it does; nothing was applied. Export again."
                % (entry["file"], entry.get("kind"), entry.get("namespace"), entry.get("name"))
            )
        wanted.append((entry, clean(obj, ())))
    if "hostedcluster" in groups and not any(e["group"] == "hostedcluster" for e, _o in wanted):
        raise Day2Error("%s lists no HostedCluster; it cannot restore one. Export again." % path)
    return manifest, wanted


def with_restore_url(hc, url):
    """The HostedCluster to create: one restoreSnapshotURL, etcd defaults as the API sets them, no pausedUntil."""
    hc = copy.deepcopy(hc)
    spec = hc.setdefault("spec", {})
    spec.pop("pausedUntil", None)
    etcd = spec.setdefault("etcd", {})
    if etcd.setdefault("managementType", "Managed") != "Managed":
        raise Day2Error(
            "HostedCluster %s has etcd.managementType %s: a restoreSnapshotURL is only possible with Managed etcd. "
            "Restore an unmanaged etcd by its own means and apply the HostedCluster without this module."
            % (hc["metadata"]["name"], etcd["managementType"])
        )
    storage = etcd.setdefault("managed", {}).setdefault("storage", {})
    storage.setdefault("type", "PersistentVolume")
    storage["restoreSnapshotURL"] = [url]
    return hc


def redact(text, url):
    """text without the restore URL (the API server may quote it in a refusal)."""
    return text.replace(url, "<restore_snapshot_url>") if url else text


def merge(target, patch):
    """JSON merge patch (RFC 7386) of patch into target, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _update_body(obj):
    """The merge patch for an existing object: its finalizers stay as the destination's controllers set them."""
    body = copy.deepcopy(obj)
    body["metadata"].pop("finalizers", None)
    return body


class Applier:
    def __init__(self, module, labels):
        self.module = module
        self.labels = dict(labels or {})
        self.check_mode = module.check_mode
        self.applied = []
        self.namespaces_created = []
        self.hostedcluster_existed = False
        self._resources = {}

    def resource(self, api_version, kind):
        key = (api_version, kind)
        if key not in self._resources:
            self._resources[key] = self.module.resource(api_version, kind)
        return self._resources[key]

    def get(self, api_version, kind, name, namespace=None):
        try:
            found = with_retries(self.resource(api_version, kind).get, name=name, namespace=namespace)
        except NotFoundError:
            return None
        return found.to_dict() if hasattr(found, "to_dict") else dict(found)

    def create(self, api_version, kind, body, namespace=None):
        resource = self.resource(api_version, kind)
        attempts = []

        def call():
            attempts.append(1)
            try:
                return resource.create(body=body, namespace=namespace)
            except DynamicApiError as exc:
                if getattr(exc, "status", None) == 409 and len(attempts) > 1:
                    return None  # an earlier attempt went through before its answer was lost
                raise

        with_retries(call)

    def namespace(self, name, create):
        existing = self.get("v1", "Namespace", name)
        if existing is not None:
            if (existing.get("metadata") or {}).get("deletionTimestamp"):
                raise Day2Error("Namespace %s is being deleted (Terminating) on this cluster. Wait until it is gone, "
                                "then run again." % name)  # fmt: skip
            return
        if not create:
            raise Day2Error("Namespace %s does not exist and create_namespaces is false. Create it, or set "
                            "create_namespaces: true." % name)  # fmt: skip
        if not self.check_mode:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            if self.labels:
                body["metadata"]["labels"] = dict(self.labels)
            self.create("v1", "Namespace", body)
        self.namespaces_created.append(name)

    def apply(self, group, obj):
        meta = obj["metadata"]
        api_version, kind, name, namespace = obj["apiVersion"], obj["kind"], meta["name"], meta["namespace"]
        existing = None if namespace in self.namespaces_created else self.get(api_version, kind, name, namespace)
        if existing is None:
            action = "created"
            if not self.check_mode:
                body = copy.deepcopy(obj)
                if self.labels:
                    body["metadata"]["labels"] = dict(body["metadata"].get("labels") or {}, **self.labels)
                self.create(api_version, kind, body, namespace)
        elif kind == "HostedCluster":
            action = "unchanged"
            self.hostedcluster_existed = True
            self.module.warn(
                "HostedCluster %s/%s already exists on this cluster; it was left as it is (it is only ever created, "
                "since restoreSnapshotURL is read at creation)." % (namespace, name)
            )
        elif merge(copy.deepcopy(existing), _update_body(obj)) == existing:
            action = "unchanged"
        else:
            action = "updated"
            if not self.check_mode:
                resource = self.resource(api_version, kind)
                body = _update_body(obj)
                with_retries(resource.patch, body=body, name=name, namespace=namespace, content_type=MERGE_PATCH)
        self.applied.append({"group": group, "kind": kind, "namespace": namespace, "name": name, "action": action})

    def result(self):
        changed = bool(self.namespaces_created) or any(a["action"] != "unchanged" for a in self.applied)
        return {
            "changed": changed,
            "applied": self.applied,
            "hostedcluster_existed": self.hostedcluster_existed,
            "namespaces_created": self.namespaces_created,
        }


def execute(module):
    params = module.params
    groups = check_options(params)
    src = os.path.abspath(params["src"])
    manifest, wanted = load_export(src, groups)
    hc_info = manifest["hostedcluster"]
    applier = Applier(module, params["labels"])
    current = None
    url = params["restore_snapshot_url"]
    try:
        for namespace in (hc_info["namespace"], "%s-%s" % (hc_info["namespace"], hc_info["name"])):
            applier.namespace(namespace, params["create_namespaces"])
        for entry, obj in wanted:
            current = entry
            if entry["group"] == "hostedcluster":
                obj = with_restore_url(obj, params["restore_snapshot_url"])
            applier.apply(entry["group"], obj)
    except DynamicApiError as exc:
        where = "%s %s/%s (group %s)" % (current["kind"], current["namespace"], current["name"], current["group"]) \
            if current else "the namespaces"  # fmt: skip
        raise Day2Error(
            "Applying %s failed: %s. Objects listed in 'applied' are in place; a re-run applies the rest (existing "
            "objects are merged, an existing HostedCluster is left alone)." % (where, redact(api_error_text(exc), url)),
            **applier.result(),
        )
    result = applier.result()
    result["src"] = src
    if module._diff:
        touched = [a for a in result["applied"] if a["action"] != "unchanged"]
        key = "%s %s/%s"
        result["diff"] = {
            "before": {"namespaces": [], "objects": {key % (a["kind"], a["namespace"], a["name"]):
                       "absent" if a["action"] == "created" else "present" for a in touched}},
            "after": {"namespaces": list(result["namespaces_created"]),
                      "objects": {key % (a["kind"], a["namespace"], a["name"]): a["action"] for a in touched}},
        }  # fmt: skip
    return result
