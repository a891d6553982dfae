"""ocp4_csr_approve's passes with a fake API: check mode approves nothing, a serving CSR that appears after the
client approval is approved in a later pass, conflicts are retried, the approval body carries the Approved
condition, and CSRs still arriving at the timeout fail the task."""

from types import SimpleNamespace

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.k8s import DynamicApiError
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import csr_approve
from tests.sim.ocp4_csr import client_csr, serving_csr

NODE = {"metadata": {"name": "master-1"}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.11"}]}}


class Listed:
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": self.items}


class FakeApi:
    def __init__(self, csrs, then=None, conflicts=0):
        self.csrs = {c["metadata"]["name"]: c for c in csrs}
        self.then = then or {}  # name approved -> CSR that appears next
        self.conflicts = conflicts
        self.bodies = []
        approval = SimpleNamespace(replace=self._approve)
        self.csr_res = SimpleNamespace(get=self._listing, subresources={"approval": approval})
        self.node_res = SimpleNamespace(get=lambda: Listed([NODE]))

    def _listing(self):
        """A fake resource's get: every CSR."""
        return Listed(list(self.csrs.values()))

    def _approve(self, body, name):
        if self.conflicts:
            self.conflicts -= 1
            raise DynamicApiError(SimpleNamespace(status=409, reason="Conflict", body=None, headers={}))
        self.bodies.append(body)
        self.csrs[name] = body
        follow = self.then.pop(name, None)
        if follow:
            self.csrs[follow["metadata"]["name"]] = follow


def _module(api, check=False, **params):
    base = {"nodes": ["master-1"], "node_addresses_from_api": True, "timeout": 5, "settle": 0.3, "interval": 0.1}
    base.update(params)
    res = {"CertificateSigningRequest": api.csr_res, "Node": api.node_res}
    return SimpleNamespace(params=base, check_mode=check, resource=lambda _v, kind: res[kind])


def test_check_mode_lists_and_approves_nothing():
    api = FakeApi([client_csr("a", "master-1"), client_csr("b", "intruder")])
    out = csr_approve.execute(_module(api, check=True))
    assert [c["name"] for c in out["approved"]] == ["a"] and out["changed"] is True
    assert [c["name"] for c in out["left_alone"]] == ["b"] and not api.bodies


def test_serving_csr_after_the_client_approval_is_approved_in_a_later_pass():
    api = FakeApi([client_csr("a", "master-1")], then={"a": serving_csr("s", "master-1", ["10.0.0.11", "master-1"])})
    out = csr_approve.execute(_module(api))
    assert [(c["name"], c["node"]) for c in out["approved"]] == [("a", "master-1"), ("s", "master-1")]
    cond = api.bodies[0]["status"]["conditions"][-1]
    assert (cond["type"], cond["status"], cond["reason"]) == ("Approved", "True", "OcpDay2Approve")
    assert "node-bootstrapper client CSR" in cond["message"]


def test_conflict_is_retried_in_the_next_pass():
    api = FakeApi([client_csr("a", "master-1")], conflicts=1)
    out = csr_approve.execute(_module(api))
    assert [c["name"] for c in out["approved"]] == ["a"] and len(api.bodies) == 1


def test_already_decided_csrs_are_not_reported():
    done = client_csr("a", "master-1")
    done["status"] = {"conditions": [{"type": "Denied", "status": "True"}]}
    out = csr_approve.execute(_module(FakeApi([done])))
    assert out == {"changed": False, "approved": [], "left_alone": [], "expected_nodes": ["master-1"]}


def test_csrs_still_arriving_at_the_timeout_fail():
    chain = {"c%d" % i: client_csr("c%d" % (i + 1), "master-1") for i in range(200)}
    api = FakeApi([client_csr("c0", "master-1")], then=chain)
    with pytest.raises(Day2Timeout, match="still arriving after timeout=0s"):
        csr_approve.execute(_module(api, timeout=0, settle=10))
