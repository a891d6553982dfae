# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp4_csr_approve: approve the pending CSRs the seed expects, in passes, until none is left to approve."""

from __future__ import annotations

import copy
import datetime
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.k8s import DynamicApiError, auth_arg_spec, with_retries
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import csr_rules

CSR_API = "certificates.k8s.io/v1"


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        nodes={"type": "list", "elements": "raw", "required": True},
        node_addresses_from_api={"type": "bool", "default": True},
        timeout={"type": "int", "default": 600},
        settle={"type": "int", "default": 30},
        interval={"type": "float", "default": 5.0},
    )
    return spec


def expected_nodes(values):
    """The admin's node list: names, or {"name", "addresses"} entries."""
    if not values:
        raise Day2Error('nodes is empty: give the expected node names, for example ["master-0", "master-1"].')
    out = []
    for i, value in enumerate(values):
        option = "nodes[%d]" % i
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or set(value) - {"name", "addresses"}:
            raise Day2Error("%s=%r must be a node name or a dict with name and addresses." % (option, value))
        inputs.k8s_name(value.get("name"), option + ".name", example="master-0")
        addresses = value.get("addresses") or []
        if not isinstance(addresses, list) or not all(isinstance(a, str) and a.strip() for a in addresses):
            raise Day2Error("%s.addresses must be a list of IP addresses or DNS names." % option)
        out.append({"name": value["name"], "addresses": addresses})
    return out


def _check(params):
    inputs.at_least(params["timeout"], "timeout", 0, " seconds")
    inputs.at_least(params["settle"], "settle", 0, " seconds")
    inputs.at_least(params["interval"], "interval", 0.1, " seconds")
    return expected_nodes(params["nodes"])


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def approve(csr_res, csr, rule):
    """Add the Approved condition through the approval subresource (what `oc adm certificate approve` does)."""
    body = copy.deepcopy(csr)
    conditions = body.setdefault("status", {}).setdefault("conditions", [])
    conditions.append({"type": "Approved", "status": "True", "reason": "OcpDay2Approve", "lastUpdateTime": _now(),
                       "message": "Approved by ocp.day2.ocp4_csr_approve: %s." % rule})  # fmt: skip
    csr_res.subresources["approval"].replace(body=body, name=csr["metadata"]["name"])


class Pass:
    """One look at the CSRs: what was approved, what was left alone, whether anything could still be approved."""

    def __init__(self, module, expected):
        self.module = module
        self.expected = expected
        self.csr_res = module.resource(CSR_API, "CertificateSigningRequest")
        self.node_res = module.resource("v1", "Node") if module.params["node_addresses_from_api"] else None
        self.approved = {}
        self.left = {}

    def run(self):
        csrs = with_retries(self.csr_res.get).to_dict().get("items") or []
        nodes = with_retries(self.node_res.get).to_dict().get("items") or [] if self.node_res else []
        table = csr_rules.node_table(self.expected, nodes)
        acted = False
        for csr in sorted(csrs, key=lambda c: c["metadata"]["name"]):
            name, spec = csr["metadata"]["name"], csr.get("spec") or {}
            if not csr_rules.is_pending(csr) or name in self.approved:
                continue
            seen = {"name": name, "signer": spec.get("signerName"), "requestor": spec.get("username")}
            try:
                _verdict, node, rule = csr_rules.classify(csr, table)
            except csr_rules.Leave as why:
                self.left[name] = dict(seen, reason=str(why))
                continue
            if not self.module.check_mode:
                try:
                    approve(self.csr_res, csr, rule)
                except DynamicApiError as exc:
                    if getattr(exc, "status", None) in (404, 409):
                        continue  # gone or changed since the list: the next pass sees it as it is now
                    raise
            self.left.pop(name, None)
            self.approved[name] = dict(seen, node=node, rule=rule)
            acted = True
        return acted


def execute(module):
    params = module.params
    expected = _check(params)
    if not csr_rules.HAS_CRYPTOGRAPHY:
        raise Day2Error("The Python package cryptography is needed to read CSRs: install it where the task runs.")
    work = Pass(module, expected)
    started = time.monotonic()
    last = started
    while True:
        acted = work.run()
        now = time.monotonic()
        if acted:
            last = now
        if module.check_mode or now - last >= params["settle"]:
            break
        if now - started >= params["timeout"]:
            if acted:  # CSRs still arriving: the kubelets keep asking
                raise Day2Timeout(
                    "CSRs this procedure approves were still arriving after timeout=%ds (%d approved): check the "
                    "kubelet logs of the nodes, then run the task again." % (params["timeout"], len(work.approved)),
                    **_result(work, expected),
                )
            break
        time.sleep(min(params["interval"], max(0.0, params["timeout"] - (now - started))))
    return _result(work, expected)


def _result(work, expected):
    return {
        "changed": bool(work.approved),
        "approved": sorted(work.approved.values(), key=lambda c: c["name"]),
        "left_alone": sorted(work.left.values(), key=lambda c: c["name"]),
        "expected_nodes": sorted(e["name"] for e in expected),
    }
