"""`meta.k8s.io/v1` Table responses, which `kubectl get` asks for."""

import datetime


def _age(obj):
    ts = (obj.get("metadata") or {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    then = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    secs = int((datetime.datetime.now(datetime.timezone.utc) - then).total_seconds())
    if secs < 120:
        return "%ds" % max(secs, 0)
    if secs < 7200:
        return "%dm" % (secs // 60)
    return "%dh" % (secs // 3600)


def _col(name, typ="string", fmt=""):
    return {"name": name, "type": typ, "format": fmt, "description": name, "priority": 0}


def _pod_row(o):
    statuses = (o.get("status") or {}).get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    reason = (o.get("status") or {}).get("phase", "Pending")
    for s in statuses:
        waiting = (s.get("state") or {}).get("waiting")
        if waiting:
            reason = waiting.get("reason", reason)
    if (o.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    return ["%d/%d" % (ready, len(statuses) or len(o["spec"].get("containers", []))), reason, restarts]


def _replicas_row(o):
    spec, st = o.get("spec") or {}, o.get("status") or {}
    return ["%d/%d" % (st.get("readyReplicas", 0), spec.get("replicas", 1))]


def _condition(o, ctype):
    for c in (o.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c.get("status", "")
    return ""


_EXTRA = {
    "Pod": ([_col("Ready"), _col("Status"), _col("Restarts", "integer")], _pod_row),
    "Deployment": ([_col("Ready")], _replicas_row),
    "StatefulSet": ([_col("Ready")], _replicas_row),
    "PersistentVolumeClaim": (
        [_col("Status"), _col("Volume")],
        lambda o: [(o.get("status") or {}).get("phase", ""), (o.get("spec") or {}).get("volumeName", "")],
    ),
    "Namespace": ([_col("Status")], lambda o: [(o.get("status") or {}).get("phase", "")]),
    "Node": ([_col("Status")], lambda o: ["Ready" if _condition(o, "Ready") == "True" else "NotReady"]),
    "ClusterVersion": (
        [_col("Version"), _col("Available"), _col("Progressing")],
        lambda o: [
            ((o.get("status") or {}).get("desired") or {}).get("version", ""),
            _condition(o, "Available"),
            _condition(o, "Progressing"),
        ],
    ),
    "HostedCluster": (
        [_col("Version"), _col("Available"), _col("Progressing")],
        lambda o: [
            ((o.get("status") or {}).get("version") or {}).get("desired", {}).get("version", ""),
            _condition(o, "Available"),
            _condition(o, "Progressing"),
        ],
    ),
    "NodePool": (
        [_col("Cluster"), _col("Desired Nodes", "integer"), _col("Version")],
        lambda o: [
            (o.get("spec") or {}).get("clusterName", ""),
            (o.get("spec") or {}).get("replicas", 0),
            (o.get("status") or {}).get("version", ""),
        ],
    ),
}


def table(kind, items, resource_version):
    extra_cols, row_fn = _EXTRA.get(kind, ([], lambda o: []))
    columns = [_col("Name", fmt="name")] + extra_cols + [_col("Age")]
    rows = []
    for o in items:
        rows.append(
            {
                "cells": [o["metadata"]["name"]] + row_fn(o) + [_age(o)],
                "object": o,
            }
        )
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": columns,
        "rows": rows,
    }
