# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_export: write a hosted cluster's objects to files, as the seeds' backup (000 §4.2.3) does.

Read-only on the cluster. collect() reads everything first (and fails before writing anything when a referenced
object is missing); write_export() then writes each file atomically (0600, directories 0700), only when its content
changed, removes files an earlier export listed and this one does not, and writes export.json last.
"""

from __future__ import annotations

import copy
import os

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check
    yaml = None

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import bytes_sha256
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.export_files import check_dest, write_export
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import get_hostedcluster, hcp_namespace
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.refs import (
    CONFIGMAP,
    SECRET,
    generated_secrets,
    references,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    HYPERSHIFT_API,
    NotFoundError,
    ResourceNotFoundError,
    auth_arg_spec,
    with_retries,
)

FORMAT = 1
# Apply order on the destination (seeds 000 §4.2.4): secrets, control plane, CAPI objects, then the HostedCluster
# (which starts etcd from the snapshot) and its NodePools.
GROUPS = ["hc-secrets", "hc-configmaps", "hcp-secrets", "hcp", "cluster", "machines", "hostedcluster", "nodepools"]
DEFAULT_STRIP = (
    "ocp.day2/quiesce-prior-state",
    "ocp.day2/migration-prior-state",
    "kubectl.kubernetes.io/last-applied-configuration",
)
SERVER_SET = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
              "ownerReferences", "deletionTimestamp", "deletionGracePeriodSeconds")  # fmt: skip
PAUSABLE = ("HostedCluster", "NodePool", "HostedControlPlane")
# Not exported from the control-plane namespace (the seeds' egrep -v): tokens and pull secrets the destination
# generates again, the OAuth server's sessions, and the cluster's token secret.
SKIPPED_SECRET_TYPES = (
    "kubernetes.io/service-account-token",
    "kubernetes.io/dockercfg",
    "kubernetes.io/dockerconfigjson",
)
FILE_PREFIX = {
    "HostedCluster": "hc",
    "NodePool": "np",
    "Secret": "secret",
    "ConfigMap": "configmap",
    "HostedControlPlane": "hcp",
    "Cluster": "cl",
    "AWSCluster": "awscl",
    "AWSMachineTemplate": "awsmt",
    "AWSMachine": "awsm",
    "MachineDeployment": "machinedeployment",
    "MachineSet": "machineset",
    "Machine": "machine",
}
CAPI = ("cluster.x-k8s.io", ("v1beta1", "v1beta2"))
INFRA = ("infrastructure.cluster.x-k8s.io", ("v1beta2", "v1beta1"))
CLUSTER_KINDS = [(CAPI, "Cluster"), (INFRA, "AWSCluster")]
MACHINE_KINDS = [
    (INFRA, "AWSMachineTemplate"),
    (INFRA, "AWSMachine"),
    (CAPI, "MachineDeployment"),
    (CAPI, "MachineSet"),
    (CAPI, "Machine"),
]
LISTED_KINDS = {
    "hc-secrets": ("v1", "Secret"),
    "hc-configmaps": ("v1", "ConfigMap"),
    "hcp-secrets": ("v1", "Secret"),
}
AWS_KINDS = ("AWSCluster", "AWSMachineTemplate", "AWSMachine")


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        dest={"type": "path", "required": True},
        machines={"type": "bool", "default": True},
        strip_annotations={"type": "list", "elements": "str", "default": list(DEFAULT_STRIP)},
    )
    return spec


def to_dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def clean(obj, strip=DEFAULT_STRIP):
    """A copy without status, server-set metadata, the given annotations and (HC, NodePool, HCP) spec.pausedUntil
    and restoreSnapshotURL."""
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.setdefault("metadata", {})
    for key in SERVER_SET:
        meta.pop(key, None)
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in strip}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    if out.get("kind") in PAUSABLE and isinstance(out.get("spec"), dict):
        out["spec"].pop("pausedUntil", None)
        # The URL this cluster was once restored from (an expired presigned URL, immutable): a restore sets its own.
        storage = ((out["spec"].get("etcd") or {}).get("managed") or {}).get("storage")
        if isinstance(storage, dict):
            storage.pop("restoreSnapshotURL", None)
    return out


def dump(obj):
    return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True).encode("utf-8")


def relative_file(obj):
    meta = obj["metadata"]
    return "namespaces/%s/%s-%s.yaml" % (meta["namespace"], FILE_PREFIX[obj["kind"]], meta["name"])


def serving_resource(module, api, kind):
    """(resource, apiVersion) for the first served version of (group, versions), or (None, None)."""
    group, versions = api
    for version in versions:
        api_version = "%s/%s" % (group, version)
        try:
            return with_retries(module.client.resources.get, api_version=api_version, kind=kind), api_version
        except ResourceNotFoundError:
            continue
    return None, None


def list_all(resource, namespace):
    items = to_dict(with_retries(resource.get, namespace=namespace)).get("items") or []
    return sorted(items, key=lambda o: o["metadata"]["name"])


def _get_or_none(resource, name, namespace):
    try:
        return to_dict(with_retries(resource.get, name=name, namespace=namespace))
    except NotFoundError:
        return None


def _hc_prefix_secrets(secrets, name, other_hcs, generated):
    """Secrets named <name>... as the seeds select them, minus those named after a longer sibling HC (example2-...)
    and those the operator generates (an old copy would point at the source until the destination rewrites it)."""
    longer = [o for o in other_hcs if o != name and o.startswith(name)]
    return [s for s in secrets if s["metadata"]["name"].startswith(name) and s["metadata"]["name"] not in generated
            and not any(s["metadata"]["name"].startswith(o) for o in longer)]  # fmt: skip


def _keep_hcp_secret(secret, name):
    meta_name = secret["metadata"]["name"]
    if secret.get("type") in SKIPPED_SECRET_TYPES:
        return False
    return not (meta_name.startswith("oauth-openshift") or meta_name.startswith("token-%s" % name))


def collect(module, name, namespace, machines=True, strip=DEFAULT_STRIP):
    """(HostedCluster as read, [(group, cleaned object)]) in apply order; Day2Error before anything is written."""
    hc = get_hostedcluster(module, name, namespace)
    hcp_ns = hcp_namespace(namespace, name)
    hc_res = module.resource(HYPERSHIFT_API, "HostedCluster")
    np_res = module.resource(HYPERSHIFT_API, "NodePool")
    secret_res = module.resource("v1", "Secret")
    cm_res = module.resource("v1", "ConfigMap")
    pools = [p for p in list_all(np_res, namespace) if (p.get("spec") or {}).get("clusterName") == name]
    refs = references(hc, pools)
    found = {SECRET: {}, CONFIGMAP: {}}
    missing = []
    for ref in refs:
        table = found[ref["kind"]]
        if ref["name"] not in table:
            res = secret_res if ref["kind"] == SECRET else cm_res
            table[ref["name"]] = _get_or_none(res, ref["name"], namespace)
        if table[ref["name"]] is None:
            text = "%s %s (%s of %s)" % (ref["kind"], ref["name"], ref["field"], ref["owner"])
            if ref["required"]:
                missing.append(text)
            else:
                module.warn("%s does not exist in namespace %s; it is not exported." % (text, namespace))
    if missing:
        raise Day2Error(
            "HostedCluster %s/%s references objects that do not exist in namespace %s: %s. Without them the hosted "
            "cluster cannot be restored elsewhere. Create them (or correct the reference) and export again."
            % (namespace, name, namespace, "; ".join(missing)),
            missing=missing,
        )
    hc_names = [o["metadata"]["name"] for o in list_all(hc_res, namespace)]
    hc_secrets = {n: s for n, s in found[SECRET].items() if s is not None}
    for secret in _hc_prefix_secrets(list_all(secret_res, namespace), name, hc_names, generated_secrets(hc)):
        hc_secrets.setdefault(secret["metadata"]["name"], secret)
    entries = [("hc-secrets", hc_secrets[n]) for n in sorted(hc_secrets)]
    entries += [("hc-configmaps", found[CONFIGMAP][n]) for n in sorted(found[CONFIGMAP]) if found[CONFIGMAP][n]]
    entries += [("hcp-secrets", s) for s in list_all(secret_res, hcp_ns) if _keep_hcp_secret(s, name)]
    hcp = _get_or_none(module.resource(HYPERSHIFT_API, "HostedControlPlane"), name, hcp_ns)
    if hcp is None:
        raise Day2Error(
            "HostedControlPlane %s/%s does not exist, so the control plane of HostedCluster %s/%s cannot be exported. "
            "Wait until the HyperShift operator has rendered it (`oc get hcp -n %s`) and export again."
            % (hcp_ns, name, namespace, name, hcp_ns)
        )
    entries.append(("hcp", dict(hcp, apiVersion=HYPERSHIFT_API, kind="HostedControlPlane")))
    aws = ((hc.get("spec") or {}).get("platform") or {}).get("type") == "AWS"
    kinds = [("cluster", k) for k in CLUSTER_KINDS] + ([("machines", k) for k in MACHINE_KINDS] if machines else [])
    for group, (api, kind) in kinds:
        if kind in AWS_KINDS and not aws:
            continue
        res, api_version = serving_resource(module, api, kind)
        if res is None:
            raise Day2Error(
                "The API server does not serve %s %s (versions %s). Is this a HyperShift management cluster with "
                "Cluster API installed? Export with machines=false to leave the machine objects out."
                % (api[0], kind, ", ".join(api[1]))
            )
        items = list_all(res, hcp_ns)
        if kind == "Cluster" and not items:
            module.warn("No CAPI Cluster in %s; the export has none (HyperShift creates it again)." % hcp_ns)
        entries += [(group, dict(o, apiVersion=o.get("apiVersion") or api_version, kind=kind)) for o in items]
    entries.append(("hostedcluster", dict(hc, apiVersion=HYPERSHIFT_API, kind="HostedCluster")))
    entries += [("nodepools", dict(p, apiVersion=HYPERSHIFT_API, kind="NodePool")) for p in pools]
    cleaned = []
    for group, obj in entries:
        if group in LISTED_KINDS:  # items of a List carry no apiVersion and kind
            obj = dict(obj, apiVersion=LISTED_KINDS[group][0], kind=LISTED_KINDS[group][1])
        cleaned.append((group, clean(obj, strip)))
    return hc, cleaned


def hostedcluster_info(hc):
    spec = hc.get("spec") or {}
    policy = spec.get("controllerAvailabilityPolicy") or "HighlyAvailable"
    history = ((hc.get("status") or {}).get("version") or {}).get("history") or []
    version = history[0].get("version") if history else None
    hostnames = []
    for service in spec.get("services") or []:
        strategy = service.get("servicePublishingStrategy") or {}
        hostname = (strategy.get("route") or {}).get("hostname")
        if strategy.get("type") == "Route" and hostname and hostname not in hostnames:
            hostnames.append(hostname)
    return {
        "namespace": hc["metadata"]["namespace"],
        "name": hc["metadata"]["name"],
        "uid": hc["metadata"].get("uid"),
        "controllerAvailabilityPolicy": policy,
        "release_image": (spec.get("release") or {}).get("image"),
        "version": version,
        "etcd_members": 3 if policy == "HighlyAvailable" else 1,
        "api_hostnames": hostnames,
        "base_domain": (spec.get("dns") or {}).get("baseDomain"),
    }


def plan(entries):
    """[(manifest entry, file content)] for the cleaned objects."""
    out = []
    for group, obj in entries:
        content = dump(obj)
        meta = obj["metadata"]
        entry = {"group": group, "apiVersion": obj["apiVersion"], "kind": obj["kind"], "namespace": meta["namespace"]}
        entry.update(name=meta["name"], file=relative_file(obj), sha256=bytes_sha256(content))
        out.append((entry, content))
    return out


def check_options(params):
    for option in ("name", "namespace"):
        value = params[option]
        if not value or not value.strip() or "/" in value:
            raise Day2Error("%s must be a non-empty object name without '/' (got %r)." % (option, value))
    if not params["dest"] or not str(params["dest"]).strip():
        raise Day2Error("dest (the export directory) must not be empty.")
    if any(not isinstance(a, str) or not a.strip() for a in params["strip_annotations"]):
        raise Day2Error("strip_annotations must list annotation keys (got %r)." % (params["strip_annotations"],))


def execute(module):
    params = module.params
    check_options(params)
    dest = os.path.abspath(params["dest"])
    check_dest(dest)
    hc, entries = collect(module, params["name"], params["namespace"], params["machines"], params["strip_annotations"])
    planned = plan(entries)
    objects = [e for e, _c in planned]
    server = getattr(getattr(module.client, "configuration", None), "host", None)
    manifest = {"format": FORMAT, "hostedcluster": hostedcluster_info(hc), "source": {"server": server}}
    manifest["objects"] = objects
    changed, files, written = write_export(dest, planned, manifest, module.check_mode)
    if module.check_mode and changed:
        written = dict(manifest, exported_at=None)
    result = {"changed": changed, "manifest": written, "objects": objects, "dest": dest}
    if module._diff:
        result["diff"] = {
            "before": {"files": {f: old for f, (old, _new) in sorted(files.items()) if old}},
            "after": {"files": {f: new for f, (_old, new) in sorted(files.items()) if new}},
        }
    return result
