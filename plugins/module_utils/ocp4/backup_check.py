# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp4_backup_check: record an OpenShift 4 etcd backup's manifest, or check that a backup may restore the cluster."""

from __future__ import annotations

import os

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, auth_arg_spec, with_retries
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import backup

SHA256_LEN = 64


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        path={"type": "path", "required": True},
        write_manifest={"type": "bool", "default": False},
        cluster_version={"type": "str"},
        expected_sha256={"type": "dict"},
        source_host={"type": "str"},
    )
    return spec


def running_version(module):
    """The cluster's version: the cluster_version option, else the ClusterVersion `version` read from the API."""
    given = module.params.get("cluster_version")
    if given is not None:
        return backup.parse_version(given, "cluster_version")
    resource = module.resource("config.openshift.io/v1", "ClusterVersion")
    try:
        cv = with_retries(resource.get, name="version").to_dict()
    except NotFoundError as exc:
        raise Day2Error(
            "The cluster has no ClusterVersion 'version': is the kubeconfig pointing at an OpenShift 4 cluster?"
        ) from exc
    return backup.cluster_version(cv)


def _check_inputs(params):
    inputs.existing_dir(params["path"], "path", writable=params["write_manifest"])
    expected = params.get("expected_sha256")
    if expected is not None and not params["write_manifest"]:
        raise Day2Error("expected_sha256 is only used with write_manifest=true; leave it out.")
    for name, sha in (expected or {}).items():
        if not isinstance(sha, str) or len(sha) != SHA256_LEN or any(c not in "0123456789abcdef" for c in sha):
            raise Day2Error("expected_sha256[%s]=%r is not a lower-case hex sha256 (64 characters)." % (name, sha))


def execute(module):
    params = module.params
    _check_inputs(params)
    path = params["path"]
    timestamp, files, manifest = backup.read_dir(path)
    checksums = {name: meta["sha256"] for name, meta in files.items()}
    result = {
        "changed": False,
        "manifest_path": os.path.join(path, backup.MANIFEST),
        "backup": {
            "timestamp": timestamp,
            "snapshot": next(n for n in files if n.startswith("snapshot_")),
            "static_resources": next(n for n in files if n.startswith("static_kuberesources_")),
            "files": files,
        },
    }
    if params["write_manifest"]:
        for name, sha in sorted((params.get("expected_sha256") or {}).items()):
            if checksums.get(name) != sha:
                raise Day2Error(
                    "%s in %s has sha256 %s, not %s as measured where the backup was taken: the copy is damaged or "
                    "incomplete. Fetch the backup again." % (name, path, checksums.get(name, "(missing)"), sha)
                )
        version = running_version(module)
        wanted = backup.build_manifest(timestamp, files, version, params.get("source_host"))
        result["cluster_version"] = version
        result["backup"]["cluster_version"] = version
        if manifest == wanted:
            return result
        if manifest is not None:
            raise Day2Error(
                "%s already records another backup (%s taken on %s); it is never rewritten. Use an empty directory "
                "for a new backup."
                % (result["manifest_path"], manifest.get("timestamp"), manifest.get("cluster_version"))
            )
        if not module.check_mode:
            backup.write_manifest(path, wanted)
        result["changed"] = True
        return result
    if manifest is None:
        raise Day2Error(
            "%s has no %s, so the release it was taken on is unknown and the z-stream check cannot pass. Back up "
            "with the ocp.day2.ocp4_etcd_backup role, or record the manifest with write_manifest=true only if you "
            "know the backup was taken on the release the cluster runs." % (path, backup.MANIFEST)
        )
    running = running_version(module)
    result["cluster_version"] = running
    result["backup"]["cluster_version"] = manifest.get("cluster_version")
    problems = backup.zstream_problems(manifest, timestamp, checksums, running)
    if problems:
        raise Day2Error(
            "The backup in %s cannot restore this cluster: %s. Use a backup taken on %s with ocp.day2.ocp4_etcd_backup."
            % (path, "; ".join(problems), running),
            problems=problems,
            **{k: v for k, v in result.items() if k != "changed"},
        )
    return result
