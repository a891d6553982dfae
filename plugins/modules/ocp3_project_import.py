#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_project_import
short_description: Re-create an exported OpenShift project under its own name (or, when asked, a new one)
version_added: 0.1.0
description:
  - Creates the objects written by M(ocp.day2.ocp3_project_export) in O(namespace), the guide's
    C(oc new-project) then C(oc create -f) for each file (§6.2), in an order where the objects others refer
    to come first (service accounts, secrets, config maps, roles and bindings, claims, services, then
    workloads and routes).
  - The project is created first when missing (a C(ProjectRequest) on OpenShift, a C(Namespace) elsewhere).
  - The project keeps its name, as the guide restores it (§6.2). Importing under another name needs
    O(rename=true), because images built in the project are pulled as C(<registry>/<project>/<image>) and image
    stream tags name the project, so the copy keeps pointing at the old project's images. Those references are
    listed in RV(image_references) and in a warning.
  - Role binding subjects that named the exported project are pointed at O(namespace).
  - Objects that already exist are left as they are (C(oc create) semantics), so a second run changes nothing.
  - When an object cannot be created the module goes on with the others and fails at the end, listing
    every failure and what it created, so the caller can remove them (the C(ocp3_project_restore) role
    deletes a project it created).
  - Written because M(kubernetes.core.k8s) does not move role binding subjects to a new namespace or order
    the objects of a whole export.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
author:
  - ocp.day2 maintainers (@ocp-day2)
options:
  src:
    description: Directory holding C(export.json) and the YAML files of an export.
    type: path
    required: true
  namespace:
    description:
      - Project to import into. Default is the exported project's name. Another name needs O(rename=true).
    type: str
  rename:
    description:
      - Allow importing under a O(namespace) other than the exported project's. Image references to the old
        project are not rewritten; they are reported.
    type: bool
    default: false
  create_namespace:
    description: Create the project when it does not exist.
    type: bool
    default: true
  exclude_resources:
    description: Resource types (file names without C(.yaml)) not imported, for example C(pods).
    type: list
    elements: str
    default: []
notes:
  - Supports check mode; it reports what would be created without creating anything.
attributes:
  check_mode:
    support: full
    description: Reports the objects that would be created without creating anything.
  diff_mode:
    support: none
    description: Not supported; objects are only created, never changed.
requirements:
  - kubernetes
  - PyYAML
"""

EXAMPLES = r"""
- name: Restore project myapp under its own name
  ocp.day2.ocp3_project_import:
    src: /backup/projects/myapp

- name: Copy project myapp into myapp-restored (image references still name myapp)
  ocp.day2.ocp3_project_import:
    src: /backup/projects/myapp
    namespace: myapp-restored
    rename: true
"""

RETURN = r"""
namespace:
  description: The project imported into.
  returned: always
  type: str
namespace_created:
  description: Whether the project was (or in check mode would be) created by this run.
  returned: always
  type: bool
created:
  description: Objects created (or that would be created), as C(Kind/name).
  returned: always
  type: list
  elements: str
  sample: ["ServiceAccount/builder", "Secret/db-password", "Deployment/web"]
existing:
  description: Objects left alone because they already exist.
  returned: always
  type: list
  elements: str
image_references:
  description: When renamed, the places that still refer to images of the exported project by its name.
  returned: always
  type: list
  elements: str
  sample: ["DeploymentConfig/web spec.template.spec.containers[0].image: docker-registry.default.svc:5000/myapp/web"]
failed:
  description: Objects that could not be created, with the API server's answer.
  returned: always
  type: list
  elements: dict
  sample: [{"object": "Route/web", "error": "admission webhook denied the request (HTTP 422)"}]
"""

import json
import os

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    Day2K8sModule,
    DynamicApiError,
    NotFoundError,
    ResourceNotFoundError,
    api_error_text,
    auth_arg_spec,
)
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.k8s import (
    INDEX_FILE,
    for_namespace,
    image_references,
    import_rank,
)

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check
    yaml = None


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        src={"type": "path", "required": True},
        namespace={"type": "str"},
        create_namespace={"type": "bool", "default": True},
        rename={"type": "bool", "default": False},
        exclude_resources={"type": "list", "elements": "str", "default": []},
    )
    return spec


def check_options(params):
    inputs.existing_dir(params["src"], "src")
    if params.get("namespace") is not None:
        inputs.k8s_name(params["namespace"], "namespace", label=True, example="myapp-restored")
    for name in params["exclude_resources"]:
        inputs.text(name, "exclude_resources", "pods")


def read_export(src):
    try:
        with open(os.path.join(src, INDEX_FILE)) as f:
            index = json.load(f)
    except (OSError, ValueError) as exc:
        raise Day2Error("%s is not an export directory (%s/%s unreadable: %s)." % (src, src, INDEX_FILE, exc))
    return index


def load_objects(src, index, exclude):
    """[(file, object)] in import order."""
    entries = []
    for record in sorted(index.get("files", []), key=lambda r: import_rank(r["kind"], r["file"])):
        if record["resource"] in exclude or record["file"][: -len(".yaml")] in exclude:
            continue
        path = os.path.join(src, record["file"])
        try:
            with open(path) as f:
                data = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as exc:
            raise Day2Error("Cannot read %s: %s. The export is damaged; export the project again." % (path, exc))
        for obj in (data or {}).get("items") or []:
            entries.append((record["file"], obj))
    return entries


def ensure_namespace(module, client, namespace):
    """Returns whether the project was (or would be) created."""
    try:
        client.get(client.resource("Namespace", "v1"), name=namespace)
        return False
    except NotFoundError:
        pass
    if not module.params["create_namespace"]:
        raise Day2Error("The project %s does not exist; create it or set create_namespace=true." % namespace)
    if module.check_mode:
        return True
    try:
        request = client.resource("ProjectRequest", "project.openshift.io/v1")
        client.create(
            request,
            {"apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest", "metadata": {"name": namespace}},
        )
    except ResourceNotFoundError:
        client.create(
            client.resource("Namespace", "v1"),
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        )
    return True


def execute(module):
    params = module.params
    check_options(params)
    index = read_export(params["src"])
    source_ns = index.get("namespace")
    namespace = params["namespace"] or source_ns
    if not namespace:
        raise Day2Error("Set namespace: the export does not record its project.")
    inputs.k8s_name(namespace, "namespace (from %s)" % INDEX_FILE, label=True, example="myapp")
    renamed = bool(source_ns) and namespace != source_ns
    if renamed and not params["rename"]:
        raise Day2Error(
            "The export is of project %s; importing it as %s renames the project, and its image references "
            "(<registry>/%s/<image>, image stream tags of %s) would still point at the old project. Leave namespace "
            "unset to restore under the same name (002 §6.2), or set rename=true to copy it under the new name."
            % (source_ns, namespace, source_ns, source_ns)
        )
    entries = load_objects(params["src"], index, set(params["exclude_resources"]))
    references = [ref for _file, obj in entries for ref in image_references(obj, source_ns)] if renamed else []
    if references:
        module.warn(
            "%s was imported as %s: %d image reference(s) still name %s, e.g. %s. Rebuild or re-tag the images in %s "
            "and update them." % (source_ns, namespace, len(references), source_ns, references[0], namespace)
        )
    client = module.client
    namespace_created = ensure_namespace(module, client, namespace)
    created, existing, failed = [], [], []
    for _file, obj in entries:
        obj = for_namespace(obj, source_ns, namespace)
        label = "%s/%s" % (obj.get("kind"), obj["metadata"].get("name"))
        try:
            res = client.resource(obj["kind"], obj["apiVersion"])
        except ResourceNotFoundError:
            failed.append(
                {"object": label, "error": "the API server does not serve %s %s" % (obj["apiVersion"], obj["kind"])}
            )
            continue
        if not namespace_created:
            try:
                client.get(res, name=obj["metadata"]["name"], namespace=namespace)
                existing.append(label)
                continue
            except NotFoundError:
                pass
        if module.check_mode:
            created.append(label)
            continue
        try:
            client.create(res, obj, namespace=namespace)
            created.append(label)
        except DynamicApiError as exc:
            if getattr(exc, "status", None) == 409:
                existing.append(label)
            else:
                failed.append({"object": label, "error": api_error_text(exc)})
    result = {
        "changed": bool(created) or namespace_created,
        "namespace": namespace,
        "namespace_created": namespace_created,
        "created": created,
        "existing": existing,
        "failed": failed,
        "image_references": references,
    }
    if failed:
        raise Day2Error(
            "%d of %d objects could not be created in %s: %s. Fix the cause and run again; objects already there are "
            "left alone."
            % (
                len(failed),
                len(entries),
                namespace,
                "; ".join("%s: %s" % (f["object"], f["error"]) for f in failed[:10]),
            ),
            **result,
        )
    return result


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
