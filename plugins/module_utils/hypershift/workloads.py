# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale the Deployments and StatefulSets of a hosted control plane in one step and wait on all of them.

Workloads are named "<Kind>/<name>" (for example "Deployment/kube-apiserver", "StatefulSet/etcd"), the keys of
the quiesce record's `replicas`. Scaling goes through the scale subresource, every patch first, then one wait
on all of them together. Transient API errors are retried (k8s.with_retries).
"""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import MERGE_PATCH
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    NotFoundError,
    Urllib3HTTPError,
    api_error_text,
    with_retries,
)

APPS_API = "apps/v1"
KINDS = ("Deployment", "StatefulSet")
POLL_SLEEP = 1.0


def workload_key(kind, name):
    return "%s/%s" % (kind, name)


def split_key(key):
    """(kind, name) of "<Kind>/<name>"; Day2Error for anything else."""
    kind, sep, name = str(key).partition("/")
    if not sep or kind not in KINDS or not name:
        raise Day2Error("%r is not a workload of the form Deployment/<name> or StatefulSet/<name>." % key)
    return kind, name


def _to_dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def get_workload(module, namespace, key):
    """The workload as a dict, or None when it does not exist."""
    kind, name = split_key(key)
    resource = module.resource(APPS_API, kind)
    try:
        return _to_dict(with_retries(resource.get, name=name, namespace=namespace))
    except NotFoundError:
        return None


def get_workloads(module, namespace, keys):
    """{key: object} for every key; Day2Error naming all that do not exist."""
    found, missing = {}, []
    for key in keys:
        obj = get_workload(module, namespace, key)
        if obj is None:
            missing.append(key)
        else:
            found[key] = obj
    if missing:
        raise Day2Error(
            "%s not found in namespace %s (the hosted control plane namespace <namespace>-<name>). Check the "
            "deployments and statefulsets options; `oc get deployments,statefulsets -n %s` lists them."
            % (", ".join(missing), namespace, namespace)
        )
    return found


def spec_replicas(obj):
    """spec.replicas of a Deployment or StatefulSet (the API default is 1)."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def scale_one(module, namespace, key, replicas):
    kind, name = split_key(key)
    resource = module.resource(APPS_API, kind)
    with_retries(
        resource.subresources["scale"].patch,
        body={"spec": {"replicas": replicas}},
        name=name,
        namespace=namespace,
        content_type=MERGE_PATCH,
    )


def scale_all(module, namespace, wanted):
    """Patch the scale of every workload in wanted {key: replicas}, all of them, before any wait.

    Returns (done, failed): the keys scaled and {key: error text} of those that failed after retries.
    """
    done, failed = [], {}
    for key in sorted(wanted):
        try:
            scale_one(module, namespace, key, wanted[key])
        except NotFoundError:
            failed[key] = "not found"
        except (DynamicApiError, Urllib3HTTPError, OSError) as exc:
            failed[key] = api_error_text(exc)
        else:
            done.append(key)
    return done, failed


def reached(obj, want):
    """Whether a workload's status shows `want` replicas: gone when 0, else ready (and available)."""
    if obj is None:
        return False
    meta, status = obj.get("metadata") or {}, obj.get("status") or {}
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    if generation is not None and observed is not None and observed < generation:
        return False
    if spec_replicas(obj) != want:
        return False
    if want == 0:
        return not status.get("replicas") and not status.get("readyReplicas")
    ready = status.get("readyReplicas") or 0
    available = status.get("availableReplicas", ready) or 0
    return ready >= want and available >= want


def progress(obj, want):
    if obj is None:
        return "does not exist"
    status = obj.get("status") or {}
    return "spec.replicas %s, %s replicas, %s ready, want %d" % (
        spec_replicas(obj),
        status.get("replicas") or 0,
        status.get("readyReplicas") or 0,
        want,
    )


def wait_all(module, namespace, wanted, timeout):
    """Wait until every workload in wanted {key: replicas} reached its replicas; Day2Timeout names the rest."""
    deadline = time.monotonic() + timeout
    pending = dict(wanted)
    while True:
        last = {}
        for key in sorted(pending):
            obj = get_workload(module, namespace, key)
            if reached(obj, pending[key]):
                continue
            last[key] = obj
        if not last:
            return
        if time.monotonic() >= deadline:
            raise Day2Timeout(
                "Timed out after %ds waiting for the workloads in %s to reach their replicas; not there: %s. "
                "`oc get pods -n %s` and `oc describe` of those workloads show why."
                % (
                    timeout,
                    namespace,
                    "; ".join("%s (%s)" % (key, progress(last[key], wanted[key])) for key in sorted(last)),
                    namespace,
                ),
                not_ready=sorted(last),
            )
        pending = {key: wanted[key] for key in last}
        time.sleep(min(POLL_SLEEP, max(0.0, deadline - time.monotonic())))
