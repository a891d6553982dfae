# ruff: noqa: E501 - messages are kept on one line, as the API states them
"""Schemas of the OLM kinds a simulated hosted cluster serves (tests/sim/olm.py).

Strict for the fields the collection writes or reads (required fields, enums, types), opaque elsewhere.
Facts from operator-framework/api `pkg/operators/v1alpha1` (Subscription, InstallPlan, ClusterServiceVersion,
CatalogSource) and `pkg/operators/v1` (OperatorGroup), checked 2026-11: Subscription `spec` is required with
`source`, `sourceNamespace` and `name` (the package); `installPlanApproval` is Automatic or Manual; an InstallPlan's
spec needs `clusterServiceVersionNames`, `approval` and `approved`; an OperatorGroup's `upgradeStrategy.name` is
Default or TechPreviewUnsafeFailForward.
"""

import threading

from .schema.dsl import anything, array, boolean, enum, integer, obj, string, string_map
from .schema.engine import Validator

GROUP = "operators.coreos.com"
_APPROVAL = ("Automatic", "Manual")


def _root(spec, status, spec_required=False):
    node = obj({"apiVersion": string(), "kind": string(), "metadata": anything(), "spec": spec, "status": status})
    if spec_required:
        node["required"] = ["spec"]
    return node


def subscription():
    config = obj(
        {"nodeSelector": string_map(), "selector": anything(), "tolerations": array(anything()), "resources": anything(),
         "env": array(anything()), "envFrom": array(anything()), "volumes": array(anything()),
         "volumeMounts": array(anything()), "affinity": anything(), "annotations": string_map()}
    )  # fmt: skip
    spec = obj(
        {"source": string(), "sourceNamespace": string(), "name": string(), "channel": string(),
         "startingCSV": string(), "installPlanApproval": enum(*_APPROVAL), "config": config},
        required=["source", "sourceNamespace", "name"],
    )  # fmt: skip
    return _root(spec, anything(), spec_required=True)


def install_plan():
    spec = obj(
        {"source": string(), "sourceNamespace": string(), "clusterServiceVersionNames": array(string()),
         "approval": enum(*_APPROVAL), "approved": boolean(), "generation": integer()},
        required=["clusterServiceVersionNames", "approval", "approved"],
    )  # fmt: skip
    return _root(spec, anything(), spec_required=True)


def operator_group():
    spec = obj(
        {"targetNamespaces": array(string(), list_type="set"), "selector": anything(), "serviceAccountName": string(),
         "staticProvidedAPIs": boolean(),
         "upgradeStrategy": obj({"name": enum("Default", "TechPreviewUnsafeFailForward", default="Default")},
                                default={"name": "Default"})},
        default={"upgradeStrategy": {"name": "Default"}},
    )  # fmt: skip
    return _root(spec, anything())


def cluster_service_version():
    spec = obj(
        {"displayName": string(), "version": string(), "replaces": string(), "install": anything(),
         "installModes": array(obj({"type": enum("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces"),
                                    "supported": boolean()}, required=["type", "supported"]))},
        required=["displayName", "install"], opaque=("customresourcedefinitions", "description", "provider", "maturity"),
    )  # fmt: skip
    return _root(spec, anything(), spec_required=True)


def catalog_source():
    spec = obj({"sourceType": enum("grpc", "configmap", "internal"), "displayName": string(), "publisher": string(),
                "image": string()}, required=["sourceType"], opaque=("updateStrategy", "grpcPodConfig", "priority"))  # fmt: skip
    return _root(spec, anything(), spec_required=True)


SCHEMAS = {
    "Subscription": subscription,
    "InstallPlan": install_plan,
    "OperatorGroup": operator_group,
    "ClusterServiceVersion": cluster_service_version,
    "CatalogSource": catalog_source,
}
_VALIDATORS = {}
_LOCK = threading.Lock()


def admit(res, obj_, old=None):
    """Prune, default and validate (422 on a refusal) an OLM object in place; other kinds pass untouched."""
    if res.group != GROUP or res.kind not in SCHEMAS:
        return
    with _LOCK:
        if res.kind not in _VALIDATORS:
            _VALIDATORS[res.kind] = Validator(res.kind, GROUP, SCHEMAS[res.kind]())
    _VALIDATORS[res.kind].admit(obj_, old)
