"""`mgmt.guest(hc)`: what a test sees of a hosted cluster's own API on one management cluster."""

import os

from .faults import Faults
from .guest import CONNECTED, OVN_NS, R, lookup


class GuestHandle:
    """What a test sees of a hosted cluster's own API on one management cluster (`mgmt.guest(hc)`)."""

    def __init__(self, mgmt, name, namespace):
        self.mgmt, self.name, self.namespace = mgmt, name, namespace
        self.key = (namespace, name)

    @property
    def kubeconfig(self):
        return os.path.join(self.mgmt.base_dir, "guest", "%s-%s" % self.key, "kubeconfig")

    @property
    def served(self):
        return self.key in self.mgmt.guests.servers

    @property
    def faults(self):
        return self.mgmt.guests.faults.setdefault(self.key, Faults())

    def _state(self):
        hc = self.mgmt.get("hypershift.openshift.io/v1beta1", "HostedCluster", self.name, self.namespace)
        known = self.mgmt.guests.cluster_ids.get(self.key)
        cid = (hc["spec"].get("clusterID") or hc["metadata"]["uid"]) if hc else known
        state = lookup(cid) if cid else None
        if state is None:
            raise RuntimeError("hosted cluster %s/%s has no guest state on %s" % (*self.key, self.mgmt.name))
        return state

    @property
    def olm(self):
        """The OLM stand-in of this hosted cluster (tests/sim/olm.py): its `catalog`, `add_package()`."""
        return self._state().olm

    def get(self, kind, name, namespace=None):
        """An object of the hosted cluster's own API (a kind the guest serves), or None."""
        from .olm import R as OLM_R

        return self._state().store.get(OLM_R.get(kind) or R[kind], namespace, name)

    def list(self, kind, namespace=None):
        from .olm import R as OLM_R

        return self._state().store.list(OLM_R.get(kind) or R[kind], namespace)[0]

    def set_upgradeable(self, status, reason="", message=""):
        """The Upgradeable condition of the hosted cluster's ClusterVersion, as a CVO precondition sets it
        (None removes it); HyperShift bubbles it up as ClusterVersionUpgradeable (tests/sim/upgrade.py)."""
        from .guest import R as GUEST

        store = self._state().store
        cv = store.get(GUEST["ClusterVersion"], None, "version")
        conds = [c for c in cv["status"].get("conditions") or [] if c["type"] != "Upgradeable"]
        if status is not None:
            conds.append({"type": "Upgradeable", "status": status, "reason": reason, "message": message,
                          "lastTransitionTime": cv["status"]["history"][0]["startedTime"]})  # fmt: skip
        cv["status"]["conditions"] = conds
        store.update(GUEST["ClusterVersion"], cv, None, "version", "status", check_rv=False)

    def nodes(self):
        """[(name, ready)] of the hosted cluster's Nodes."""
        out = []
        for n in self._state().store.list(R["Node"])[0]:
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])
            out.append((n["metadata"]["name"], ready))
        return out

    def ovn_pods(self):
        """[{"name", "node", "phase", "control_plane"}] of the ovnkube-node pods (control_plane: the
        management cluster whose OVN control plane the pod connected to when it started, or None)."""
        return [
            {"name": p["metadata"]["name"], "node": p["spec"].get("nodeName"),
             "phase": (p.get("status") or {}).get("phase"),
             "control_plane": (p["metadata"].get("annotations") or {}).get(CONNECTED)}
            for p in self._state().store.list(R["Pod"], OVN_NS)[0]
        ]  # fmt: skip

    def instances(self):
        """{instance id: {"node", "nodepool", "terminated"}} of the hosted cluster's cloud instances."""
        return {k: dict(v) for k, v in self._state().instances.items()}
