# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_delete: delete a hosted cluster the way HyperShift means it to go (seed 000 §3.6).

The HostedCluster is deleted and HyperShift's own deletion flow does the rest (facts from openshift/hypershift,
hypershift-operator/controllers/hostedcluster, read 2026-11, in our words): while the HostedCluster carries the
finalizer hypershift.openshift.io/finalizer, the operator deletes its NodePools, then the Cluster API Cluster (whose
controllers delete the machines and their cloud instances), cleans up platform credentials and endpoints, then the
control-plane namespace, and only then removes its finalizer. So the cloud resources are released - unlike
hostedcluster_teardown, which strips finalizers first to keep them for another management cluster.

This module waits until nothing of the cluster is left; what still blocks after the timeout is reported object by
object with its finalizers. Only with strip_finalizers are they removed (reusing the teardown's helpers).
"""

from __future__ import annotations

import time

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import HYPERSHIFT_API
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.teardown import (
    HCP_KINDS,
    Teardown,
    check_options,
    ref,
    ref_text,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import auth_arg_spec

POLL_SLEEP = 1.0


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        wait_timeout={"type": "int", "default": 1800},
        strip_finalizers={"type": "bool", "default": False},
    )
    return spec


class Deletion(Teardown):
    """The teardown's API helpers (retries, named errors, finalizer stripping) with HyperShift doing the deleting."""

    def leftovers(self):
        """[(apiVersion, object)] of everything of the cluster still there, the HostedCluster first."""
        out = []
        hc = self.get(HYPERSHIFT_API, "HostedCluster", self.name, self.ns)
        if hc is not None:
            out.append((HYPERSHIFT_API, hc))
        out += [(HYPERSHIFT_API, p) for p in self.nodepools()]
        ns_obj = self.get("v1", "Namespace", self.hcp_ns)
        if ns_obj is not None:
            for api_version, kind in HCP_KINDS:
                out += [(api_version, o) for o in self.list(api_version, kind, self.hcp_ns)]
            out.append(("v1", ns_obj))
        return out

    @staticmethod
    def describe(obj):
        meta = obj["metadata"]
        since = meta.get("deletionTimestamp")
        fins = meta.get("finalizers") or []
        state = "deleting since %s" % since if since else "not being deleted yet"
        return "%s (%s; finalizers: %s)" % (ref_text(ref(obj)), state, ", ".join(fins) or "none")

    def wait_gone(self, timeout):
        """Poll until nothing is left; returns what is still there when the time is up ([] when all went)."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.leftovers()
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(min(POLL_SLEEP, max(0.0, deadline - time.monotonic())))

    def force(self, left):
        """Strip the finalizers of what is being deleted and blocks (strip_finalizers=true). The HostedCluster's own
        goes last, when nothing else is left: stripped earlier, HyperShift's deletion flow would never run."""
        blocked = [(a, o) for a, o in left if o["metadata"].get("deletionTimestamp") and self.finalizers(o)]
        others = [(a, o) for a, o in blocked if o["kind"] != "HostedCluster"]
        if not others and len(left) > len(blocked):
            return []  # the rest has no finalizer to strip: HyperShift's flow goes on
        stripped = []
        for api_version, obj in others or blocked:
            self.strip(api_version, obj)
            stripped.append(dict(ref(obj), finalizers=self.finalizers(obj)))
        return stripped


def execute(module):
    params = module.params
    check_options(params)
    module.resource(HYPERSHIFT_API, "HostedCluster")  # fails clearly when this is no HyperShift management cluster
    dl = Deletion(module)
    left = dl.leftovers()
    hc = next((o for _a, o in left if o["kind"] == "HostedCluster"), None)
    before = [ref_text(ref(o)) for _a, o in left]
    result = {"hostedcluster_found": hc is not None, "hcp_namespace": dl.hcp_ns, "removed": before, "stripped": []}
    if not left:
        return dict(result, changed=False, plan=[], msg="Nothing of HostedCluster %s/%s is left." % (dl.ns, dl.name))
    if hc is not None and not hc["metadata"].get("deletionTimestamp"):
        dl.plan.append("delete HostedCluster %s/%s; HyperShift deletes its NodePools, Cluster API objects, machines "
                       "and the control-plane namespace %s" % (dl.ns, dl.name, dl.hcp_ns))  # fmt: skip
    else:
        dl.plan.append("wait for what is left of %s/%s to go: %s" % (dl.ns, dl.name, "; ".join(before)))
    if module._diff:
        result["diff"] = {"before": {"objects": before}, "after": {"objects": []}}
    if dl.check:
        return dict(result, changed=True, plan=dl.plan)
    if hc is not None and not hc["metadata"].get("deletionTimestamp"):
        dl.call("Deleting HostedCluster %s/%s" % (dl.ns, dl.name), dl.res(HYPERSHIFT_API, "HostedCluster").delete,
                name=dl.name, namespace=dl.ns)  # fmt: skip
    left = dl.wait_gone(dl.timeout)
    while left and params["strip_finalizers"]:
        stripped = dl.force(left)
        if stripped:
            result["stripped"] += stripped
            dl.plan.append("after %ds, strip the finalizers of: %s" % (dl.timeout, "; ".join(
                "%s (%s)" % (ref_text(s), ", ".join(s["finalizers"])) for s in stripped)))  # fmt: skip
        before_round = {ref_text(ref(o)) for _a, o in left}
        left = dl.wait_gone(dl.timeout)
        if not stripped and {ref_text(ref(o)) for _a, o in left} == before_round:
            break  # nothing to strip and no progress: report what blocks
    if left:
        blocking = [dl.describe(o) for _a, o in left]
        tail = (
            "Even with their finalizers stripped they did not go; see `oc get` of each."
            if params["strip_finalizers"]
            else "Find out which controller holds each finalizer (the HyperShift operator, Cluster API, the CAPI "
            "provider) and why (`oc describe`, its logs); run again to wait longer, or with strip_finalizers=true to "
            "remove them - then cloud resources (instances, load balancers, volumes) may be left behind."
        )
        raise Day2Timeout(
            "HostedCluster %s/%s is not fully deleted after %ds; still there: %s. %s"
            % (dl.ns, dl.name, dl.timeout, "; ".join(blocking), tail),
            blocking=blocking,
            stripped=result["stripped"],
            plan=dl.plan,
        )
    return dict(result, changed=True, plan=dl.plan)
