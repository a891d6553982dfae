#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_project_export
short_description: Export every namespaced resource of an OpenShift project to files, ready to re-import
version_added: 0.1.0
description:
  - Does what the OpenShift 3.11 Day 2 guide (§4.7, §6.1) does with C(oc api-resources --namespaced=true -o name)
    and C(oc get -o yaml --export) for each resource. It discovers every namespaced resource type the API server
    serves that can be listed and created, in its preferred version, and writes the project's objects into one
    YAML C(List) file per type (named like C(oc api-resources -o name), for example C(deployments.apps.yaml)).
  - Removes status and the fields the cluster assigns (uid, resourceVersion, creationTimestamp, selfLink,
    generation, managedFields, owner references, the Service cluster IP and node ports, the claim's bound
    volume, generated route hosts), so the files can be created in another project with
    M(ocp.day2.ocp3_project_import) or C(oc create -f).
  - Secrets are exported, except service account tokens and the registry secrets generated for service accounts,
    which the cluster makes again. Objects owned by another object (pods of a replica set, replica sets of a
    deployment) are left out because their owner recreates them.
  - Writes C(export.json) with the types, files, counts, checksums and what was left out and why. Files are
    mode 0600 in a 0700 directory and are only rewritten when their content changes.
  - Written because M(kubernetes.core.k8s_info) needs the kind of every resource in advance and does not clean
    objects for re-creation.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  namespace:
    description: The project (namespace) to export.
    type: str
    required: true
  dest:
    description: Directory on the controller receiving the files; created with mode 0700.
    type: path
    required: true
  include_resources:
    description:
      - Only export these resource types (names as in C(oc api-resources -o name), such as C(secrets) or
        C(deployments.apps)). Empty exports every type.
    type: list
    elements: str
    default: []
  exclude_resources:
    description:
      - Resource types not exported. The default leaves out events, endpoints, endpoint slices, controller
        revisions, image stream tags and images, and pod metrics, which the cluster derives from other objects.
    type: list
    elements: str
  include_owned:
    description: Also export objects that have an owner (their owner references are removed).
    type: bool
    default: false
  keep_node_ports:
    description: Keep the node ports of Services (they clash when importing into the same cluster).
    type: bool
    default: false
notes:
  - Supports check mode; it reads the cluster and reports which files would change.
  - Resource types the API server refuses to list (C(MethodNotAllowed), C(Forbidden)) are reported in
    RV(errors) and do not fail the export.
attributes:
  check_mode:
    support: full
    description: Reads the cluster and reports which files would change without writing them.
  diff_mode:
    support: none
    description: Not supported; the files hold secrets.
requirements:
  - kubernetes
  - PyYAML
"""

EXAMPLES = r"""
- name: Export project myapp
  ocp.day2.ocp3_project_export:
    namespace: myapp
    dest: /backup/projects/myapp
  register: export
"""

RETURN = r"""
dest:
  description: The export directory.
  returned: always
  type: str
files:
  description: The files written, one per resource type that has objects.
  returned: always
  type: list
  elements: dict
  sample: [{"file": "secrets.yaml", "resource": "secrets", "kind": "Secret", "count": 2, "sha256": "ab12..."}]
skipped:
  description: Objects left out and why (names only, never content).
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "Secret", "name": "default-token-x1y2z",
            "reason": "service account token (recreated by the cluster)"}]
errors:
  description: Resource types that could not be listed, with the API server's answer.
  returned: always
  type: list
  elements: dict
  sample: [{"resource": "imagestreamimports.image.openshift.io", "error": "the server does not allow this method"}]
count:
  description: Number of objects exported.
  returned: always
  type: int
"""

import os
import re

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule, api_error_text, auth_arg_spec
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.k8s import (
    INDEX_FILE,
    clean,
    dumps,
    ensure_dir,
    select_resources,
    skip_reason,
    write_if_changed,
)

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check
    yaml = None

try:
    from kubernetes.dynamic.exceptions import DynamicApiError
except ImportError:

    class DynamicApiError(Exception):
        pass


# `oc api-resources -o name`: a plural resource name, then its API group when it has one.
RESOURCE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        namespace={"type": "str", "required": True},
        dest={"type": "path", "required": True},
        include_resources={"type": "list", "elements": "str", "default": []},
        exclude_resources={"type": "list", "elements": "str"},
        include_owned={"type": "bool", "default": False},
        keep_node_ports={"type": "bool", "default": False},
    )
    return spec


def _list(client, res, namespace):
    items = client.get(res, namespace=namespace).to_dict().get("items") or []
    # Only this project's objects, whatever the API server answered.
    items = [i for i in items if (i.get("metadata") or {}).get("namespace") in (None, namespace)]
    for item in items:  # list items carry no apiVersion/kind
        item.setdefault("apiVersion", res.group_version if hasattr(res, "group_version") else res.api_version)
        item.setdefault("kind", res.kind)
    return items


def collect(client, params):
    """Read the project: returns (per-type records, skipped, errors)."""
    namespace = params["namespace"]
    client.get(client.resource("Namespace", "v1"), name=namespace)  # NotFound -> clear error in execute
    selected = select_resources(client.resources.search(), params["include_resources"], params["exclude_resources"])
    raw, errors = [], []
    for key, res in selected:
        try:
            raw.append((key, res, _list(client, res, namespace)))
        except DynamicApiError as exc:
            errors.append({"resource": key, "error": api_error_text(exc)})
    skipped, skipped_secrets = [], set()
    kept = []
    for key, res, items in raw:
        for item in items:
            reason = skip_reason(item, params["include_owned"])
            if reason:
                skipped.append({"kind": res.kind, "name": item["metadata"]["name"], "reason": reason})
                if res.kind == "Secret":
                    skipped_secrets.add(item["metadata"]["name"])
            else:
                kept.append((key, res, item))
    records = {}
    for key, res, item in kept:
        records.setdefault(key, (res, []))[1].append(clean(item, skipped_secrets, params["keep_node_ports"]))
    return records, sorted(skipped, key=lambda s: (s["kind"], s["name"])), errors


def check_options(params):
    """Refused before any request: an empty namespace would list every project's objects."""
    inputs.k8s_name(params["namespace"], "namespace", label=True, example="myapp")
    inputs.dir_dest(params["dest"], "dest")
    for option in ("include_resources", "exclude_resources"):
        for name in params[option] or []:
            if not RESOURCE_RE.match(name or ""):
                raise Day2Error(
                    "%s: %r is not a resource type name; use the names of `oc api-resources -o name`, such as "
                    "secrets or deployments.apps." % (option, name)
                )


def execute(module):
    params = module.params
    check_options(params)
    client = module.client
    try:
        records, skipped, errors = collect(client, params)
    except DynamicApiError as exc:
        if getattr(exc, "status", None) == 404:
            raise Day2Error(
                "The project %s does not exist (or is not visible with these credentials)." % params["namespace"]
            )
        raise
    dest = params["dest"]
    changed = ensure_dir(dest, module.check_mode)
    files = []
    for key, (res, items) in sorted(records.items()):
        items.sort(key=lambda o: o["metadata"]["name"])
        text = yaml.safe_dump(
            {"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=True, default_flow_style=False
        )
        file_changed, sha = write_if_changed(os.path.join(dest, key + ".yaml"), text, module.check_mode)
        changed |= file_changed
        files.append(
            {
                "file": key + ".yaml",
                "resource": key,
                "kind": res.kind,
                "api_version": items[0]["apiVersion"],
                "count": len(items),
                "sha256": sha,
            }
        )
    index = {"namespace": params["namespace"], "files": files, "skipped": skipped, "errors": errors}
    index_changed, _sha = write_if_changed(os.path.join(dest, INDEX_FILE), dumps(index), module.check_mode)
    changed |= index_changed
    return {
        "changed": changed,
        "dest": dest,
        "files": files,
        "skipped": skipped,
        "errors": errors,
        "count": sum(f["count"] for f in files),
    }


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
