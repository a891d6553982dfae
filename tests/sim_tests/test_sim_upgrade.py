"""The operator stand-in follows an upgrade as HyperShift does (tests/sim/upgrade.py): offered updates with their
channels and risks, refused releases, payload acceptance, history, held rollouts, NodePool skew and versions."""

import time

from tests.harness.net import wait_for

HC = ("hypershift.openshift.io/v1beta1", "HostedCluster")
NP = ("hypershift.openshift.io/v1beta1", "NodePool")
REPO = "quay.io/openshift-release-dev/ocp-release"


def img(v):
    return "%s:%s-x86_64" % (REPO, v)


def conds(obj):
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


def test_upgrade_as_hypershift_reports_it(mgmt_cluster):
    mgmt = mgmt_cluster
    mgmt.upgrade_seconds = 0.9
    mgmt.update_graph = {"available": ["4.14.9", "4.16.1"], "conditional": [{"version": "4.15.2"}]}
    hc = mgmt.create_hosted_cluster(name="up", availability="SingleReplica", nodepools=2, channel="stable-4.15")

    def get():
        return mgmt.get(*HC, "up", "clusters")

    def pools():
        return {p["metadata"]["name"]: p for p in mgmt.list(*NP, "clusters")}

    wait_for(lambda: get()["status"]["version"].get("conditionalUpdates"), timeout=10, what="the offered updates")
    ver = get()["status"]["version"]
    assert [(u["version"], "stable-4.15" in u["channels"]) for u in ver["availableUpdates"]] == [
        ("4.14.9", True),
        ("4.16.1", True),
    ]
    [cu] = ver["conditionalUpdates"]
    assert cu["release"]["version"] == "4.15.2" and cu["risks"][0]["name"] == "SRIOVFailedToConfigureVF"
    assert cu["conditions"][0]["type"] == "Recommended"

    # a minor the operator does not support (supported-versions: 4.15, 4.14, 4.13) is refused; nothing rolls out
    obj = get()
    obj["spec"]["release"]["image"] = img("4.16.1")
    mgmt.put(obj)
    wait_for(lambda: conds(get())["ValidReleaseImage"]["status"] == "False", timeout=10, what="the refusal")
    refused = get()
    assert "4.16.1" in conds(refused)["ValidReleaseImage"]["message"]
    assert conds(refused)["Progressing"]["reason"] == "Blocked"
    assert refused["status"]["version"]["history"][0]["version"] == "4.14.8"
    hcp = mgmt.get("hypershift.openshift.io/v1beta1", "HostedControlPlane", "up", hc.hcp_namespace)
    assert hcp["spec"]["releaseImage"] == img("4.14.8")  # reconciliation is blocked: the HCP keeps its release

    # a held rollout stays Partial with the payload accepted; released, it completes
    mgmt.upgrade_hold = {("HostedCluster", "clusters", "up")}
    obj = get()
    obj["spec"]["release"]["image"] = img("4.14.9")
    mgmt.put(obj)
    wait_for(lambda: get()["status"]["version"]["history"][0]["version"] == "4.14.9", timeout=10, what="Partial")
    time.sleep(mgmt.upgrade_seconds * 1.5)
    head = get()["status"]["version"]["history"][0]
    assert head["state"] == "Partial" and conds(get())["ValidReleaseImage"]["status"] == "True"
    accepted = conds(get())["ClusterVersionReleaseAccepted"]
    assert accepted["status"] == "True" and 'version="4.14.9"' in accepted["message"]
    mgmt.upgrade_hold = set()
    wait_for(lambda: get()["status"]["version"]["history"][0]["state"] == "Completed", timeout=10, what="Completed")
    assert [u["version"] for u in get()["status"]["version"]["availableUpdates"]] == ["4.16.1"]

    # NodePools: one upgraded (UpdatingVersion names the target), one pushed above the control plane
    a, b = sorted(pools())
    mgmt.upgrade_hold = {("NodePool", "clusters", a)}
    for name, version in ((a, "4.14.9"), (b, "4.14.10")):
        pool = pools()[name]
        pool["spec"]["release"]["image"] = img(version)
        mgmt.put(pool)
    wait_for(lambda: conds(pools()[a])["UpdatingVersion"]["status"] == "True", timeout=10, what="UpdatingVersion")
    assert "Target version: 4.14.9" in conds(pools()[a])["UpdatingVersion"]["message"]
    wait_for(lambda: conds(pools()[b])["SupportedVersionSkew"]["status"] == "False", timeout=10, what="the skew")
    assert (
        "cannot be higher than the HostedCluster version 4.14.9" in conds(pools()[b])["SupportedVersionSkew"]["message"]
    )
    time.sleep(mgmt.upgrade_seconds * 1.5)
    assert pools()[a]["status"]["version"] == "4.14.8"  # held
    mgmt.upgrade_hold = set()
    wait_for(lambda: pools()[a]["status"]["version"] == "4.14.9", timeout=10, what="the NodePool version")
    assert conds(pools()[a])["UpdatingVersion"]["status"] == "False"
    assert conds(pools()[a])["SupportedVersionSkew"]["status"] == "True"
    assert hc.name == "up"


def test_cluster_version_upgradeable_holds_a_minor_but_not_a_z_stream(mgmt_cluster):
    """ClusterVersionUpgradeable bubbles up from the hosted cluster's ClusterVersion; False holds a minor upgrade
    (ValidReleaseImage stays True) unless force-upgrade-to names the image; a z-stream goes ahead."""
    mgmt = mgmt_cluster
    mgmt.upgrade_seconds = 0.6
    hc = mgmt.create_hosted_cluster(name="ack", availability="SingleReplica", nodepools=0, channel="stable-4.15")
    guest = mgmt.guest(hc)

    def get():
        return mgmt.get(*HC, "ack", "clusters")

    wait_for(lambda: conds(get()).get("ClusterVersionUpgradeable"), timeout=10, what="the condition")
    assert conds(get())["ClusterVersionUpgradeable"]["status"] == "Unknown"
    assert conds(get())["ClusterVersionUpgradeable"]["message"] == "Condition not found in the CVO."
    guest.set_upgradeable("False", "AdminAckRequired", "Kubernetes 1.28 removes APIs; acknowledge first")
    wait_for(lambda: conds(get())["ClusterVersionUpgradeable"]["status"] == "False", timeout=10, what="False")
    assert conds(get())["ClusterVersionUpgradeable"]["reason"] == "AdminAckRequired"

    obj = get()
    obj["spec"]["release"]["image"] = img("4.15.2")
    mgmt.put(obj)
    wait_for(lambda: conds(get())["Progressing"]["reason"] == "Blocked", timeout=10, what="the hold")
    held = get()
    assert "cluster version is not upgradeable" in conds(held)["Progressing"]["message"]
    assert conds(held)["ValidReleaseImage"]["status"] == "True"
    assert held["status"]["version"]["history"][0]["version"] == "4.14.8"
    time.sleep(0.5)
    hcp = mgmt.get("hypershift.openshift.io/v1beta1", "HostedControlPlane", "ack", hc.hcp_namespace)
    assert hcp["spec"]["releaseImage"] == img("4.14.8")

    # a z-stream is allowed while Upgradeable is False
    obj = get()
    obj["spec"]["release"]["image"] = img("4.14.9")
    mgmt.put(obj)
    wait_for(lambda: get()["status"]["version"]["history"][0] == {**get()["status"]["version"]["history"][0],
                                                                  "version": "4.14.9", "state": "Completed"},
             timeout=10, what="the z-stream")  # fmt: skip
    assert conds(get())["ClusterVersionUpgradeable"]["status"] == "False"  # kept across the release change

    # forced: the annotation names exactly the new image
    obj = get()
    obj["spec"]["release"]["image"] = img("4.15.2")
    obj["metadata"].setdefault("annotations", {})["hypershift.openshift.io/force-upgrade-to"] = img("4.15.2")
    mgmt.put(obj)
    wait_for(lambda: get()["status"]["version"]["history"][0]["version"] == "4.15.2", timeout=10, what="forced")
