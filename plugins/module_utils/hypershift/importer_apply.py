# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How ocp.day2.hostedcluster_import applies one object: create when missing (with the run's labels), merge when
different (finalizers and the immutable restoreSnapshotURL left as they are), never touch an existing HostedCluster.

The HostedControlPlane needs care: HyperShift copies the HostedCluster's etcd spec, restoreSnapshotURL included, onto
it, and the API refuses to add or change that field on an existing object. So before the HostedCluster is created,
a HostedControlPlane that does not already carry the same URL is created again with it (nothing reconciles it while
no HostedCluster exists).
"""

from __future__ import annotations

import copy
import time

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import MERGE_PATCH
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    HYPERSHIFT_API,
    DynamicApiError,
    NotFoundError,
    with_retries,
)

POLL_SLEEP = 0.5
DELETE_TIMEOUT = 60


def restore_urls(obj):
    """spec.etcd.managed.storage.restoreSnapshotURL of a HostedCluster or HostedControlPlane dict (None if unset)."""
    storage = (((obj or {}).get("spec") or {}).get("etcd") or {}).get("managed") or {}
    return (storage.get("storage") or {}).get("restoreSnapshotURL")


def merge(target, patch):
    """JSON merge patch (RFC 7386) of patch into target, in place."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _update_body(obj):
    """The merge patch for an existing object: its finalizers stay as the destination's controllers set them, and
    restoreSnapshotURL (immutable) as it is."""
    body = copy.deepcopy(obj)
    body["metadata"].pop("finalizers", None)
    storage = (((body.get("spec") or {}).get("etcd") or {}).get("managed") or {}).get("storage")
    if isinstance(storage, dict):
        storage.pop("restoreSnapshotURL", None)
    return body


class Applier:
    def __init__(self, module, labels):
        self.module = module
        self.labels = dict(labels or {})
        self.check_mode = module.check_mode
        self.applied = []
        self.namespaces_created = []
        self.hostedcluster_existed = False
        self._resources = {}

    def resource(self, api_version, kind):
        key = (api_version, kind)
        if key not in self._resources:
            self._resources[key] = self.module.resource(api_version, kind)
        return self._resources[key]

    def get(self, api_version, kind, name, namespace=None):
        try:
            found = with_retries(self.resource(api_version, kind).get, name=name, namespace=namespace)
        except NotFoundError:
            return None
        return found.to_dict() if hasattr(found, "to_dict") else dict(found)

    def create(self, api_version, kind, body, namespace=None):
        resource = self.resource(api_version, kind)
        attempts = []

        def call():
            attempts.append(1)
            try:
                return resource.create(body=body, namespace=namespace)
            except DynamicApiError as exc:
                if getattr(exc, "status", None) == 409 and len(attempts) > 1:
                    return None  # an earlier attempt went through before its answer was lost
                raise

        with_retries(call)

    def namespace(self, name, create):
        existing = self.get("v1", "Namespace", name)
        if existing is not None:
            if (existing.get("metadata") or {}).get("deletionTimestamp"):
                raise Day2Error("Namespace %s is being deleted (Terminating) on this cluster. Wait until it is gone, "
                                "then run again." % name)  # fmt: skip
            return
        if not create:
            raise Day2Error("Namespace %s does not exist and create_namespaces is false. Create it, or set "
                            "create_namespaces: true." % name)  # fmt: skip
        if not self.check_mode:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            if self.labels:
                body["metadata"]["labels"] = dict(self.labels)
            self.create("v1", "Namespace", body)
        self.namespaces_created.append(name)

    def apply(self, group, obj):
        meta = obj["metadata"]
        api_version, kind, name, namespace = obj["apiVersion"], obj["kind"], meta["name"], meta["namespace"]
        existing = None if namespace in self.namespaces_created else self.get(api_version, kind, name, namespace)
        if existing is None:
            action = "created"
            if not self.check_mode:
                self.create(api_version, kind, self.labelled(obj), namespace)
        elif kind == "HostedCluster":
            action = "unchanged"
            self.hostedcluster_existed = True
            self.module.warn(
                "HostedCluster %s/%s already exists on this cluster; it was left as it is (it is only ever created, "
                "since restoreSnapshotURL is read at creation)." % (namespace, name)
            )
        elif merge(copy.deepcopy(existing), _update_body(obj)) == existing:
            action = "unchanged"
        else:
            action = "updated"
            if not self.check_mode:
                resource = self.resource(api_version, kind)
                body = _update_body(obj)
                with_retries(resource.patch, body=body, name=name, namespace=namespace, content_type=MERGE_PATCH)
        self.applied.append({"group": group, "kind": kind, "namespace": namespace, "name": name, "action": action})

    def hcp_for_restore(self, hcp, hostedcluster):
        """Before the HostedCluster is created: make the existing HostedControlPlane carry its restoreSnapshotURL.

        hcp is the exported HostedControlPlane with the URL set. Nothing to do when the HostedCluster exists (it is
        left alone), when there is no HostedControlPlane (HyperShift creates it) or when it has the same URL.
        """
        meta = hcp["metadata"]
        hc_meta = hostedcluster["metadata"]
        if self.get(HYPERSHIFT_API, "HostedCluster", hc_meta["name"], hc_meta["namespace"]) is not None:
            return
        existing = self.get(HYPERSHIFT_API, "HostedControlPlane", meta["name"], meta["namespace"])
        if existing is None or restore_urls(existing) == restore_urls(hcp):
            return
        if not self.check_mode:
            resource = self.resource(HYPERSHIFT_API, "HostedControlPlane")
            if (existing["metadata"].get("finalizers") or []) != []:
                body = {"metadata": {"finalizers": None}}
                with_retries(resource.patch, body=body, name=meta["name"], namespace=meta["namespace"],
                             content_type=MERGE_PATCH)  # fmt: skip
            try:
                with_retries(resource.delete, name=meta["name"], namespace=meta["namespace"])
            except NotFoundError:
                pass
            deadline = time.monotonic() + DELETE_TIMEOUT
            while self.get(HYPERSHIFT_API, "HostedControlPlane", meta["name"], meta["namespace"]) is not None:
                if time.monotonic() > deadline:
                    raise Day2Error(
                        "HostedControlPlane %s/%s is still there %d s after it was deleted (to be created again with "
                        "the restoreSnapshotURL). Check its finalizers and run again."
                        % (meta["namespace"], meta["name"], DELETE_TIMEOUT),
                        **self.result(),
                    )
                time.sleep(POLL_SLEEP)
            self.create(HYPERSHIFT_API, "HostedControlPlane", self.labelled(hcp), meta["namespace"])
        self.applied.append({"group": "hcp", "kind": "HostedControlPlane", "namespace": meta["namespace"],
                             "name": meta["name"], "action": "recreated"})  # fmt: skip

    def labelled(self, obj):
        body = copy.deepcopy(obj)
        if self.labels:
            body["metadata"]["labels"] = dict(body["metadata"].get("labels") or {}, **self.labels)
        return body

    def result(self):
        changed = bool(self.namespaces_created) or any(a["action"] != "unchanged" for a in self.applied)
        return {
            "changed": changed,
            "applied": self.applied,
            "hostedcluster_existed": self.hostedcluster_existed,
            "namespaces_created": self.namespaces_created,
        }
