"""Statuses the stand-ins report: HostedCluster version and conditions, HostedControlPlane, NodePool."""

import copy
import datetime
import re
import time

from .store import now

RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release"


def release_version(image):
    m = re.search(r":(\d+\.\d+\.\d+(?:-[a-z0-9.]+)?)-(?:x86_64|aarch64|multi)$", image or "") or re.search(
        r":(\d+\.\d+\.\d+)", image or ""
    )
    return m.group(1) if m else ""


# strconv.ParseBool's spellings, which the operator tries before RFC 3339
_BOOLS = dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True)
_BOOLS.update(dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False))
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_paused_until(value):
    """(paused, valid) as the HyperShift operator reads pausedUntil: a boolean first, then RFC 3339.

    A value that is neither is "not paused" (reconciliation goes on) and invalid, which the operator
    reports as ReconciliationActive=True with reason InvalidPausedUntilValue.
    """
    if value is None:
        return False, True
    if value in _BOOLS:
        return _BOOLS[value], True
    m = _RFC3339.match(value)
    if not m:
        return False, False
    try:
        frac = m.group(7) or ""
        until = datetime.datetime.fromisoformat(
            value[: m.start(7) if frac else m.start(8)] + m.group(8).replace("Z", "+00:00")
        )
    except ValueError:
        return False, False
    return until > datetime.datetime.now(datetime.timezone.utc), True


def is_paused(spec):
    return parse_paused_until((spec or {}).get("pausedUntil"))[0]


def reconciliation_active(paused_until, active_reason="AsExpected"):
    """(type, status, reason, message) of condition ReconciliationActive for a pausedUntil value.

    The HostedCluster (and HostedControlPlane) report reason AsExpected when active, NodePools
    ReconciliationActive.
    """
    paused, valid = parse_paused_until(paused_until)
    if paused:
        if paused_until in _BOOLS:
            return (
                "ReconciliationActive",
                "False",
                "ReconciliationPaused",
                "Reconciliation paused until field removed",
            )
        return (
            "ReconciliationActive",
            "False",
            "ReconciliationPaused",
            "Reconciliation paused until: %s" % paused_until,
        )
    if not valid:
        return (
            "ReconciliationActive",
            "True",
            "InvalidPausedUntilValue",
            "Invalid value provided for PausedUntil field",
        )
    return ("ReconciliationActive", "True", active_reason, "Reconciliation active on resource")


def conditions(old, wanted, generation=None):
    """Conditions keeping lastTransitionTime while a condition's status does not change."""
    prev = {c["type"]: c for c in old or []}
    out = []
    for ctype, status, reason, message in wanted:
        p = prev.get(ctype)
        cond = {
            "type": ctype,
            "status": status,
            "reason": reason,
            "message": message,
            "lastTransitionTime": p["lastTransitionTime"] if p and p.get("status") == status else now(),
        }
        if generation is not None:
            cond["observedGeneration"] = generation
        out.append(cond)
    return out


def available_updates(version, channel):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version or "")
    c = re.search(r"(\d+)\.(\d+)$", channel or "")
    if not m:
        return []
    major, minor, patch = (int(x) for x in m.groups())
    out = ["%d.%d.%d" % (major, minor, patch + k) for k in (1, 2, 3)]
    if c and int(c.group(2)) > minor:
        out += ["%s.%s.%d" % (c.group(1), c.group(2), k) for k in (0, 1)]
    return [{"version": v, "image": "%s:%s-x86_64" % (RELEASE_REPO, v)} for v in out]


def hc_status(hc, etcd_ok, progress, upgrade_seconds):
    meta, spec = hc["metadata"], hc["spec"]
    old = hc.get("status") or {}
    image = spec["release"]["image"]
    version = release_version(image)
    ver = copy.deepcopy(old.get("version") or {})
    history = ver.get("history") or []
    key = ("HostedCluster", meta["namespace"], meta["name"])
    valid = bool(version)
    if valid:
        if not history or history[0].get("image") != image:
            entry = {"state": "Partial", "image": image, "version": version, "startedTime": now(), "verified": False}
            history.insert(0, entry)
            progress[key] = time.monotonic()
        if (
            history[0]["state"] == "Partial"
            and etcd_ok
            and (len(history) == 1 or time.monotonic() - progress.get(key, 0) >= upgrade_seconds)
        ):
            history[0].update(state="Completed", completionTime=now())
            progress.pop(key, None)
        ver.update(
            desired={"image": image, "version": version}, history=history, observedGeneration=meta.get("generation", 1)
        )
    if spec.get("channel") and ver.get("desired"):
        ver["availableUpdates"] = available_updates(ver["desired"]["version"], spec["channel"])
    else:
        ver.pop("availableUpdates", None)
    progressing = bool(history) and history[0]["state"] == "Partial"
    name, base = meta["name"], (spec.get("dns") or {}).get("baseDomain", "example.com")
    bad = "the release image %r cannot be resolved to a version" % image
    wanted = [
        ("Available", "True" if etcd_ok else "False", "AsExpected" if etcd_ok else "EtcdUnavailable", ""),
        ("Progressing", "True" if progressing else "False", "AsExpected", ""),
        ("Degraded", "False", "AsExpected", ""),
        (
            "ValidReleaseImage",
            "True" if valid else "False",
            "AsExpected" if valid else "InvalidImage",
            "" if valid else bad,
        ),
        (
            "ClusterVersionReleaseAccepted",
            "True" if valid else "False",
            "PayloadLoaded" if valid else "RetrievePayload",
            "" if valid else bad,
        ),
        ("ClusterVersionProgressing", "True" if progressing else "False", "AsExpected", ""),
        ("ClusterVersionAvailable", "True" if history else "False", "FromClusterVersion", ""),
        ("ClusterVersionSucceeding", "True", "FromClusterVersion", ""),
        ("EtcdAvailable", "True" if etcd_ok else "False", "QuorumAvailable" if etcd_ok else "EtcdUnhealthy", ""),
        reconciliation_active(spec.get("pausedUntil")),
        ("ValidConfiguration", "True", "AsExpected", ""),
        ("SupportedHostedCluster", "True", "AsExpected", ""),
    ]
    status = {
        "version": ver,
        "conditions": conditions(old.get("conditions"), wanted, meta.get("generation")),
        "controlPlaneEndpoint": {"host": "api.%s.%s" % (name, base), "port": 443},
        "kubeconfig": {"name": "%s-admin-kubeconfig" % name},
        "kubeadminPassword": {"name": "%s-kubeadmin-password" % name},
        "ignitionEndpoint": "ignition.%s.%s" % (name, base),
        "oauthCallbackURLTemplate": "https://oauth.%s.%s:443/oauth2callback/[identity-provider-name]" % (name, base),
        "platform": {"aws": {"defaultWorkerSecurityGroupID": "sg-0%015x" % (hash(name) & 0xFFFFFFFFFFFF)}},
    }
    return status


def paused_status(old, paused_until, active_reason="AsExpected", generation=None):
    """`old` with only condition ReconciliationActive brought up to date (what a paused object shows)."""
    status = copy.deepcopy(old)
    conds = [c for c in status.get("conditions") or [] if c["type"] != "ReconciliationActive"]
    prev = [c for c in old.get("conditions") or [] if c["type"] == "ReconciliationActive"]
    status["conditions"] = conds + conditions(prev, [reconciliation_active(paused_until, active_reason)], generation)
    return status


def hcp_status(hcp, hc_status_, extra=()):
    """The HostedControlPlane's status: what the HostedCluster shows, its own ReconciliationActive, `extra`."""
    ver = hc_status_.get("version") or {}
    old = hcp.get("status") or {}
    own = [reconciliation_active((hcp.get("spec") or {}).get("pausedUntil"))] + list(extra)
    kept = [c for c in hc_status_["conditions"] if c["type"] not in {w[0] for w in own}]
    prev = {c["type"]: c for c in old.get("conditions") or []}
    return {
        "ready": any(c["type"] == "Available" and c["status"] == "True" for c in hc_status_["conditions"]),
        "initialized": True,
        "releaseImage": (ver.get("desired") or {}).get("image", ""),
        "version": (ver.get("desired") or {}).get("version", ""),
        "versionStatus": copy.deepcopy(ver),
        "controlPlaneEndpoint": hc_status_["controlPlaneEndpoint"],
        "conditions": copy.deepcopy(kept)
        + conditions([prev[w[0]] for w in own if w[0] in prev], own, (hcp.get("metadata") or {}).get("generation")),
    }


def nodepool_conditions(updating, old, paused_until=None):
    wanted = [
        ("Ready", "True", "AsExpected", ""),
        ("UpdatingVersion", "True" if updating else "False", "AsExpected", ""),
        ("UpdatingConfig", "False", "AsExpected", ""),
        ("AllMachinesReady", "True", "AsExpected", ""),
        ("AllNodesHealthy", "True", "AsExpected", ""),
        ("ValidReleaseImage", "True", "AsExpected", ""),
        reconciliation_active(paused_until, "ReconciliationActive"),
        ("AutoscalingEnabled", "False", "AsExpected", ""),
        ("UpdateManagementEnabled", "True", "AsExpected", ""),
    ]
    return conditions(old, wanted)
