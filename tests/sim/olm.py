# ruff: noqa: E501 - OLM messages are kept on one line, as OLM states them
"""An OLM stand-in on a simulated hosted cluster's own API (tests/sim/guest.py serves its kinds).

What it does, one step per controller pass, as OLM's catalog and OLM operators do:
- a CatalogSource `redhat-operators` in `openshift-marketplace` (READY) and one PackageManifest per package of
  its catalog (`Olm.catalog`, per hosted cluster; a test may add, break or remove packages);
- an OperatorGroup gets `status.namespaces` (its targetNamespaces, or [""] for all namespaces) and `lastUpdated`;
- a Subscription is resolved against its catalog: a missing CatalogSource sets `CatalogSourcesUnhealthy=True`
  (UnhealthyCatalogSourceFound); a package, channel or startingCSV the catalog does not have sets
  `ResolutionFailed=True` (ConstraintsNotSatisfiable) and no InstallPlan; otherwise an InstallPlan `install-xxxxx`
  (owned by the Subscription) for the channel head, `approved` only for Automatic approval, phase
  RequiresApproval (Manual) or Installing, and the Subscription's currentCSV, installPlanRef, state UpgradePending
  and `InstallPlanPending=True` with the plan's phase as reason;
- an approved InstallPlan creates the CSV and turns Complete (`Installed=True`); its Subscription gets
  installedCSV and state AtLatestKnown;
- a CSV goes Pending (RequirementsUnknown) -> InstallReady (RequirementsMet) -> Installing -> Succeeded
  (InstallSucceeded), with the operator's Pod Running; or Failed: NoOperatorGroup, TooManyOperatorGroups,
  UnsupportedOperatorGroup (the OperatorGroup's target is not an install mode the CSV supports; these three are
  retried when the OperatorGroups change, as OLM does) or InstallComponentFailed (a catalog entry with `fail`);
- a namespace being deleted is emptied, then removed (the namespace controller).
Deleting a Subscription leaves its CSV, as OLM does. Field names checked against operator-framework/api.
"""

import copy
import random
import string

from . import olm_schema, resources
from .errors import ApiError
from .resources import Resource
from .store import Store, now

OLM_RESOURCES = [
    Resource("operators.coreos.com", "v1alpha1", "catalogsources", "CatalogSource", shortnames=("catsrc",)),
    Resource("operators.coreos.com", "v1alpha1", "subscriptions", "Subscription", shortnames=("sub", "subs")),
    Resource("operators.coreos.com", "v1alpha1", "installplans", "InstallPlan", shortnames=("ip",)),
    Resource(
        "operators.coreos.com", "v1alpha1", "clusterserviceversions", "ClusterServiceVersion", shortnames=("csv",)
    ),
    Resource("operators.coreos.com", "v1", "operatorgroups", "OperatorGroup", shortnames=("og",)),
    Resource("packages.operators.coreos.com", "v1", "packagemanifests", "PackageManifest", subresources=()),
]
KINDS = tuple(r.kind for r in OLM_RESOURCES)
MARKETPLACE = "openshift-marketplace"


def register():
    """Add the OLM kinds to the simulator's resource table (idempotent)."""
    for r in OLM_RESOURCES:
        if r.key in resources.BY_KEY:
            continue
        resources.RESOURCES.append(r)
        resources.BY_PATH[(r.group, r.version, r.plural)] = r
        resources.BY_KEY[r.key] = r
        resources.BY_KIND[(r.api_version, r.kind)] = r
        resources.BY_KIND.setdefault((None, r.kind), r)


register()
R = {k: resources.lookup(None, k) for k in KINDS + ("Namespace", "Pod")}
_OPERATOR_GROUP_REASONS = ("NoOperatorGroup", "TooManyOperatorGroups", "UnsupportedOperatorGroup")
_MODES = ("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces")


def default_catalog():
    """{catalog source name: {package: {"defaultChannel", "channels": {channel: entry}}}} (seed 001 §4.3)."""
    sriov = {
        "csv": "sriov-network-operator.v4.14.0-202211021237", "version": "4.14.0-202211021237",
        "replaces": "sriov-network-operator.v4.14.0-202210290517", "displayName": "SR-IOV Network Operator",
        "modes": ("OwnNamespace", "SingleNamespace"), "deployment": "sriov-network-operator",
    }  # fmt: skip
    return {
        "redhat-operators": {
            "sriov-network-operator": {"defaultChannel": "stable", "channels": {"stable": sriov, "4.14": sriov}},
        }
    }


class OlmStore(Store):
    """The guest's store: OLM schemas on every write; PackageManifests are read-only over HTTP."""

    def create(self, res, obj, ns=None, http=False, dry_run=False):
        if http and res.kind == "PackageManifest":
            raise ApiError.method_not_allowed()
        obj = copy.deepcopy(obj)
        if http and res.has_status and resources.is_crd(res):
            obj.pop("status", None)
        olm_schema.admit(res, obj)
        return super().create(res, obj, ns, http=http, dry_run=dry_run)

    def update(self, res, obj, ns, name, subresource=None, http=False, dry_run=False, check_rv=True):
        if http and res.kind == "PackageManifest":
            raise ApiError.method_not_allowed()
        if res.group != olm_schema.GROUP:
            return super().update(res, obj, ns, name, subresource, http=http, dry_run=dry_run, check_rv=check_rv)
        with self.lock:
            old = self.must_get(res, ns, name)
            new = copy.deepcopy(obj)
            if subresource == "status":
                new = dict(copy.deepcopy(old), status=new.get("status", {}), metadata=new.get("metadata", {}))
            elif http and res.has_status:
                new.pop("status", None)
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
            olm_schema.admit(res, new, old)
            return super().update(res, new, ns, name, subresource, http=http, dry_run=dry_run, check_rv=check_rv)


def _cond(conds, ctype, status, reason="", message=""):
    """conds with the condition of type ctype set (lastTransitionTime kept while the status holds)."""
    old = next((c for c in conds if c["type"] == ctype), None)
    new = {"type": ctype, "status": status, "reason": reason, "message": message,
           "lastTransitionTime": old["lastTransitionTime"] if old and old["status"] == status else now()}  # fmt: skip
    return [c for c in conds if c["type"] != ctype] + [new]


class Olm:
    """The OLM stand-in of one hosted cluster (its GuestState's store)."""

    def __init__(self, store):
        self.store = store
        self.catalog = default_catalog()
        self.published = None

    def add_package(self, package, channel="stable", source="redhat-operators", fail=None, modes=("OwnNamespace",)):
        """A package with one channel in a catalog; `fail` makes its CSV fail while installing with that message."""
        entry = {"csv": "%s.v1.0.0" % package, "version": "1.0.0", "displayName": package, "modes": tuple(modes),
                 "deployment": package, "fail": fail}  # fmt: skip
        self.catalog.setdefault(source, {})[package] = {"defaultChannel": channel, "channels": {channel: entry}}
        return entry

    def sync(self):
        self._publish()
        self._namespaces()
        for og in self.store.list(R["OperatorGroup"])[0]:
            self._operator_group(og)
        for sub in self.store.list(R["Subscription"])[0]:
            self._subscription(sub)
        for ip in self.store.list(R["InstallPlan"])[0]:
            self._install_plan(ip)
        for csv in self.store.list(R["ClusterServiceVersion"])[0]:
            self._csv(csv)

    # -- catalog -----------------------------------------------------------------------------------
    def _publish(self):
        if self.published == repr(self.catalog):
            return
        self.published = repr(self.catalog)
        if self.store.get(R["Namespace"], None, MARKETPLACE) is None:
            self.store.create(
                R["Namespace"], {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": MARKETPLACE}}
            )
        for pm in self.store.list(R["PackageManifest"], MARKETPLACE)[0]:
            self.store.delete(R["PackageManifest"], MARKETPLACE, pm["metadata"]["name"])
        for source, packages in sorted(self.catalog.items()):
            self.store.put({
                "apiVersion": "operators.coreos.com/v1alpha1", "kind": "CatalogSource",
                "metadata": {"name": source, "namespace": MARKETPLACE},
                "spec": {"sourceType": "grpc", "displayName": source, "publisher": "Red Hat",
                         "image": "registry.redhat.io/redhat/%s-index:v4.14" % source},
                "status": {"connectionState": {"lastObservedState": "READY", "lastConnect": now()}},
            })  # fmt: skip
            for package, pkg in sorted(packages.items()):
                self.store.put(_package_manifest(source, package, pkg))

    def _entry(self, sub):
        """(entry, channel) of the subscription's package head, or raise ValueError(message, reason, ctype)."""
        spec = sub["spec"]
        name = sub["metadata"]["name"]
        src = self.store.get(R["CatalogSource"], spec["sourceNamespace"], spec["source"])
        packages = self.catalog.get(spec["source"]) if spec["sourceNamespace"] == MARKETPLACE else None
        if src is None or packages is None:
            raise ValueError("targeted catalogsource %s/%s missing" % (spec["sourceNamespace"], spec["source"]),
                             "UnhealthyCatalogSourceFound", "CatalogSourcesUnhealthy")  # fmt: skip
        pkg = packages.get(spec["name"])
        where = "in the catalog referenced by subscription %s" % name
        if pkg is None:
            raise ValueError("constraints not satisfiable: no operators found in package %s %s, subscription %s exists"
                             % (spec["name"], where, name), "ConstraintsNotSatisfiable", "ResolutionFailed")  # fmt: skip
        channel = spec.get("channel") or pkg["defaultChannel"]
        entry = pkg["channels"].get(channel)
        if entry is None:
            raise ValueError("constraints not satisfiable: no operators found in channel %s of package %s %s"
                             % (channel, spec["name"], where), "ConstraintsNotSatisfiable", "ResolutionFailed")  # fmt: skip
        if spec.get("startingCSV") and spec["startingCSV"] != entry["csv"]:
            raise ValueError("constraints not satisfiable: no operators found with name %s in channel %s of package %s %s"
                             % (spec["startingCSV"], channel, spec["name"], where), "ConstraintsNotSatisfiable",
                             "ResolutionFailed")  # fmt: skip
        return entry, channel

    # -- reconcilers -----------------------------------------------------------------------------
    def _namespaces(self):
        for ns in self.store.list(R["Namespace"])[0]:
            if not ns["metadata"].get("deletionTimestamp"):
                continue
            name = ns["metadata"]["name"]
            for res in resources.RESOURCES:
                if res.namespaced:
                    for o in self.store.list(res, name)[0]:
                        self.store.finalize(res, name, o["metadata"]["name"])
            self.store.finalize(R["Namespace"], None, name)

    def _operator_group(self, og):
        spec = og.get("spec") or {}
        targets = list(spec.get("targetNamespaces") or ([] if spec.get("selector") else [""]))
        status = og.get("status") or {}
        if status.get("namespaces") == targets:
            return
        og["status"] = {"namespaces": targets, "lastUpdated": now()}
        self._status(R["OperatorGroup"], og)

    def _subscription(self, sub):
        if sub["metadata"].get("deletionTimestamp"):
            return
        st = copy.deepcopy(sub.get("status") or {})
        conds = st.get("conditions") or []
        ns = sub["metadata"]["namespace"]
        ref = st.get("installPlanRef")
        if ref is None:
            try:
                entry, _channel = self._entry(sub)
            except ValueError as exc:
                message, reason, ctype = exc.args
                conds = _cond(conds, ctype, "True", reason, message)
                if ctype == "ResolutionFailed":
                    conds = _cond(conds, "CatalogSourcesUnhealthy", "False", "AllCatalogSourcesHealthy",
                                  "all available catalogsources are healthy")  # fmt: skip
                self._sub_status(sub, st, conds)
                return
            ip = self._new_install_plan(sub, entry)
            st.update(currentCSV=entry["csv"], state="UpgradePending", installPlanGeneration=1,
                      installPlanRef={"apiVersion": ip["apiVersion"], "kind": "InstallPlan", "name": ip["metadata"]["name"],
                                      "namespace": ns, "uid": ip["metadata"]["uid"],
                                      "resourceVersion": ip["metadata"]["resourceVersion"]},
                      installplan={"apiVersion": ip["apiVersion"], "kind": "InstallPlan",
                                   "name": ip["metadata"]["name"], "uuid": ip["metadata"]["uid"]},
                      catalogHealth=[{"catalogSourceRef": {"kind": "CatalogSource", "name": sub["spec"]["source"],
                                                           "namespace": MARKETPLACE}, "healthy": True,
                                      "lastUpdated": now()}])  # fmt: skip
            conds = [c for c in conds if c["type"] != "ResolutionFailed"]
            conds = _cond(conds, "CatalogSourcesUnhealthy", "False", "AllCatalogSourcesHealthy",
                          "all available catalogsources are healthy")  # fmt: skip
            conds = _cond(conds, "InstallPlanPending", "True", ip["status"]["phase"])
            self._sub_status(sub, st, conds)
            return
        ip = self.store.get(R["InstallPlan"], ns, ref["name"])
        if ip is None:
            conds = _cond(conds, "InstallPlanMissing", "True", "ReferencedInstallPlanNotFound")
        else:
            phase = (ip.get("status") or {}).get("phase")
            conds = [c for c in conds if c["type"] != "InstallPlanMissing"]
            if phase == "Complete":
                conds = [c for c in conds if c["type"] != "InstallPlanPending"]
                st.update(installedCSV=st.get("currentCSV"), state="AtLatestKnown")
            elif phase == "Failed":
                conds = [c for c in conds if c["type"] != "InstallPlanPending"]
                conds = _cond(conds, "InstallPlanFailed", "True", "InstallPlanFailed", ip["status"].get("message", ""))
                st["state"] = "UpgradeFailed"
            else:
                conds = _cond(conds, "InstallPlanPending", "True", phase or "")
        self._sub_status(sub, st, conds)

    def _sub_status(self, sub, st, conds):
        old = sub.get("status") or {}
        st["conditions"] = conds
        if {k: v for k, v in st.items() if k != "lastUpdated"} == {k: v for k, v in old.items() if k != "lastUpdated"}:
            return
        st["lastUpdated"] = now()
        sub["status"] = st
        self._status(R["Subscription"], sub)

    def _new_install_plan(self, sub, entry):
        spec = sub["spec"]
        approval = spec.get("installPlanApproval") or "Automatic"
        suffix = "".join(random.choices(string.ascii_lowercase + "0123456789", k=5))
        ip = self.store.create(R["InstallPlan"], {
            "apiVersion": "operators.coreos.com/v1alpha1", "kind": "InstallPlan",
            "metadata": {"name": "install-" + suffix, "namespace": sub["metadata"]["namespace"],
                         "ownerReferences": [{"apiVersion": sub["apiVersion"], "kind": "Subscription",
                                              "name": sub["metadata"]["name"], "uid": sub["metadata"]["uid"]}]},
            "spec": {"clusterServiceVersionNames": [entry["csv"]], "approval": approval,
                     "approved": approval == "Automatic", "generation": 1, "source": spec["source"],
                     "sourceNamespace": spec["sourceNamespace"]},
        })  # fmt: skip
        ip["status"] = {
            "phase": "RequiresApproval" if approval == "Manual" else "Installing", "catalogSources": [spec["source"]],
            "plan": [{"resolving": entry["csv"], "status": "Unknown",
                      "resource": {"sourceName": spec["source"], "sourceNamespace": MARKETPLACE, "group": "operators.coreos.com",
                                   "version": "v1alpha1", "kind": "ClusterServiceVersion", "name": entry["csv"]}}],
        }  # fmt: skip
        return self._status(R["InstallPlan"], ip)

    def _install_plan(self, ip):
        st = ip.get("status") or {}
        phase = st.get("phase")
        if phase == "RequiresApproval" and ip["spec"].get("approved"):
            ip["status"] = dict(st, phase="Installing")
            self._status(R["InstallPlan"], ip)
        elif phase == "Installing":
            ns = ip["metadata"]["namespace"]
            for name in ip["spec"]["clusterServiceVersionNames"]:
                entry = self._entry_by_csv(ip["spec"].get("source"), name)
                if entry is not None and self.store.get(R["ClusterServiceVersion"], ns, name) is None:
                    self.store.create(R["ClusterServiceVersion"], _csv_object(entry, ns, ip["spec"].get("source")))
            for step in st.get("plan") or []:
                step["status"] = "Created"
            ip["status"] = dict(st, phase="Complete", conditions=_cond(st.get("conditions") or [], "Installed", "True"))
            self._status(R["InstallPlan"], ip)

    def _entry_by_csv(self, source, csv):
        for pkg in (self.catalog.get(source) or {}).values():
            for entry in pkg["channels"].values():
                if entry["csv"] == csv:
                    return entry
        return None

    def _csv(self, csv):
        if csv["metadata"].get("deletionTimestamp"):
            return
        ns, name = csv["metadata"]["namespace"], csv["metadata"]["name"]
        st = csv.get("status") or {}
        phase, reason = st.get("phase") or "", st.get("reason")
        entry = self._entry_by_csv(csv["metadata"].get("annotations", {}).get("sim.ocp.day2/source"), name) or {}
        if phase == "":
            self._csv_phase(csv, "Pending", "RequirementsUnknown", "requirements not yet checked")
        elif phase == "Pending" or (phase == "Failed" and reason in _OPERATOR_GROUP_REASONS):
            problem = self._operator_group_problem(csv, ns)
            if problem is None:
                self._csv_phase(csv, "InstallReady", "RequirementsMet", "all requirements found, attempting install")
            elif (phase, reason) != ("Failed", problem[0]):
                self._csv_phase(csv, "Failed", *problem)
        elif phase == "InstallReady":
            self._csv_phase(csv, "Installing", "InstallSucceeded", "waiting for install components to report healthy")
        elif phase == "Installing":
            if entry.get("fail"):
                self._csv_phase(csv, "Failed", "InstallComponentFailed", entry["fail"])
            else:
                self._operator_pod(ns, entry.get("deployment") or name.split(".")[0])
                self._csv_phase(csv, "Succeeded", "InstallSucceeded", "install strategy completed with no errors")

    def _operator_group_problem(self, csv, ns):
        groups = self.store.list(R["OperatorGroup"], ns)[0]
        if not groups:
            return "NoOperatorGroup", "csv in namespace with no operatorgroups"
        if len(groups) > 1:
            return (
                "TooManyOperatorGroups",
                "csv created in namespace with multiple operatorgroups, can't pick one automatically",
            )
        targets = (groups[0].get("status") or {}).get("namespaces")
        if targets is None:
            targets = (groups[0].get("spec") or {}).get("targetNamespaces") or [""]
        if targets == [""]:
            mode = "AllNamespaces"
        elif targets == [ns]:
            mode = "OwnNamespace"
        else:
            mode = "SingleNamespace" if len(targets) == 1 else "MultiNamespace"
        supported = {m["type"] for m in csv["spec"].get("installModes") or [] if m.get("supported")}
        if mode not in supported:
            return "UnsupportedOperatorGroup", "%s InstallModeType not supported, cannot configure to watch %s" % (
                mode,
                ", ".join(t or "all namespaces" for t in targets),
            )
        return None

    def _csv_phase(self, csv, phase, reason, message):
        st = copy.deepcopy(csv.get("status") or {})
        stamp = now()
        entry = {
            "phase": phase,
            "reason": reason,
            "message": message,
            "lastUpdateTime": stamp,
            "lastTransitionTime": stamp,
        }
        conds = (st.get("conditions") or []) + [entry]
        csv["status"] = dict(st, phase=phase, reason=reason, message=message, lastUpdateTime=stamp,
                             lastTransitionTime=stamp, conditions=conds[-10:])  # fmt: skip
        self._status(R["ClusterServiceVersion"], csv)

    def _operator_pod(self, ns, deployment):
        if self.store.list(R["Pod"], ns, "app=%s" % deployment)[0]:
            return
        suffix = "".join(random.choices(string.ascii_lowercase + "0123456789", k=5))
        pod = self.store.create(R["Pod"], {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "%s-%s" % (deployment, suffix), "namespace": ns, "labels": {"app": deployment}},
            "spec": {"containers": [{"name": deployment, "image": "registry.redhat.io/openshift4/%s" % deployment}]},
        })  # fmt: skip
        pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "startTime": now()}
        self.store.update(R["Pod"], pod, ns, pod["metadata"]["name"], "status", check_rv=False)

    def _status(self, res, obj):
        meta = obj["metadata"]
        return self.store.update(res, obj, meta.get("namespace"), meta["name"], "status", check_rv=False)


def _csv_object(entry, ns, source):
    return {
        "apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
        "metadata": {"name": entry["csv"], "namespace": ns,
                     "annotations": {"sim.ocp.day2/source": source}},
        "spec": {"displayName": entry["displayName"], "version": entry["version"], "replaces": entry.get("replaces", ""),
                 "installModes": [{"type": m, "supported": m in entry["modes"]} for m in _MODES],
                 "install": {"strategy": "deployment",
                             "spec": {"deployments": [{"name": entry.get("deployment", entry["csv"].split(".")[0])}]}}},
    }  # fmt: skip


def _package_manifest(source, package, pkg):
    channels = [
        {"name": ch, "currentCSV": e["csv"],
         "currentCSVDesc": {"displayName": e["displayName"], "version": e["version"],
                            "installModes": [{"type": m, "supported": m in e["modes"]} for m in _MODES]}}
        for ch, e in sorted(pkg["channels"].items())
    ]  # fmt: skip
    return {
        "apiVersion": "packages.operators.coreos.com/v1", "kind": "PackageManifest",
        "metadata": {"name": package, "namespace": MARKETPLACE,
                     "labels": {"catalog": source, "catalog-namespace": MARKETPLACE}},
        "spec": {},
        "status": {"catalogSource": source, "catalogSourceNamespace": MARKETPLACE, "packageName": package,
                   "defaultChannel": pkg["defaultChannel"], "channels": channels},
    }  # fmt: skip
