"""The OLM stand-in of a hosted cluster (tests/sim/olm.py) driven pass by pass, without a server."""

import pytest

from tests.sim import olm
from tests.sim.errors import ApiError

NS = "openshift-sriov-network-operator"
CSV = "sriov-network-operator.v4.14.0-202211021237"


@pytest.fixture
def world():
    store = olm.OlmStore()
    o = olm.Olm(store)
    store.create(olm.R["Namespace"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    return store, o


def _sub(store, sub_name="sub", **spec):
    body = {"name": "sriov-network-operator", "source": "redhat-operators", "sourceNamespace": "openshift-marketplace"}
    body.update(spec)
    store.create(olm.R["Subscription"], {"metadata": {"name": sub_name, "namespace": NS}, "spec": body}, http=True)


def _og(store, name="og", targets=(NS,)):
    spec = {"targetNamespaces": list(targets)} if targets is not None else {}
    store.create(olm.R["OperatorGroup"], {"metadata": {"name": name, "namespace": NS}, "spec": spec}, http=True)


def _passes(o, n=6):
    for _step in range(n):
        o.sync()


def _get(store, kind, name, ns=NS):
    return store.get(olm.R[kind], ns, name)


def _cond(obj, ctype):
    return next((c for c in obj["status"].get("conditions") or [] if c["type"] == ctype), None)


def test_required_fields_and_enums_refused():
    store = olm.OlmStore()
    store.create(olm.R["Namespace"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    with pytest.raises(ApiError, match=r"spec.source: Required value"):
        store.create(olm.R["Subscription"], {"metadata": {"name": "s", "namespace": NS}, "spec": {"name": "x"}})
    with pytest.raises(ApiError, match=r"spec: Required value"):
        store.create(olm.R["Subscription"], {"metadata": {"name": "s", "namespace": NS}})
    with pytest.raises(ApiError, match=r"installPlanApproval: Unsupported value"):
        _sub(store, installPlanApproval="manual")
    with pytest.raises(ApiError, match=r"spec.approved: Required value"):
        spec = {"clusterServiceVersionNames": ["x"], "approval": "Manual"}
        store.create(olm.R["InstallPlan"], {"metadata": {"name": "i", "namespace": NS}, "spec": spec})
    with pytest.raises(ApiError) as exc:
        store.create(olm.R["PackageManifest"], {"metadata": {"name": "p", "namespace": NS}}, http=True)
    assert exc.value.code == 405


def test_manual_plan_then_csv_phases(world):
    store, o = world
    _og(store)
    _sub(store, installPlanApproval="Manual", channel="stable")
    _passes(o)
    sub = _get(store, "Subscription", "sub")
    ip = _get(store, "InstallPlan", sub["status"]["installPlanRef"]["name"])
    assert ip["spec"]["approved"] is False and ip["status"]["phase"] == "RequiresApproval"
    assert ip["spec"]["clusterServiceVersionNames"] == [CSV] and ip["metadata"]["ownerReferences"][0]["name"] == "sub"
    assert (
        _cond(sub, "InstallPlanPending")["reason"] == "RequiresApproval" and sub["status"]["state"] == "UpgradePending"
    )
    assert _get(store, "ClusterServiceVersion", CSV) is None  # nothing installed before the approval
    ip["spec"]["approved"] = True
    store.update(olm.R["InstallPlan"], ip, NS, ip["metadata"]["name"], http=True)
    _passes(o, 8)
    csv = _get(store, "ClusterServiceVersion", CSV)
    phases = [c["phase"] for c in csv["status"]["conditions"]]
    assert phases == ["Pending", "InstallReady", "Installing", "Succeeded"]
    assert csv["status"]["reason"] == "InstallSucceeded"
    sub = _get(store, "Subscription", "sub")
    assert sub["status"]["installedCSV"] == CSV and sub["status"]["state"] == "AtLatestKnown"
    assert _cond(sub, "InstallPlanPending") is None
    assert [p["status"]["phase"] for p in store.list(olm.R["Pod"], NS)[0]] == ["Running"]
    assert _get(store, "OperatorGroup", "og")["status"]["namespaces"] == [NS]


@pytest.mark.parametrize(
    "spec, message",
    [({"name": "nope"}, "no operators found in package nope"),
     ({"channel": "9.9"}, "no operators found in channel 9.9 of package sriov-network-operator"),
     ({"startingCSV": "x.v1"}, "no operators found with name x.v1")],
)  # fmt: skip
def test_resolution_failed(world, spec, message):
    store, o = world
    _sub(store, **spec)
    _passes(o, 2)
    sub = _get(store, "Subscription", "sub")
    cond = _cond(sub, "ResolutionFailed")
    assert cond["status"] == "True" and cond["reason"] == "ConstraintsNotSatisfiable" and message in cond["message"]
    assert store.list(olm.R["InstallPlan"], NS)[0] == []


def test_missing_catalog_source(world):
    store, o = world
    _sub(store, source="certified-operators")
    _passes(o, 2)
    cond = _cond(_get(store, "Subscription", "sub"), "CatalogSourcesUnhealthy")
    assert (
        cond["status"] == "True"
        and "targeted catalogsource openshift-marketplace/certified-operators missing" in cond["message"]
    )


@pytest.mark.parametrize(
    "groups, reason",
    [([], "NoOperatorGroup"), ([("a", (NS,)), ("b", (NS,))], "TooManyOperatorGroups"),
     ([("a", None)], "UnsupportedOperatorGroup")],
)  # fmt: skip
def test_csv_fails_on_operator_groups_then_recovers(world, groups, reason):
    store, o = world
    for name, targets in groups:
        _og(store, name, targets)
    _sub(store)
    _passes(o)
    csv = _get(store, "ClusterServiceVersion", CSV)
    assert csv["status"]["phase"] == "Failed" and csv["status"]["reason"] == reason
    for og in store.list(olm.R["OperatorGroup"], NS)[0]:
        store.delete(olm.R["OperatorGroup"], NS, og["metadata"]["name"])
    _og(store, "good")
    _passes(o, 8)
    assert _get(store, "ClusterServiceVersion", CSV)["status"]["phase"] == "Succeeded"


def test_failing_install_and_namespace_deletion(world):
    store, o = world
    o.add_package("broken", fail="deployment broken not available")
    _og(store)
    _sub(store, sub_name="b", name="broken")
    _passes(o, 10)
    csv = _get(store, "ClusterServiceVersion", "broken.v1.0.0")
    assert (csv["status"]["phase"], csv["status"]["reason"]) == ("Failed", "InstallComponentFailed")
    assert csv["status"]["message"] == "deployment broken not available"
    store.delete(olm.R["Namespace"], None, NS)
    _passes(o, 1)
    assert _get(store, "Namespace", NS, None) is None and store.list(olm.R["ClusterServiceVersion"], NS)[0] == []
