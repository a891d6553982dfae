# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight of a hosted-cluster upgrade: pure functions from the objects read to a plan or refusals.

Facts this follows (openshift/hypershift, api/hypershift/v1beta1 and the operators, checked upstream):
- The control plane runs spec.release.image; status.version carries desired, history (newest first, state
  Completed or Partial), availableUpdates (a list of releases, each with version, image and channels) and
  conditionalUpdates (each a release plus named risks). Both lists stay empty without spec.channel.
- The operator refuses a release whose minor it does not support (ValidReleaseImage=False) and a y-stream
  downgrade; the ConfigMap hypershift/supported-versions lists the minors it supports ({"versions": [...]}).
- When the hosted cluster's ClusterVersionUpgradeable is False, a minor upgrade goes ahead only when the
  annotation hypershift.openshift.io/force-upgrade-to names exactly the new release image; z-streams always may.
- A NodePool never runs a release above the control plane, and at most 3 minors below it (SupportedVersionSkew,
  the same n-3 as the Kubernetes kubelet skew policy). NodePool status.version is the version rolled out;
  UpdatingVersion is True while it differs from the target. spec.management.upgradeType (Replace or InPlace)
  is immutable.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import condition

FORCE_ANNOTATION = "hypershift.openshift.io/force-upgrade-to"
GATE_ANNOTATION = "ocp.day2/upgrade-gate"
MAX_SKEW = 3  # minors a NodePool (its kubelet) may lag behind the control plane
SWITCH_UPGRADE_TYPE = (
    "upgradeType is immutable: to switch between Replace and InPlace, create a new NodePool with the other type, "
    "move the workloads, then delete the old NodePool"
)
_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")
_CHANNEL = re.compile(r"^[a-z]+-(\d+)\.(\d+)$")


def parse_version(text):
    """(major, minor, patch) of an OpenShift version, or None."""
    match = _VERSION.match(str(text or "").strip())
    return tuple(int(x) for x in match.groups()) if match else None


def normalized_minor(version):
    """The 4.y minor a version counts as: OpenShift 5.y is 4.(23+y), as HyperShift compares them."""
    major, minor = version[0], version[1]
    return minor + 23 * (major - 4) if major >= 5 else minor


def minor_text(version):
    return "%d.%d" % (version[0], version[1])


def kube_minor(version):
    """The Kubernetes 1.y an OpenShift 4.y ships (4.14 is 1.27)."""
    return normalized_minor(version) + 13


def cp_version(hc):
    """The control plane's running version: its newest Completed history entry (else desired), as text."""
    ver = (hc.get("status") or {}).get("version") or {}
    for entry in ver.get("history") or []:
        if entry.get("state") == "Completed":
            return entry.get("version") or ""
    return (ver.get("desired") or {}).get("version") or ""


def is_true(obj, cond_type):
    cond = condition(obj, cond_type)
    return cond is not None and cond.get("status") == "True"


def supported_minors(configmap):
    """The minors listed in the supported-versions ConfigMap (None when it is absent or unreadable)."""
    if not configmap:
        return None
    try:
        data = json.loads((configmap.get("data") or {}).get("supported-versions") or "")
        return [str(v) for v in data.get("versions") or []]
    except (TypeError, ValueError, AttributeError):
        return None


def gate_record(hc):
    """The upgrade gate record this collection writes beside spec.release.image, or None."""
    text = ((hc.get("metadata") or {}).get("annotations") or {}).get(GATE_ANNOTATION)
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def find_target(hc, version=None, image=None):
    """(release dict, source, risks) for the wanted target: "current" when spec.release.image already is it,
    "available", "conditional" (risks = that entry's risks) or (None, None, []) when it is not offered."""
    spec_image = ((hc.get("spec") or {}).get("release") or {}).get("image")
    ver = (hc.get("status") or {}).get("version") or {}
    desired = ver.get("desired") or {}

    def matches(rel):
        return bool(rel) and ((image and rel.get("image") == image) or (version and rel.get("version") == version))

    record = gate_record(hc) or {}
    started = spec_image and (
        image == spec_image
        or (version and desired.get("image") == spec_image and matches(desired))
        or (version and record.get("target_image") == spec_image and record.get("target_version") == version)
    )
    if started:  # before the operator has updated status.version.desired, the gate record names the version
        found = version or (
            desired.get("version") if desired.get("image") == spec_image else record.get("target_version")
        )
        return {"version": found, "image": spec_image}, "current", []
    for rel in ver.get("availableUpdates") or []:
        if matches(rel):
            return rel, "available", []
    for cond_update in ver.get("conditionalUpdates") or []:
        if matches(cond_update.get("release")):
            return cond_update["release"], "conditional", cond_update.get("risks") or []
    return None, None, []


def _pool_row(np, target, selected):
    spec, status = np.get("spec") or {}, np.get("status") or {}
    image = (spec.get("release") or {}).get("image")
    version = status.get("version") or ""
    updating = is_true(np, "UpdatingVersion")
    if target and image == target["image"]:
        state = "done" if version == target["version"] and not updating else "in_progress"
    else:
        state = "pending" if selected else "skipped"
    return {
        "name": np["metadata"]["name"],
        "version": version,
        "image": image,
        "upgrade_type": (spec.get("management") or {}).get("upgradeType") or "",
        "node_drain_timeout": spec.get("nodeDrainTimeout"),
        "state": state,
    }


def _check_target(hc, options, current, target, source, risks, refusals):
    wanted_version = parse_version(target["version"])
    if wanted_version is None:
        refusals.append("The target's version %r is not an OpenShift version x.y.z." % target["version"])
        return
    if current and wanted_version < current:
        refusals.append(
            "The target %s is older than the control plane's %s: HyperShift refuses y-stream downgrades and no update "
            "service offers a downgrade." % (target["version"], minor_text(current) + ".%d" % current[2])
        )
    if source == "conditional":
        accepted = set(options.get("accept_risks") or [])
        open_risks = [r for r in risks if r.get("name") not in accepted]
        if open_risks:
            refusals.append(
                "The target %s is only a conditional update; its risks are not all accepted: %s. Read them, then "
                "accept each by name (accept_risks) if they do not apply to this cluster."
                % (
                    target["version"],
                    "; ".join(
                        "%s (%s%s)"
                        % (
                            r.get("name"),
                            (r.get("message") or "").strip()[:300],
                            ", " + r["url"] if r.get("url") else "",
                        )
                        for r in open_risks
                    ),
                )
            )
    channel = options.get("channel") or (hc.get("spec") or {}).get("channel")
    match = _CHANNEL.match(channel or "")
    if not channel:
        refusals.append(
            "The HostedCluster has no spec.channel, so HyperShift offers no updates: set channel (for "
            "example stable-%s)." % minor_text(wanted_version)
        )
    elif not match:
        refusals.append(
            "The channel %r is not of the form <name>-<major>.<minor> (for example stable-%s)."
            % (channel, minor_text(wanted_version))
        )
    elif (int(match.group(1)), int(match.group(2))) < wanted_version[:2]:
        refusals.append(
            "The channel %s does not carry %s releases: use a channel of %s or later (stable-%s)."
            % (channel, minor_text(wanted_version), minor_text(wanted_version), minor_text(wanted_version))
        )
    elif target.get("channels") and channel not in target["channels"]:
        refusals.append(
            "The target %s is not in channel %s (it is in %s)."
            % (target["version"], channel, ", ".join(target["channels"]))
        )
    supported = options.get("supported_minors")
    if supported is None:
        refusals.append(
            "The ConfigMap hypershift/supported-versions is missing or unreadable: is the HyperShift "
            "operator installed and running on this management cluster?"
        )
    elif minor_text(wanted_version) not in supported:
        refusals.append(
            "The target's minor %s is not supported by this HyperShift operator (supported-versions: %s): "
            "upgrade the multicluster engine / HyperShift operator first."
            % (minor_text(wanted_version), ", ".join(supported) or "none")
        )
    if current and wanted_version[:2] != current[:2] and not options.get("force"):
        upgradeable = condition(hc, "ClusterVersionUpgradeable")
        if upgradeable is not None and upgradeable.get("status") == "False":
            refusals.append(
                "The hosted cluster reports ClusterVersionUpgradeable=False (%s: %s), so HyperShift holds a "
                "minor upgrade; resolve it, or force the upgrade (force=true sets %s)."
                % (upgradeable.get("reason"), upgradeable.get("message"), FORCE_ANNOTATION)
            )


def _check_pools(rows, current, target, refusals):
    cp_text = ".".join(str(x) for x in current) if current else "unknown"
    wanted = parse_version(target["version"]) if target else None
    for row in rows:
        version = parse_version(row["version"])
        if version is None:
            continue
        if current and version > current:
            refusals.append(
                "NodePool %s runs %s, above the control plane's %s: a NodePool must never be newer than the "
                "control plane. Bring it back to the control plane's release first."
                % (row["name"], row["version"], cp_text)
            )
        elif wanted and version > wanted:
            refusals.append(
                "NodePool %s runs %s, above the target %s." % (row["name"], row["version"], target["version"])
            )
        if wanted and row["state"] != "done" and normalized_minor(wanted) - normalized_minor(version) > MAX_SKEW:
            refusals.append(
                "NodePool %s at %s would be %d minors behind a %s control plane (Kubernetes 1.%d vs kubelet "
                "1.%d); at most %d are allowed. Upgrade in smaller steps."
                % (
                    row["name"],
                    row["version"],
                    normalized_minor(wanted) - normalized_minor(version),
                    minor_text(wanted),
                    kube_minor(wanted),
                    kube_minor(version),
                    MAX_SKEW,
                )
            )


def batches_of(names, size):
    if not names:
        return []
    size = size if size and size > 0 else len(names)
    return [names[i : i + size] for i in range(0, len(names), size)]


def make_plan(hc, nodepools, supported, options):
    """(plan, refusals). options: target_version, target_image, accept_risks, channel, nodepools (["all"] or names),
    batch_size, control_plane_only, force. `supported` is the supported-versions ConfigMap (or None)."""
    refusals, warnings = [], []
    spec = hc.get("spec") or {}
    spec_image = (spec.get("release") or {}).get("image")
    current = parse_version(cp_version(hc))
    options = dict(options, supported_minors=supported_minors(supported))
    target, source, risks = find_target(hc, options.get("target_version"), options.get("target_image"))
    record = gate_record(hc)
    ver = (hc.get("status") or {}).get("version") or {}
    history = ver.get("history") or []
    if target is None:
        offered = [r.get("version") for r in ver.get("availableUpdates") or []]
        conditional = [(c.get("release") or {}).get("version") for c in ver.get("conditionalUpdates") or []]
        refusals.append(
            "The target %s is not offered to this cluster: availableUpdates: %s; conditionalUpdates: %s (channel %s). "
            "Pick one of those, or set the channel that carries it."
            % (
                options.get("target_version") or options.get("target_image"),
                ", ".join(offered) or "none",
                ", ".join(conditional) or "none",
                spec.get("channel") or "unset",
            )
        )
        cp_state = "pending"
    elif source == "current":
        done = bool(history) and history[0].get("image") == spec_image and history[0].get("state") == "Completed"
        cp_state = "done" if done and is_true(hc, "Available") else "in_progress"
        ours = record is not None and record.get("target_image") == spec_image
        if not ours and cp_state == "in_progress":
            refusals.append(
                "The control plane is already moving to %s, but not by this collection (no %s "
                "annotation for it): wait for that upgrade to finish, then run again." % (spec_image, GATE_ANNOTATION)
            )
    else:
        cp_state = "pending"
        _check_target(hc, options, current, target, source, risks, refusals)
        if not is_true(hc, "Available"):
            refusals.append("The HostedCluster is not Available: fix it before an upgrade.")
        if is_true(hc, "Progressing"):
            refusals.append("The HostedCluster is Progressing (a rollout is under way): wait until it settles.")
    if current is None and source != "current":
        refusals.append("The control plane reports no version (status.version has no history): is it installed?")
    wanted = options.get("nodepools") or []
    selected = {np["metadata"]["name"] for np in nodepools} if list(wanted) == ["all"] else set(wanted)
    if options.get("control_plane_only"):
        selected = set()
    rows = [_pool_row(np, target, np["metadata"]["name"] in selected) for np in nodepools]
    _check_pools(rows, current, target, refusals)
    pool_names = [r["name"] for r in rows if r["state"] in ("pending", "in_progress") and r["name"] in selected]
    pending = cp_state == "pending" or any(r["state"] == "pending" for r in rows)
    gated = bool(record and target and record.get("target_image") == target.get("image"))
    plan = {
        "cluster": "%s/%s" % ((hc.get("metadata") or {}).get("namespace"), (hc.get("metadata") or {}).get("name")),
        "current": {"version": cp_version(hc), "image": spec_image if cp_state == "pending" else ""},
        "target": dict(target or {}, source=source, risks=[r.get("name") for r in risks]),
        "channel": {
            "current": spec.get("channel") or "",
            "wanted": options.get("channel") or spec.get("channel") or "",
        },
        "wanted": options.get("target_version") or options.get("target_image"),
        "force": bool(options.get("force")),
        "control_plane": cp_state,
        "nodepools": rows,
        "batches": batches_of(pool_names, options.get("batch_size") or 0),
        "gate": {
            "needed": pending and not gated,
            "record": record,
            # the release a backup must have been taken at: what runs now, before anything of this upgrade
            "backup_release": spec_image if cp_state == "pending" else (record or {}).get("from_image") or spec_image,
        },
        "upgrade_type_note": SWITCH_UPGRADE_TYPE,
        "warnings": warnings,
    }
    if plan["gate"]["needed"] and cp_state == "done":
        plan["gate"]["backup_release"] = spec_image  # pools only: the cluster's release is now the target
    return plan, refusals


def summary(plan):
    """One line per step, for the admin (check mode prints it)."""
    target = plan["target"]
    lines = [
        "%s: control plane %s -> %s (%s) [%s]"
        % (
            plan["cluster"],
            plan["current"]["version"] or "?",
            target.get("version"),
            target.get("image"),
            plan["control_plane"],
        )
    ]
    if plan["channel"]["wanted"] != plan["channel"]["current"]:
        lines.append("set spec.channel %s -> %s" % (plan["channel"]["current"] or "(unset)", plan["channel"]["wanted"]))
    for i, batch in enumerate(plan["batches"], 1):
        lines.append("node pools batch %d: %s" % (i, ", ".join(batch)))
    for row in plan["nodepools"]:
        lines.append(
            "  NodePool %s: %s, upgradeType %s, %s"
            % (row["name"], row["version"] or "?", row["upgrade_type"] or "?", row["state"])
        )
    lines.append(
        "backup gate: %s"
        % (
            "a verified backup at %s is needed" % plan["gate"]["backup_release"]
            if plan["gate"]["needed"]
            else "passed earlier or nothing to change"
        )
    )
    return lines
