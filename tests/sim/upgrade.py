"""How the operator stand-in follows an upgrade, as HyperShift does (facts from openshift/hypershift, our own code).

- Updates offered: status.version.availableUpdates and conditionalUpdates come from the update graph of the
  management cluster (`mgmt.update_graph`, settable by tests, else a default graph), only while spec.channel is
  set; each release lists the channels it is in.
- A release whose minor the operator does not support (ConfigMap hypershift/supported-versions), or a y-stream
  downgrade, is refused: ValidReleaseImage=False (InvalidImage), Progressing=False (Blocked), nothing rolls out.
- A rollout: history[0] Partial, ClusterVersionReleaseAccepted False while the payload loads (the first third of
  `upgrade_seconds`), then True ('Payload loaded version="x" image="y"'), then Completed; `mgmt.upgrade_hold`
  ({("HostedCluster"|"NodePool", namespace, name)}) keeps a rollout from finishing, for fault tests.
- NodePools: SupportedVersionSkew False (UnsupportedSkew) when the pool's release is above the control plane's
  last Completed version or more than 3 minors below it; the pool keeps rolling out anyway, as upstream says.
  UpdatingVersion says the target while it updates.
- ClusterVersionUpgradeable on the HostedCluster is the Upgradeable condition of the hosted cluster's own
  ClusterVersion (the guest API, tests/sim/guest.py; `GuestHandle.set_upgradeable`), bubbled up as HyperShift does;
  without one it is Unknown (StatusUnknown, "Condition not found in the CVO."). While it is False, a release of
  another minor is not rolled out unless hypershift.openshift.io/force-upgrade-to names exactly that release
  image: Progressing=False (Blocked, "ClusterVersionUpgradeable condition is false: cluster version is not
  upgradeable"); ValidReleaseImage stays True. A z-stream goes ahead, as upstream's isUpgrading allows.
"""

import copy
import json
import re
import time

from . import guest
from . import status as st

RISK_SRIOV = {
    "name": "SRIOVFailedToConfigureVF",
    "message": "Update the SR-IOV operator before this release (kernel data structure change).",
    "url": "https://issues.redhat.com/browse/NHE-1171",
    "matchingRules": [
        {"type": "PromQL", "promql": {"promql": 'group(csv_succeeded{name=~"sriov-network-operator.*"})'}}
    ],
}


def _ver(text):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(x) for x in m.groups()) if m else None


def _release(version, channel):
    major, minor = _ver(version)[:2]
    channels = sorted({channel, "stable-%d.%d" % (major, minor), "fast-%d.%d" % (major, minor)})
    return {"version": version, "image": "%s:%s-x86_64" % (st.RELEASE_REPO, version), "channels": channels}


def offered(mgmt, version, channel):
    """(availableUpdates, conditionalUpdates) for a cluster at `version` on `channel`."""
    graph = getattr(mgmt, "update_graph", None)
    if graph is None:
        return [dict(r, channels=sorted({channel, *(["stable-%s" % ".".join(r["version"].split(".")[:2])])}))
                for r in st.available_updates(version, channel)], []  # fmt: skip
    cur = _ver(version)
    avail = [_release(v, channel) for v in graph.get("available", []) if _ver(v) > cur]
    cond = []
    for item in graph.get("conditional", []):
        if _ver(item["version"]) <= cur:
            continue
        cond.append(
            {
                "release": _release(item["version"], channel),
                "risks": copy.deepcopy(item.get("risks") or [RISK_SRIOV]),
                "conditions": [
                    {
                        "type": "Recommended",
                        "status": "Unknown",
                        "reason": "EvaluationFailed",
                        "message": "Could not evaluate exposure to the update risks",
                        "lastTransitionTime": "2024-01-01T00:00:00Z",
                    }
                ],
            }
        )
    return avail, cond


def supported_minors(mgmt):
    cm = mgmt.get("v1", "ConfigMap", "supported-versions", "hypershift")
    try:
        return json.loads(cm["data"]["supported-versions"])["versions"]
    except (TypeError, KeyError, ValueError):
        return []


def release_problem(mgmt, wanted, running):
    """Why the operator refuses release `wanted` for a cluster running `running` (None: it accepts it)."""
    w, r = _ver(wanted), _ver(running)
    if w is None:
        return None  # the stand-in's own "cannot be resolved" path
    if r and r[:2] > w[:2]:
        return 'y-stream downgrade from "%s" to "%s" is not supported' % (running, wanted)
    minors = supported_minors(mgmt)
    if "%d.%d" % w[:2] not in minors:
        return 'the latest version supported is: "%s". Attempting to use: "%s"' % (
            max(minors, key=lambda m: tuple(int(x) for x in m.split(".")), default="none"),
            wanted,
        )
    return None


NOT_UPGRADEABLE = "ClusterVersionUpgradeable condition is false: cluster version is not upgradeable"
FORCE = "hypershift.openshift.io/force-upgrade-to"


def blocked(mgmt, hc):
    """Why the operator does not roll the HostedCluster's spec.release.image out (None: it does)."""
    running = (((hc.get("status") or {}).get("version") or {}).get("desired") or {}).get("version")
    wanted = st.release_version(hc["spec"]["release"]["image"])
    if not running or running == wanted:
        return None
    problem = release_problem(mgmt, wanted, running)
    if problem:
        return problem
    up = next(
        (c for c in (hc.get("status") or {}).get("conditions") or [] if c["type"] == "ClusterVersionUpgradeable"), {}
    )
    forced = (hc["metadata"].get("annotations") or {}).get(FORCE) == hc["spec"]["release"]["image"]
    w, r = _ver(wanted), _ver(running)
    if up.get("status") == "False" and not forced and w and r and w[:2] != r[:2]:
        return NOT_UPGRADEABLE
    return None


def cv_upgradeable(hc):
    """(status, reason, message) of the hosted cluster's ClusterVersion Upgradeable condition, as HyperShift
    copies it to the HostedCluster (Unknown when the CVO reports none)."""
    state = guest.lookup(hc["spec"].get("clusterID") or hc["metadata"].get("uid"))
    cv = state.store.get(guest.R["ClusterVersion"], None, "version") if state is not None else None
    cond = next(
        (c for c in ((cv or {}).get("status") or {}).get("conditions") or [] if c["type"] == "Upgradeable"), None
    )
    if cond is None:
        return "Unknown", "StatusUnknown", "Condition not found in the CVO."
    return cond["status"], cond.get("reason") or "FromClusterVersion", cond.get("message") or ""


def _set(status, old, generation, ctype, value, reason, message):
    kept = [c for c in status["conditions"] if c["type"] != ctype]
    prev = [c for c in old.get("conditions") or [] if c["type"] == ctype]
    status["conditions"] = kept + st.conditions(prev, [(ctype, value, reason, message)], generation)


def event(mgmt, kind, name, what):
    """Note when the stand-in first saw a step (tests check the order: backup, control plane, then NodePools)."""
    events = mgmt.__dict__.setdefault("upgrade_events", [])
    if (kind, name, what) not in {e[1:] for e in events}:
        events.append((time.time(), kind, name, what))


def held(mgmt, kind, meta):
    return (kind, meta["namespace"], meta["name"]) in getattr(mgmt, "upgrade_hold", set())


def hc_status(mgmt, hc, status, progress):
    """The HostedCluster status of st.hc_status, brought to what HyperShift reports during an upgrade."""
    meta, spec = hc["metadata"], hc["spec"]
    old = hc.get("status") or {}
    gen = meta.get("generation")
    old_ver = old.get("version") or {}
    _set(status, old, gen, "ClusterVersionUpgradeable", *cv_upgradeable(hc))
    problem = blocked(mgmt, hc)
    key = ("HostedCluster", meta["namespace"], meta["name"])
    if problem == NOT_UPGRADEABLE:  # reconciliation blocked; the release itself is valid
        status["version"] = copy.deepcopy(old_ver)
        progress.pop(key, None)
        _set(status, old, gen, "Progressing", "False", "Blocked", problem)
        _set(status, old, gen, "ClusterVersionProgressing", "False", "AsExpected", "")
        for c in old.get("conditions") or []:
            if c["type"] == "ClusterVersionReleaseAccepted":
                _set(status, old, gen, c["type"], c["status"], c["reason"], c.get("message", ""))
        problem = "held"
    elif problem:
        status["version"] = copy.deepcopy(old_ver)
        progress.pop(key, None)
        _set(status, old, gen, "ValidReleaseImage", "False", "InvalidImage", problem)
        _set(status, old, gen, "Progressing", "False", "Blocked", "ValidReleaseImage condition is false: " + problem)
        _set(status, old, gen, "ClusterVersionProgressing", "False", "AsExpected", "")
        for c in old.get("conditions") or []:
            if c["type"] == "ClusterVersionReleaseAccepted":
                _set(status, old, gen, c["type"], c["status"], c["reason"], c.get("message", ""))
    ver = status.get("version") or {}
    history = ver.get("history") or []
    if history and held(mgmt, "HostedCluster", meta) and len(history) > 1:
        was = (old_ver.get("history") or [{}])[0]
        if history[0]["state"] == "Completed" and was.get("image") == history[0]["image"] and was["state"] == "Partial":
            history[0] = copy.deepcopy(was)  # the rollout does not finish while held
            progress[key] = time.monotonic() - mgmt.upgrade_seconds  # loaded long ago; only held
    if len(history) > 1 and not problem:
        event(mgmt, "HostedCluster", meta["name"], "%s %s" % (history[0]["state"], history[0]["version"]))
    if history and history[0]["state"] == "Partial" and not problem:
        loading = time.monotonic() - progress.get(key, 0) < mgmt.upgrade_seconds / 3.0
        if loading:
            _set(status, old, gen, "ClusterVersionReleaseAccepted", "False", "RetrievePayload",
                 "Retrieving payload for version %s" % history[0]["version"])  # fmt: skip
        else:
            _set(status, old, gen, "ClusterVersionReleaseAccepted", "True", "PayloadLoaded",
                 'Payload loaded version="%s" image="%s"' % (history[0]["version"], history[0]["image"]))  # fmt: skip
        # the control plane stays available through a rolling upgrade
    elif history and not problem:
        _set(status, old, gen, "ClusterVersionReleaseAccepted", "True", "PayloadLoaded",
             'Payload loaded version="%s" image="%s"' % (history[0]["version"], history[0]["image"]))  # fmt: skip
    if spec.get("channel") and ver.get("desired"):
        ver["availableUpdates"], conditional = offered(mgmt, ver["desired"]["version"], spec["channel"])
        if conditional:
            ver["conditionalUpdates"] = conditional
        else:
            ver.pop("conditionalUpdates", None)
    else:
        ver.pop("conditionalUpdates", None)
    return status


def cp_version(hc):
    ver = (hc.get("status") or {}).get("version") or {}
    for entry in ver.get("history") or []:
        if entry.get("state") == "Completed":
            return entry["version"]
    return (ver.get("desired") or {}).get("version")


def rolled_out(mgmt, np, started):
    """A NodePool's version rollout is over (upgrade_seconds passed and it is not held)."""
    return time.monotonic() - started >= mgmt.upgrade_seconds and not held(mgmt, "NodePool", np["metadata"])


def nodepool_status(mgmt, np, status, updating):
    """SupportedVersionSkew and the UpdatingVersion message on a NodePool status (conditions already set)."""
    meta = np["metadata"]
    old = np.get("status") or {}
    want = st.release_version((np["spec"].get("release") or {}).get("image"))
    if updating:
        event(mgmt, "NodePool", meta["name"], "Partial %s" % want)
    elif status.get("version") == want and old.get("version") not in (None, want):
        event(mgmt, "NodePool", meta["name"], "Completed %s" % want)
    if updating:
        _set(status, old, None, "UpdatingVersion", "True", "AsExpected",
             "Updating version in progress. Target version: %s" % want)  # fmt: skip
    hc = mgmt.get("hypershift.openshift.io/v1beta1", "HostedCluster", np["spec"].get("clusterName"), meta["namespace"])
    cp = cp_version(hc) if hc else None
    w, c = _ver(want), _ver(cp)
    if not c or not w:
        value = ("Unknown", "ValidationFailed", "HostedCluster version is not available yet")
    elif w > c:
        value = ("False", "UnsupportedSkew", "NodePool version %s cannot be higher than the HostedCluster version %s")
        value = value[:2] + (value[2] % (want, cp),)
    elif c[0] == w[0] and c[1] - w[1] > 3:
        text = "NodePool minor version %d.%d is less than %d.%d, which is the minimum NodePool version compatible "
        text += "with the %d.%d HostedCluster"
        value = ("False", "UnsupportedSkew", text % (w[0], w[1], c[0], c[1] - 3, c[0], c[1]))
    else:
        value = ("True", "AsExpected", "Release image version is valid")
    _set(status, old, None, "SupportedVersionSkew", *value)
    return status
