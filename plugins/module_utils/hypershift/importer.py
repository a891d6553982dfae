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
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.importer_apply import Applier
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    api_error_text,
    auth_arg_spec,
)

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


def with_restore_url(obj, url):
    """The HostedCluster (or HostedControlPlane) to create: one restoreSnapshotURL, the etcd defaults the API sets,
    no pausedUntil."""
    obj = copy.deepcopy(obj)
    spec = obj.setdefault("spec", {})
    spec.pop("pausedUntil", None)
    etcd = spec.setdefault("etcd", {})
    if etcd.setdefault("managementType", "Managed") != "Managed":
        raise Day2Error(
            "%s %s has etcd.managementType %s: a restoreSnapshotURL is only possible with Managed etcd. "
            "Restore an unmanaged etcd by its own means and apply the HostedCluster without this module."
            % (obj.get("kind"), obj["metadata"]["name"], etcd["managementType"])
        )
    storage = etcd.setdefault("managed", {}).setdefault("storage", {})
    storage.setdefault("type", "PersistentVolume")
    storage["restoreSnapshotURL"] = [url]
    return obj


def redact(text, url):
    """text without the restore URL (the API server may quote it in a refusal)."""
    return text.replace(url, "<restore_snapshot_url>") if url else text


def execute(module):
    params = module.params
    groups = check_options(params)
    src = os.path.abspath(params["src"])
    # The HostedControlPlane is read with the HostedCluster: both must carry the same restoreSnapshotURL.
    manifest, loaded = load_export(src, groups + (["hcp"] if "hostedcluster" in groups else []))
    hcp = next((o for e, o in loaded if e["group"] == "hcp"), None)
    wanted = [(e, o) for e, o in loaded if e["group"] in groups]
    hc_info = manifest["hostedcluster"]
    applier = Applier(module, params["labels"])
    current = None
    url = params["restore_snapshot_url"]
    try:
        for namespace in (hc_info["namespace"], "%s-%s" % (hc_info["namespace"], hc_info["name"])):
            applier.namespace(namespace, params["create_namespaces"])
        for entry, obj in wanted:
            current = entry
            if entry["group"] == "hcp" and url:
                obj = with_restore_url(obj, url)
            if entry["group"] == "hostedcluster":
                obj = with_restore_url(obj, url)
                if hcp is not None:
                    applier.hcp_for_restore(with_restore_url(hcp, url), obj)
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
