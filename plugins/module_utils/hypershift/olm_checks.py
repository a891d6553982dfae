# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of ocp.day2.hostedcluster_operator (seed 000 §3.5, 001 §4.3): what the catalog offers, which
install mode an OperatorGroup asks for, whether an InstallPlan may be approved, and what a Subscription, its
InstallPlan and its CSV say about the install.

Facts (operator-framework/api, operators.coreos.com v1alpha1 and v1, read 2026-11), in our words: one
OperatorGroup per namespace (two make every CSV there fail with TooManyOperatorGroups); its targetNamespaces ask for
OwnNamespace ([own]), SingleNamespace ([other]), MultiNamespace (several) or AllNamespaces (none), and the CSV must
list that mode as supported; a Subscription whose package, channel or starting CSV the catalog lacks gets
ResolutionFailed=True and no InstallPlan; a Manual InstallPlan waits in RequiresApproval until spec.approved is
true; a CSV goes Pending, InstallReady, Installing, then Succeeded or Failed with a reason and message.
"""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

FAILING_CONDITIONS = ("ResolutionFailed", "CatalogSourcesUnhealthy", "InstallPlanFailed", "InstallPlanMissing")
CSV_PHASES = ("", "Pending", "InstallReady", "Installing", "Succeeded", "Failed", "Replacing", "Deleting", "Unknown")


def install_mode(namespace, targets):
    """The install mode an OperatorGroup with these targetNamespaces asks of a CSV in `namespace`."""
    targets = [t for t in (targets or []) if t]
    if not targets:
        return "AllNamespaces"
    if targets == [namespace]:
        return "OwnNamespace"
    return "SingleNamespace" if len(targets) == 1 else "MultiNamespace"


def og_targets(og):
    """The namespaces an existing OperatorGroup targets ([] = all), from its status or else its spec."""
    status = (og.get("status") or {}).get("namespaces")
    if status is not None:
        return [t for t in status if t]
    return list((og.get("spec") or {}).get("targetNamespaces") or [])


def pick_package(manifests, package, source):
    """The PackageManifest of `package` from catalog `source`, else Day2Error naming what the catalog has."""
    for pm in manifests:
        st = pm.get("status") or {}
        if st.get("packageName", (pm.get("metadata") or {}).get("name")) == package and st.get("catalogSource") in (
            None,
            source,
        ):
            return pm
    names = sorted({(pm.get("status") or {}).get("packageName") or pm["metadata"]["name"] for pm in manifests})
    raise Day2Error(
        "Package %s is not in catalog %s (it offers %d packages%s). Check the package name and spec.source "
        "(the seed's 's/qe-app-registry/redhat-operators' is a sed leftover: the source is redhat-operators); "
        "nothing was changed." % (package, source, len(names), (", e.g. " + ", ".join(names[:8])) if names else "")
    )


def pick_channel(pm, channel):
    """(channel name, its head CSV name, its install modes {mode: supported}) from a PackageManifest."""
    st = pm.get("status") or {}
    name = channel or st.get("defaultChannel")
    for ch in st.get("channels") or []:
        if ch.get("name") == name:
            desc = ch.get("currentCSVDesc") or {}
            modes = {m.get("type"): bool(m.get("supported")) for m in desc.get("installModes") or []}
            return name, ch.get("currentCSV"), modes
    raise Day2Error(
        "Package %s has no channel %s (channels: %s; default %s); nothing was changed."
        % (st.get("packageName"), name, ", ".join(c.get("name", "?") for c in st.get("channels") or []) or "none",
           st.get("defaultChannel") or "none")
    )  # fmt: skip


def check_mode_supported(modes, mode, csv, namespace, targets):
    if modes and not modes.get(mode):
        supported = sorted(m for m, ok in modes.items() if ok)
        raise Day2Error(
            "%s does not support the install mode %s that an OperatorGroup targeting %s in %s asks for (it supports "
            "%s); its CSV would fail with UnsupportedOperatorGroup. Change target_namespaces; nothing was changed."
            % (csv or "The operator", mode, targets or "all namespaces", namespace, ", ".join(supported) or "none")
        )


def wanted_subscription_spec(params):
    spec = {
        "name": params["package"],
        "source": params["source"],
        "sourceNamespace": params["source_namespace"],
        "installPlanApproval": params["install_plan_approval"],
    }
    for key, param in (("channel", "channel"), ("startingCSV", "starting_csv"), ("config", "config")):
        if params.get(param):
            spec[key] = params[param]
    return spec


def spec_changes(current, wanted):
    """The keys of `wanted` whose value differs in `current` (a Subscription's spec)."""
    return sorted(k for k, v in wanted.items() if (current or {}).get(k) != v)


def sub_failure(sub):
    """A message when the Subscription reports a condition that stops the install, else None."""
    for cond in (sub.get("status") or {}).get("conditions") or []:
        if cond.get("type") in FAILING_CONDITIONS and cond.get("status") == "True":
            return "Subscription %s: %s=True (%s): %s" % (
                sub["metadata"]["name"],
                cond["type"],
                cond.get("reason") or "no reason",
                cond.get("message") or "",
            )
    return None


def approval_decision(ip, expected_csv, approve):
    """For an InstallPlan: "wait" (nothing to do), "approve", or a Day2Error when it must not be approved."""
    spec = ip.get("spec") or {}
    phase = (ip.get("status") or {}).get("phase")
    if spec.get("approved") or phase != "RequiresApproval":
        return "wait"
    csvs = list(spec.get("clusterServiceVersionNames") or [])
    if expected_csv and csvs != [expected_csv]:
        raise Day2Error(
            "InstallPlan %s would install %s, not the expected %s; it was not approved. Check the channel (the catalog "
            "may have moved on) and set expected_csv, or approve it by hand after review."
            % (ip["metadata"]["name"], csvs, expected_csv)
        )
    return "approve" if approve else "pending"


def csv_state(csv):
    """(phase, reason, message) of a ClusterServiceVersion."""
    st = csv.get("status") or {}
    return st.get("phase") or "", st.get("reason") or "", st.get("message") or ""


def csv_failure(csv):
    phase, reason, message = csv_state(csv)
    if phase != "Failed":
        return None
    return "ClusterServiceVersion %s is Failed (%s): %s" % (csv["metadata"]["name"], reason or "no reason", message)


def describe(sub, ip, csv):
    """One line on where the install stands, for progress and timeouts."""
    parts = []
    if sub is not None:
        st = sub.get("status") or {}
        conds = ", ".join(
            "%s=%s(%s)" % (c.get("type"), c.get("status"), c.get("reason") or "")
            for c in st.get("conditions") or []
            if c.get("status") == "True"
        )
        parts.append("Subscription state %s%s" % (st.get("state") or "none", "; " + conds if conds else ""))
    if ip is not None:
        parts.append("InstallPlan %s %s" % (ip["metadata"]["name"], (ip.get("status") or {}).get("phase") or "new"))
    if csv is not None:
        parts.append("CSV %s %s (%s: %s)" % ((csv["metadata"]["name"],) + csv_state(csv)))
    return "; ".join(parts) or "no Subscription"
