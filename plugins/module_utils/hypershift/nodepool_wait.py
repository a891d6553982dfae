# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NodePool reads, patches and waits shared by the node pool configuration and scaling modules."""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import HYPERSHIFT_API, MERGE_PATCH, condition
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    NotFoundError,
    api_error_text,
    with_retries,
)


def _dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def get_pool(module, namespace, name):
    try:
        return _dict(with_retries(module.resource(HYPERSHIFT_API, "NodePool").get, name=name, namespace=namespace))
    except NotFoundError as exc:
        raise Day2Error("NodePool %s/%s disappeared while this task ran; re-run it." % (namespace, name)) from exc


def patch_pool(module, pool, spec=None, annotations=None):
    """Merge-patch a NodePool, conditional on the resourceVersion read (a concurrent change fails, not lost)."""
    meta = pool["metadata"]
    body = {"metadata": {"resourceVersion": meta.get("resourceVersion")}}
    if spec:
        body["spec"] = spec
    if annotations:
        body["metadata"]["annotations"] = annotations
    try:
        return _dict(with_retries(module.resource(HYPERSHIFT_API, "NodePool").patch, body=body, name=meta["name"],
                                  namespace=meta["namespace"], content_type=MERGE_PATCH))  # fmt: skip
    except DynamicApiError as exc:
        if getattr(exc, "status", None) == 409:
            raise Day2Error(
                "NodePool %s/%s changed while this task ran (someone else edited it); nothing of this change was "
                "written to it. Re-run the task." % (meta["namespace"], meta["name"])
            ) from exc
        raise Day2Error(
            "Updating NodePool %s/%s failed: %s" % (meta["namespace"], meta["name"], api_error_text(exc))
        ) from exc


def cond_status(pool, ctype):
    cond = condition(pool, ctype)
    return (cond or {}).get("status"), (cond or {}).get("message") or ""


def fresh(pool, ctype):
    """True when condition ctype was written for the NodePool's current generation (or carries no generation)."""
    cond = condition(pool, ctype) or {}
    gen = cond.get("observedGeneration")
    return gen is None or gen >= (pool["metadata"].get("generation") or 0)


def wait_pools(module, namespace, names, pending, timeout, poll, goal):
    """Poll until pending(pool) is None for every NodePool named; Day2Timeout naming what each still shows.

    pending may raise Day2Error to stop at once (a condition that will not clear by waiting).
    Returns {name: pool as last read}.
    """
    deadline = time.monotonic() + timeout
    last = {}
    while True:
        left = {}
        for name in names:
            pool = get_pool(module, namespace, name)
            last[name] = pool
            why = pending(pool)
            if why:
                left[name] = why
        if not left:
            return last
        if time.monotonic() >= deadline:
            still = "; ".join("%s: %s" % kv for kv in sorted(left.items()))
            raise Day2Timeout(
                "Timed out after %ds waiting for %s; %s. Re-run the task to wait again, or see `oc get nodepool -n %s "
                "-o yaml` for the conditions." % (timeout, goal, still, namespace)
            )
        time.sleep(max(0.0, min(poll, deadline - time.monotonic())))
