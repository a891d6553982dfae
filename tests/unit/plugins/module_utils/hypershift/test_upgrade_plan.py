"""The upgrade preflight (plan maths and backup gate): a table of clusters and what must be planned or refused."""

import copy
import datetime
import json

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.hypershift import upgrade as up
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import upgrade_gate as gate

REPO = "quay.io/openshift-release-dev/ocp-release"


def img(v):
    return "%s:%s-x86_64" % (REPO, v)


def rel(v, channels=("stable-4.14", "stable-4.15")):
    return {"version": v, "image": img(v), "channels": list(channels)}


def cond(t, s, reason="AsExpected", message=""):
    return {"type": t, "status": s, "reason": reason, "message": message}


def hc(version="4.14.8", channel="stable-4.14", available=None, conditional=None, conds=None, annotations=None):
    conditions = [cond("Available", "True"), cond("Progressing", "False")] + list(conds or [])
    return {
        "metadata": {"name": "example", "namespace": "clusters", "generation": 3, "annotations": annotations or {}},
        "spec": {"release": {"image": img(version)}, "channel": channel},
        "status": {
            "conditions": conditions,
            "version": {
                "desired": {"version": version, "image": img(version)},
                "history": [{"version": version, "image": img(version), "state": "Completed"}],
                "availableUpdates": [rel("4.14.9"), rel("4.14.10")] if available is None else available,
                "conditionalUpdates": conditional or [],
            },
        },
    }


def np(name, version="4.14.8", image=None, upgrade_type="Replace", updating="False"):
    return {
        "metadata": {"name": name},
        "spec": {"release": {"image": image or img(version)}, "management": {"upgradeType": upgrade_type}},
        "status": {"version": version, "conditions": [cond("UpdatingVersion", updating)]},
    }


SUPPORTED = {"data": {"supported-versions": '{"versions":["4.15","4.14","4.13"]}'}}
POOLS = [np("example-a"), np("example-b", upgrade_type="InPlace")]
OPTS = {"target_version": "4.14.9", "nodepools": ["all"], "batch_size": 1}
SRIOV = {
    "release": rel("4.15.2"),
    "risks": [{"name": "SRIOVFailedToConfigureVF", "message": "update the SR-IOV operator first", "url": "https://x"},
              {"name": "Other", "message": "m"}],
}  # fmt: skip


def plan_of(cluster=None, pools=None, supported="default", **opts):
    supported = SUPPORTED if supported == "default" else supported
    return up.make_plan(cluster or hc(), POOLS if pools is None else pools, supported, dict(OPTS, **opts))


def test_plan_control_plane_then_pools_in_batches():
    plan, refusals = plan_of()
    assert refusals == []
    assert plan["control_plane"] == "pending" and plan["target"]["image"] == img("4.14.9")
    assert plan["batches"] == [["example-a"], ["example-b"]]
    assert [r["upgrade_type"] for r in plan["nodepools"]] == ["Replace", "InPlace"]
    assert plan["gate"] == {"needed": True, "record": None, "backup_release": img("4.14.8")}
    assert "immutable" in plan["upgrade_type_note"] and "new NodePool" in plan["upgrade_type_note"]
    assert any("batch 2: example-b" in line for line in up.summary(plan))


def test_target_by_image_and_batch_all():
    plan, refusals = plan_of(target_version=None, target_image=img("4.14.10"), batch_size=0)
    assert not refusals and plan["target"]["version"] == "4.14.10" and plan["batches"] == [["example-a", "example-b"]]


def test_conditional_update_with_every_risk_accepted():
    cluster = hc(channel="stable-4.15", available=[], conditional=[SRIOV])
    plan, refusals = plan_of(cluster, target_version="4.15.2", accept_risks=["SRIOVFailedToConfigureVF", "Other"])
    assert not refusals and plan["target"]["source"] == "conditional"


REFUSED = [
    ("target not offered", {}, {"target_version": "4.14.99"}, ["not offered", "4.14.9, 4.14.10"]),
    ("conditional risk not accepted", {"channel": "stable-4.15", "available": [], "conditional": [SRIOV]},
     {"target_version": "4.15.2", "accept_risks": ["Other"]}, ["SRIOVFailedToConfigureVF", "accept_risks"]),
    ("minor not supported", {"channel": "stable-4.16", "available": [rel("4.16.1", ["stable-4.16"])]},
     {"target_version": "4.16.1"}, ["4.16 is not supported", "4.15, 4.14, 4.13"]),
    ("no channel", {"channel": None}, {}, ["no spec.channel"]),
    ("channel too old", {"channel": "stable-4.13"}, {}, ["does not carry 4.14"]),
    ("target not in channel", {"channel": "fast-4.14"}, {}, ["not in channel fast-4.14"]),
    ("downgrade", {"available": [rel("4.14.7")]}, {"target_version": "4.14.7"}, ["older than the control plane"]),
    ("not available", {"conds": [cond("Available", "False")]}, {}, ["not Available"]),
    ("progressing", {"conds": [cond("Progressing", "True")]}, {}, ["Progressing"]),
    ("upgradeable false, minor", {"channel": "stable-4.15", "available": [rel("4.15.1")],
                                  "conds": [cond("ClusterVersionUpgradeable", "False", "AdminAck", "ack needed")]},
     {"target_version": "4.15.1"}, ["ClusterVersionUpgradeable=False", "force-upgrade-to"]),
]  # fmt: skip


@pytest.mark.parametrize("case, cluster_kw, opts, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_refusals(case, cluster_kw, opts, words):
    kw = dict(cluster_kw)
    extra = kw.pop("conds", None)
    cluster = hc(conds=extra, **kw)
    if extra and any(c["type"] in ("Available", "Progressing") for c in extra):
        cluster["status"]["conditions"] = extra + [
            c for c in cluster["status"]["conditions"] if c["type"] not in {e["type"] for e in extra}
        ]
    _plan, refusals = plan_of(cluster, **opts)
    text = " ".join(refusals)
    assert refusals, case
    for word in words:
        assert word in text, (word, text)


def test_upgradeable_false_allows_zstream_and_forced_minor():
    blocked = [cond("ClusterVersionUpgradeable", "False", "AdminAck", "ack")]
    assert plan_of(hc(conds=blocked))[1] == []
    minor = hc(channel="stable-4.15", available=[rel("4.15.1")], conds=blocked)
    assert plan_of(minor, target_version="4.15.1", force=True)[1] == []


def test_supported_versions_configmap_missing():
    _plan, refusals = plan_of(supported=None)
    assert any("hypershift/supported-versions is missing" in r for r in refusals)


def test_pool_above_control_plane_is_refused():
    _plan, refusals = plan_of(pools=[np("example-a", "4.14.9"), np("example-b")])
    assert any("example-a runs 4.14.9, above the control plane's 4.14.8" in r for r in refusals)


def test_pool_beyond_kubelet_skew_is_refused_even_when_not_selected():
    cluster = hc(version="4.14.8", channel="stable-4.15", available=[rel("4.15.1")])
    old = np("example-old", "4.11.3")
    _plan, refusals = plan_of(cluster, pools=[old], target_version="4.15.1", control_plane_only=True)
    assert any("4 minors behind" in r and "Kubernetes 1.28 vs kubelet 1.24" in r for r in refusals)
    ok = np("example-ok", "4.12.3")
    assert plan_of(cluster, pools=[ok], target_version="4.15.1", control_plane_only=True)[1] == []


def test_control_plane_only_leaves_pools_out():
    plan, refusals = plan_of(control_plane_only=True)
    assert not refusals and plan["batches"] == [] and {r["state"] for r in plan["nodepools"]} == {"skipped"}


def started(done=False, record=True):
    cluster = hc()
    cluster["spec"]["release"]["image"] = img("4.14.9")
    cluster["status"]["version"]["desired"] = {"version": "4.14.9", "image": img("4.14.9")}
    head = {"version": "4.14.9", "image": img("4.14.9"), "state": "Completed" if done else "Partial"}
    cluster["status"]["version"]["history"].insert(0, head)
    if record:
        rec = {"target_image": img("4.14.9"), "from_image": img("4.14.8"), "backup_id": "b1"}
        cluster["metadata"]["annotations"][up.GATE_ANNOTATION] = json.dumps(rec)
    return cluster


def test_resume_states_from_the_cluster():
    plan, refusals = plan_of(started(done=False))
    assert not refusals and plan["control_plane"] == "in_progress" and not plan["gate"]["needed"]
    pools = [np("example-a", "4.14.9", img("4.14.9")), np("example-b", "4.14.8", img("4.14.9"), updating="True")]
    plan, refusals = plan_of(started(done=True), pools=pools)
    assert not refusals and plan["control_plane"] == "done"
    assert [r["state"] for r in plan["nodepools"]] == ["done", "in_progress"] and plan["batches"] == [["example-b"]]


def test_foreign_upgrade_in_progress_is_refused_and_pools_only_need_a_backup_at_the_target():
    _plan, refusals = plan_of(started(done=False, record=False))
    assert any("not by this collection" in r for r in refusals)
    plan, refusals = plan_of(started(done=True, record=False))
    assert not refusals and plan["gate"] == {"needed": True, "record": None, "backup_release": img("4.14.9")}


NOW = datetime.datetime(2026, 1, 2, 12, 0, tzinfo=datetime.timezone.utc)
MANIFEST = {
    "format": gate.BACKUP_FORMAT,
    "cluster": "example",
    "namespace": "clusters",
    "backup_id": "b1",
    "release": {"image": img("4.14.8")},
    "members": [{"member": "etcd-0"}],
    "finished_at": "2026-01-02T11:30:00Z",
}
BAD_BACKUPS = [
    ("none", None, True, "No backup was given"),
    ("other cluster", dict(MANIFEST, cluster="other"), True, "backup of clusters/other"),
    ("other release", dict(MANIFEST, release={"image": img("4.14.7")}), True, "taken at release"),
    ("too old", dict(MANIFEST, finished_at="2026-01-01T11:00:00Z"), True, "older than the limit"),
    ("not verified", MANIFEST, False, "not verified"),
    ("not a manifest", dict(MANIFEST, format="x"), True, "format"),
    ("no snapshot", dict(MANIFEST, members=[]), True, "no etcd snapshot"),
]


@pytest.mark.parametrize("case, manifest, verified, words", BAD_BACKUPS, ids=[b[0] for b in BAD_BACKUPS])
def test_backup_gate_refuses(case, manifest, verified, words):
    problems = gate.check_backup(copy.deepcopy(manifest), "clusters", "example", img("4.14.8"), 3600, verified, NOW)
    assert problems and words in " ".join(problems)


def test_backup_gate_passes_and_record():
    assert gate.check_backup(MANIFEST, "clusters", "example", img("4.14.8"), 3600, True, NOW) == []
    plan = plan_of()[0]
    record = gate.new_record(plan, MANIFEST, NOW)
    assert record["backup_id"] == "b1" and record["target_image"] == img("4.14.9")
    assert json.loads(gate.record_patch(record)[up.GATE_ANNOTATION]) == record
