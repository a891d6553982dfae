# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared HyperShift helpers: read HostedClusters, NodePools and HostedControlPlanes, decide pausedUntil.

Every function takes a Day2K8sModule (for its resource() lookup) and raises Day2Error with a message
for the admin; kubernetes API errors other than "not found" propagate to Day2K8sModule.run().
"""

from __future__ import annotations

import datetime

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.durations import (
    INDEFINITE,
    parse_rfc3339,
    same_instant,
    utcnow,
)
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.k8s import HYPERSHIFT_API, NotFoundError, with_retries

__all__ = ["HYPERSHIFT_API", "hcp_namespace"]

MERGE_PATCH = "application/merge-patch+json"

# A duration re-pause leaves an existing pause alone when it already lasts until at least
# now + duration - this much, so re-running a playbook seconds later reports no change.
DURATION_SLACK = datetime.timedelta(seconds=60)


def check_cluster_names(params, nodepools=True):
    """name and namespace of the HostedCluster, and the NodePool names, refused before any request when they
    cannot name Kubernetes objects (an empty name would otherwise reach the API as a list call)."""
    inputs.k8s_name(params["name"], "name", label=True, example="example (the HostedCluster's name)")
    inputs.k8s_name(params["namespace"], "namespace", label=True, example="clusters")
    pools = (params.get("nodepools") or []) if nodepools else []
    if "all" in pools and len(pools) > 1:
        raise Day2Error("nodepools: 'all' cannot be combined with NodePool names (got %s)." % ", ".join(pools))
    for pool in pools:
        if pool != "all":
            inputs.k8s_name(pool, "nodepools", example="example-np0 (or all)")


def hcp_namespace(namespace, name):
    """The namespace of a hosted cluster's control plane: <HostedCluster namespace>-<name>."""
    return "%s-%s" % (namespace, name)


def _to_dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def get_hostedcluster(module, name, namespace):
    """The HostedCluster as a dict; Day2Error when it does not exist."""
    resource = module.resource(HYPERSHIFT_API, "HostedCluster")
    try:
        return _to_dict(with_retries(resource.get, name=name, namespace=namespace))
    except NotFoundError as exc:
        raise Day2Error(
            "HostedCluster %s/%s not found. Check the name and namespace (namespace/name); "
            "`oc get hostedcluster -A` lists the hosted clusters of this management cluster." % (namespace, name)
        ) from exc


def list_nodepools(module, namespace, cluster_name):
    """NodePools in namespace whose spec.clusterName is cluster_name, as dicts sorted by name."""
    resource = module.resource(HYPERSHIFT_API, "NodePool")
    found = _to_dict(with_retries(resource.get, namespace=namespace)).get("items") or []
    pools = [np for np in found if (np.get("spec") or {}).get("clusterName") == cluster_name]
    return sorted(pools, key=lambda np: np["metadata"]["name"])


def select_nodepools(module, namespace, cluster_name, wanted):
    """The NodePools to handle: wanted is ["all"], [] or names; Day2Error naming any not found."""
    if not wanted:
        return []
    pools = list_nodepools(module, namespace, cluster_name)
    if list(wanted) == ["all"]:
        return pools
    if "all" in wanted:
        raise Day2Error("nodepools: 'all' cannot be combined with NodePool names (got %s)." % ", ".join(wanted))
    by_name = {np["metadata"]["name"]: np for np in pools}
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise Day2Error(
            "NodePool(s) %s not found in namespace %s for HostedCluster %s. NodePools of this cluster: %s. "
            "`oc get nodepools -n %s` lists them (spec.clusterName must be %s)."
            % (
                ", ".join(missing),
                namespace,
                cluster_name,
                ", ".join(sorted(by_name)) or "none",
                namespace,
                cluster_name,
            )
        )
    return [by_name[n] for n in dict.fromkeys(wanted)]


def get_hostedcontrolplane(module, namespace, name):
    """The HostedControlPlane of HostedCluster namespace/name as a dict, or None when it does not exist."""
    resource = module.resource(HYPERSHIFT_API, "HostedControlPlane")
    try:
        return _to_dict(with_retries(resource.get, name=name, namespace=hcp_namespace(namespace, name)))
    except NotFoundError:
        return None


def patch_paused_until(module, kind, name, namespace, value):
    """Set (or with None remove) spec.pausedUntil of a HostedCluster or NodePool; transient errors retried.

    A JSON merge patch, as in the documented `oc patch --type=merge`; null removes the field.
    """
    resource = module.resource(HYPERSHIFT_API, kind)
    with_retries(
        resource.patch, body={"spec": {"pausedUntil": value}}, name=name, namespace=namespace, content_type=MERGE_PATCH
    )


def condition(obj, cond_type):
    """The status condition of that type of an object dict, or None."""
    for cond in ((obj or {}).get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return None


def paused_until(obj):
    """spec.pausedUntil of an object dict (None when absent)."""
    if not obj:
        return None
    return (obj.get("spec") or {}).get("pausedUntil")


def decide_pause(existing, until, now=None):
    """The pausedUntil to write for state=paused, or the existing value when nothing should change.

    - "true" and an explicit RFC3339 time are applied as given (an explicit time may shorten a pause);
      the same instant written another way counts as unchanged.
    - A duration never shortens a pause and does not chase the clock: an existing "true", or a time
      at least now + duration (minus DURATION_SLACK), is kept; otherwise now + duration is written.
    """
    if until.kind == "indefinite":
        return INDEFINITE
    if until.kind == "time":
        return existing if same_instant(existing, until.value) else until.value
    if existing == INDEFINITE:
        return existing
    moment = parse_rfc3339(existing) if existing is not None else None
    if moment is not None and moment >= until.moment - DURATION_SLACK and moment > (now or utcnow()):
        return existing
    return until.value
