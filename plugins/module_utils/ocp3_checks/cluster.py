# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster checks of OpenShift 3.11 (002 §2.3, §3.3, §3.4, §3.8, §3.9), judged from API objects.

Pure functions over the objects' dicts: ocp3_cluster_check fetches, these decide.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import fail, ok, skipped, warn

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",  # what 3.11 installers set
)
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
# holderIdentity is master-<hostname>-<ip>-<8 random characters> (002 §3.9)
HOLDER_RE = re.compile(r"^master-(.*)-[0-9.]*-[0-9a-z]{8}$")


def _annotations(obj):
    return (obj.get("metadata") or {}).get("annotations") or {}


def default_storageclass(items):
    name = "default_storageclass"
    defaults = [
        sc["metadata"]["name"]
        for sc in items
        if any(str(_annotations(sc).get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)
    ]
    observed = "%d storage class(es); default: %s" % (len(items), ", ".join(defaults) or "none")
    threshold = "exactly one default StorageClass"
    remedy = (
        'Mark one class default: `oc patch storageclass NAME -p \'{"metadata": {"annotations": '
        '{"storageclass.kubernetes.io/is-default-class": "true"}}}\'` (and set the others to "false").'
    )
    if not defaults:
        return fail(name, observed, threshold, "No default StorageClass: claims without a class stay Pending.", remedy)
    if len(defaults) > 1:
        return warn(
            name,
            observed,
            threshold,
            "%d classes are marked default; which one a claim gets is undefined." % len(defaults),
            remedy,
        )
    return ok(name, observed, threshold, "%s is the default StorageClass." % defaults[0])


def nodes_ready(items):
    name = "nodes_ready"
    not_ready, unschedulable = [], []
    for node in items:
        conditions = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
        ready = conditions.get("Ready", {})
        if ready.get("status") != "True":
            not_ready.append(
                "%s (%s)"
                % (node["metadata"]["name"], ready.get("reason") or ready.get("status") or "no Ready condition")
            )
        if (node.get("spec") or {}).get("unschedulable"):
            unschedulable.append(node["metadata"]["name"])
    observed = "%d/%d Ready" % (len(items) - len(not_ready), len(items))
    if not_ready:
        observed += "; NotReady: " + ", ".join(not_ready)
    if unschedulable:
        observed += "; unschedulable: " + ", ".join(unschedulable)
    threshold = "every node Ready"
    if not items:
        return fail(
            name,
            observed,
            threshold,
            "The API lists no nodes.",
            "Check that the kubeconfig points at the "
            "right cluster and that the node services run (`systemctl status atomic-openshift-node`).",
        )
    if not_ready:
        return fail(
            name,
            observed,
            threshold,
            "%d node(s) are not Ready." % len(not_ready),
            "On each NotReady node check `systemctl status atomic-openshift-node`, its logs, and that the "
            "masters reach its kubelet on 10250/tcp (002 §3.3, §3.5.2).",
        )
    return ok(name, observed, threshold, "All nodes are Ready.")


def replicas(name, obj, kind, namespace, optional=False):
    """desired (spec.replicas) == current (status.replicas) == available, for a DeploymentConfig or Deployment."""
    check = "%s_replicas" % name.replace("-", "_")
    if obj is None:
        if optional:
            return skipped(
                check,
                "No %s %s in %s: an external %s is in use, or it is not deployed." % (kind, name, namespace, name),
            )
        return fail(
            check,
            "%s %s/%s not found" % (kind, namespace, name),
            "exists",
            "The %s %s is missing from %s." % (kind, name, namespace),
            "Deploy it again (`oc adm router` / `oc adm registry`, or rerun the installer's playbook).",
        )
    desired = int((obj.get("spec") or {}).get("replicas") or 0)
    status = obj.get("status") or {}
    current = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    observed = "desired %d, current %d, available %d" % (desired, current, available)
    threshold = "desired == current == available"
    if desired == 0:
        return warn(
            check,
            observed,
            threshold,
            "%s is scaled to zero." % name,
            "Scale it back: `oc -n %s scale %s/%s --replicas=N`." % (namespace, kind.lower(), name),
        )
    if desired != current or available < desired:
        return fail(
            check,
            observed,
            threshold,
            "%s runs %d of %d desired pods (%d available)." % (name, current, desired, available),
            "See why pods do not start: `oc -n %s get pods -o wide`, `oc -n %s describe %s/%s`."
            % (namespace, namespace, kind.lower(), name),
        )
    return ok(check, observed, threshold, "%s runs all %d desired pods." % (name, desired))


def api_healthz(code, body, error=None):
    name = "api_healthz"
    threshold = "HTTP 200 `ok`"
    if error is not None:
        return fail(
            name,
            error,
            threshold,
            "The API server's /healthz did not answer.",
            "Check the master-api pods (`oc get pod -n kube-system -l openshift.io/component=api`) and the "
            "load balancer in front of 8443/443 (002 §3.8).",
        )
    text = (body or "").strip()
    observed = "HTTP %s %s" % (code, text[:200])
    if code != 200 or text != "ok":
        return fail(
            name,
            observed,
            threshold,
            "The API server reports itself unhealthy.",
            "`curl -k https://MASTER:8443/healthz?verbose` lists the failing checks; look at those first.",
        )
    return ok(name, observed, threshold, "The API server is healthy.")


def _parse_time(text):
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def controller_leader(configmap, now=None):
    """The active controller from the leader annotation; stale when not renewed within its lease."""
    name = "controller_leader"
    threshold = "a holder that renewed within 2 x leaseDurationSeconds + 10s"
    remedy = (
        "Check the controllers on every master (`master-logs controllers controllers`); restart them with "
        "`master-restart controllers` if none holds the lease (002 §3.9)."
    )
    if configmap is None:
        return fail(
            name,
            "kube-system/openshift-master-controllers not found",
            threshold,
            "No controller leader record: the controllers have not run.",
            remedy,
        )
    raw = _annotations(configmap).get(LEADER_ANNOTATION)
    try:
        record = json.loads(raw)
    except (TypeError, ValueError):
        return fail(
            name,
            "annotation %s: %r" % (LEADER_ANNOTATION, raw),
            threshold,
            "The leader annotation is missing or not JSON.",
            remedy,
        )
    holder = record.get("holderIdentity") or ""
    match = HOLDER_RE.match(holder)
    host = match.group(1) if match else holder
    now = now or datetime.datetime.now(datetime.timezone.utc)
    renewed = _parse_time(record.get("renewTime"))
    lease = int(record.get("leaseDurationSeconds") or 15)
    observed = "active controller on %s (holder %s, renewed %s)" % (
        host or "nobody",
        holder or "-",
        record.get("renewTime") or "never",
    )
    if not holder:
        return fail(name, observed, threshold, "No master holds the controller lease.", remedy)
    # Holders renew every few seconds; twice the lease plus a little clock skew before calling it stale.
    if renewed is None or (now - renewed).total_seconds() > 2 * lease + 10:
        age = "never" if renewed is None else "%ds ago" % (now - renewed).total_seconds()
        return fail(
            name,
            observed,
            threshold,
            "The lease was last renewed %s, long past its %ds: the active controller is gone." % (age, lease),
            remedy,
        )
    return ok(name, observed, threshold, "The controllers run on %s." % host)
