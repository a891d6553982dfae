# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of the ocp.day2.hostedclusters inventory plugin: HostedCluster and NodePool objects in,
host names and host variables out. No client and no Ansible imports, so it is unit-tested on plain dicts."""

from __future__ import annotations

import os
import re

# Roles whose `<role>_name` / `<role>_namespace` the plugin sets, so their playbooks run unchanged.
DEFAULT_ROLES = (
    "hostedcluster_etcd_backup",
    "hostedcluster_etcd_restore",
    "etcd_member_recover",
    "hostedcluster_migrate",
)

# Condition types that get a flat boolean host variable hostedcluster_<snake_case>.
FLAT_CONDITIONS = ("Available", "Progressing", "Degraded", "ReconciliationActive", "EtcdAvailable")

HOST_FIELDS = ("name", "namespace", "management", "context", "uid", "infra_id")


class InventoryInputError(ValueError):
    """A configuration value of the inventory source is wrong (the plugin turns it into AnsibleParserError)."""


def snake(text):
    """`ReconciliationActive` -> `reconciliation_active`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", text).lower()


def _conditions(obj):
    out = {}
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type"):
            out[cond["type"]] = {
                "status": cond.get("status", "Unknown"),
                "reason": cond.get("reason", ""),
                "message": cond.get("message", ""),
            }
    return out


def _is_true(conditions, kind):
    cond = conditions.get(kind)
    return None if cond is None else cond["status"] == "True"


def completed_version(status_version):
    """The newest version whose history entry is Completed, or None."""
    for entry in (status_version or {}).get("history") or []:
        if entry.get("state") == "Completed" and entry.get("version"):
            return entry["version"]
    return None


def nodepool_vars(nodepool):
    spec, status = nodepool.get("spec") or {}, nodepool.get("status") or {}
    conditions = _conditions(nodepool)
    autoscaling = spec.get("autoScaling")
    return {
        "name": nodepool["metadata"]["name"],
        "replicas": spec.get("replicas"),
        "autoscaling": {"min": autoscaling.get("min"), "max": autoscaling.get("max")} if autoscaling else None,
        "current_replicas": status.get("replicas"),
        "release_image": (spec.get("release") or {}).get("image"),
        "version": status.get("version"),
        "paused_until": spec.get("pausedUntil"),
        "ready": _is_true(conditions, "Ready"),
        "instance_type": ((spec.get("platform") or {}).get("aws") or {}).get("instanceType"),
        "conditions": conditions,
    }


def hostedcluster_vars(hc, nodepools, management):
    """Host variables of one HostedCluster.

    hc: the HostedCluster object; nodepools: NodePool objects of its namespace (those of other clusters are
    ignored); management: {"name", "kubeconfig", "context", "validate_certs", "server"} of its management
    cluster (None values are left out of the connection variables).
    """
    meta, spec, status = hc["metadata"], hc.get("spec") or {}, hc.get("status") or {}
    name, namespace = meta["name"], meta["namespace"]
    conditions = _conditions(hc)
    platform = spec.get("platform") or {}
    version = status.get("version") or {}
    desired = version.get("desired") or {}
    pools = sorted(
        (nodepool_vars(np) for np in nodepools if (np.get("spec") or {}).get("clusterName") == name),
        key=lambda pool: pool["name"],
    )
    out = {
        "hostedcluster_name": name,
        "hostedcluster_namespace": namespace,
        "hostedcluster_control_plane_namespace": "%s-%s" % (namespace, name),
        "hostedcluster_uid": meta.get("uid"),
        "hostedcluster_labels": dict(meta.get("labels") or {}),
        "hostedcluster_infra_id": spec.get("infraID"),
        "hostedcluster_cluster_id": spec.get("clusterID"),
        "hostedcluster_release_image": (spec.get("release") or {}).get("image"),
        "hostedcluster_version": desired.get("version"),
        "hostedcluster_version_completed": completed_version(version),
        "hostedcluster_channel": spec.get("channel"),
        # The API default when unset is HighlyAvailable (SingleReplica has one etcd member).
        "hostedcluster_availability_policy": spec.get("controllerAvailabilityPolicy") or "HighlyAvailable",
        "hostedcluster_infrastructure_availability_policy": spec.get("infrastructureAvailabilityPolicy")
        or "SingleReplica",
        "hostedcluster_platform": platform.get("type"),
        "hostedcluster_region": (platform.get("aws") or {}).get("region"),
        "hostedcluster_base_domain": (spec.get("dns") or {}).get("baseDomain"),
        "hostedcluster_api_endpoint": _endpoint(status.get("controlPlaneEndpoint")),
        "hostedcluster_paused_until": spec.get("pausedUntil"),
        "hostedcluster_deleting": bool(meta.get("deletionTimestamp")),
        "hostedcluster_nodepools": pools,
        "hostedcluster_conditions": conditions,
        "hostedcluster_management_cluster": management["name"],
        "hostedcluster_management_server": management.get("server"),
    }
    for kind in FLAT_CONDITIONS:
        out["hostedcluster_" + snake(kind)] = _is_true(conditions, kind)
    return out


def _endpoint(endpoint):
    if not endpoint or not endpoint.get("host"):
        return None
    return "https://%s:%s" % (endpoint["host"], endpoint.get("port") or 443)


def connection_vars(management, set_kubeconfig=True):
    """The collection-wide connection variables every role falls back to."""
    out = {}
    if set_kubeconfig and management.get("kubeconfig"):
        out["ocp_day2_kubeconfig"] = management["kubeconfig"]
    if management.get("context"):
        out["ocp_day2_context"] = management["context"]
    if management.get("validate_certs") is not None:
        out["ocp_day2_validate_certs"] = management["validate_certs"]
    return out


def role_vars(name, namespace, roles):
    out = {}
    for role in roles:
        out[role + "_name"] = name
        out[role + "_namespace"] = namespace
    return out


def host_name(fmt, hc, management):
    """Inventory host name from a str.format template with the fields of HOST_FIELDS."""
    meta = hc["metadata"]
    fields = {
        "name": meta["name"],
        "namespace": meta["namespace"],
        "management": management["name"],
        "context": management.get("context") or "",
        "uid": meta.get("uid") or "",
        "infra_id": (hc.get("spec") or {}).get("infraID") or "",
    }
    try:
        out = fmt.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise InventoryInputError(
            "hostname_format %r is not valid (%s); use str.format fields among {%s}"
            % (fmt, exc, "}, {".join(HOST_FIELDS))
        ) from exc
    if not out.strip():
        raise InventoryInputError("hostname_format %r gives an empty host name" % fmt)
    return out


def management_name(entry, index, current_context=None):
    """A management cluster's name: given, else its context, else the kubeconfig's current context (found by
    current_context(kubeconfig or None)), else its kubeconfig's file name, else mgmt<index>."""
    if entry.get("name"):
        return entry["name"]
    if entry.get("context"):
        return entry["context"]
    if current_context is not None:
        found = current_context(entry.get("kubeconfig"))
        if found:
            return found
    if entry.get("kubeconfig"):
        base = re.sub(r"\.(kubeconfig|ya?ml|conf)$", "", entry["kubeconfig"].rstrip("/").rsplit("/", 1)[-1])
        return base or "mgmt%d" % index
    return "mgmt%d" % index


def group_name(text):
    """A valid Ansible group name from any text (letters, digits and underscores, not starting with a digit)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return "_" + out if out[:1].isdigit() else out


def normalize_management(entries, current_context=None):
    """Check and complete the management_clusters option: names unique, namespaces a list."""
    if not entries:
        raise InventoryInputError(
            "management_clusters is empty: name at least one management cluster (kubeconfig and/or context)"
        )
    seen, out = set(), []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InventoryInputError("management_clusters[%d] must be a mapping, got %r" % (index, entry))
        unknown = set(entry) - {"name", "kubeconfig", "context", "validate_certs", "namespaces", "vars"}
        if unknown:
            raise InventoryInputError(
                "management_clusters[%d] has unknown keys %s; allowed: name, kubeconfig, context, "
                "validate_certs, namespaces, vars" % (index, ", ".join(sorted(unknown)))
            )
        item = dict(entry)
        if item.get("kubeconfig"):
            item["kubeconfig"] = os.path.expanduser(item["kubeconfig"])
        item["name"] = management_name(item, index, current_context)
        if item["name"] in seen:
            raise InventoryInputError(
                "management_clusters: the name %r is used twice; give each entry its own name" % item["name"]
            )
        seen.add(item["name"])
        namespaces = item.get("namespaces")
        if isinstance(namespaces, str):
            namespaces = [namespaces]
        item["namespaces"] = list(namespaces) if namespaces else None
        if item.get("vars") is not None and not isinstance(item["vars"], dict):
            raise InventoryInputError("management_clusters[%d].vars must be a mapping" % index)
        out.append(item)
    return out


def host_name_from_vars(fmt, hostvars, management):
    """host_name() from the host variables of hostedcluster_vars() (what the cache keeps)."""
    hc = {
        "metadata": {
            "name": hostvars["hostedcluster_name"],
            "namespace": hostvars["hostedcluster_namespace"],
            "uid": hostvars.get("hostedcluster_uid"),
        },
        "spec": {"infraID": hostvars.get("hostedcluster_infra_id")},
    }
    return host_name(fmt, hc, management)


def describe_management(management):
    """`management cluster 'east' (kubeconfig /k/east, context c)` for messages."""
    parts = ["kubeconfig %s" % management["kubeconfig"]] if management.get("kubeconfig") else []
    parts += ["context %s" % management["context"]] if management.get("context") else []
    return "management cluster %r (%s)" % (management["name"], ", ".join(parts) or "default kubeconfig")


def api_refusal(status, reason, plural, where, server):
    """What an HTTP error of a list call means and what to check."""
    if status == 404:
        return (
            "the API server does not serve hypershift.openshift.io/v1beta1 %s: "
            "is the HyperShift operator installed there?" % plural
        )
    if status in (401, 403):
        return (
            "the API server at %s refused to list %s in %s (HTTP %s): "
            "check the credentials and their RBAC (list %s.hypershift.openshift.io)"
            % (server, plural, where, status, plural)
        )
    return "listing %s in %s failed: HTTP %s %s" % (plural, where, status, reason or "")


def unreachable_url(exc):
    """The API URL when exc is a connection failure (urllib3 error or OSError, carried or chained), else None."""
    seen = 0
    while exc is not None and seen < 5:
        pool = getattr(exc, "pool", None)
        if getattr(pool, "host", None):
            return "%s://%s:%s" % (pool.scheme, pool.host, pool.port)
        if type(exc).__module__.startswith("urllib3") or isinstance(exc, (ConnectionError, TimeoutError)):
            return "its URL"
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def short_reason(exc):
    """A short cause: urllib3's MaxRetryError carries the real one in .reason, without the pool's repr."""
    reason = getattr(exc, "reason", None)
    text = str(reason if reason is not None and not isinstance(reason, str) else exc)
    for marker in (">: ", "): "):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    return text.strip().rstrip(".") or type(exc).__name__
