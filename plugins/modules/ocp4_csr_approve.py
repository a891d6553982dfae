#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp4_csr_approve
short_description: Approve the pending kubelet CSRs of expected OpenShift 4 nodes, and only those
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Approves pending CertificateSigningRequests after a restore to a previous cluster state or with expired
    control-plane certificates (seed 003 §5.4.2.2 and §5.4.3.1), instead of approving every pending CSR.
  - A C(kubernetes.io/kube-apiserver-client-kubelet) CSR is approved when it is requested by
    C(system:serviceaccount:openshift-machine-config-operator:node-bootstrapper) (or by the node itself, a
    renewal), its PEM request has subject CN C(system:node:<name>) and O C(system:nodes) (nothing else) for a name
    in O(nodes), no subject alternative names, and client usages.
  - A C(kubernetes.io/kubelet-serving) CSR is approved when it is requested by C(system:node:<name>) in group
    C(system:nodes) for its own name in O(nodes), with the same subject rules, at least one DNS name or IP address,
    every one of them an address of that node (the Node object's C(status.addresses) when
    O(node_addresses_from_api=true), and the addresses given in O(nodes)), and server usages.
  - Every other pending CSR is left alone and reported with the reason (another signer, an unexpected name, a
    foreign address, a request that does not parse or whose signature does not verify, ...).
  - Approval adds an C(Approved) condition through the C(certificatesigningrequests/<name>/approval)
    subresource, as C(oc adm certificate approve) does. Approving a client CSR makes the kubelet ask for a serving
    certificate, so the module looks again every O(interval) seconds and returns once nothing was approved for
    O(settle) seconds, or after O(timeout) seconds.
  - Why not M(kubernetes.core.k8s)? It cannot decode a CSR's request, compare it with the nodes, or write the
    approval subresource.
options:
  nodes:
    description:
      - The nodes whose CSRs may be approved; a name, or a dict with C(name) and C(addresses) (IP addresses and DNS
        names the node's serving certificate may carry, for example from the inventory).
    type: list
    elements: raw
    required: true
  node_addresses_from_api:
    description: Also accept the addresses in the Node objects of the expected nodes.
    type: bool
    default: true
  timeout:
    description: Seconds after which the module stops looking (it fails if CSRs were still being approved then).
    type: int
    default: 600
  settle:
    description: Seconds without a new approval after which the module returns; V(0) makes one pass.
    type: int
    default: 30
  interval:
    description: Seconds between two looks at the CSRs.
    type: float
    default: 5.0
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - cryptography
attributes:
  check_mode:
    support: full
    description: One look at the CSRs; returns what would be approved in RV(approved), approves nothing.
  diff_mode:
    support: none
    description: The approvals are listed in RV(approved); there is no object diff.
"""

EXAMPLES = r"""
- name: Approve the CSRs of the control-plane nodes after a restore
  ocp.day2.ocp4_csr_approve:
    nodes: [master-0, master-1, master-2]
    kubeconfig: /root/auth/kubeconfig
  register: csrs

- name: Show what was left alone and why
  ansible.builtin.debug:
    msg: "{{ csrs.left_alone }}"

- name: Serving CSRs of nodes not known to the API yet, with addresses from the inventory
  ocp.day2.ocp4_csr_approve:
    nodes:
      - name: worker-0
        addresses: [10.0.1.20, worker-0.example.com]
    settle: 60
"""

RETURN = r"""
approved:
  description: The CSRs approved (in check mode, those that would be), with the node and the rule that matched.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "csr-4hl85", "node": "master-1", "signer": "kubernetes.io/kube-apiserver-client-kubelet",
            "requestor": "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper",
            "rule": "node-bootstrapper client CSR"}]
left_alone:
  description: The pending CSRs not approved, each with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "csr-zhhhp", "signer": "kubernetes.io/kube-apiserver-client-kubelet",
            "requestor": "system:serviceaccount:openshift-machine-config-operator:node-bootstrapper",
            "reason": "it is for node intruder, which is not among the expected nodes (master-0, master-1)"}]
expected_nodes:
  description: The node names given.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.module_utils.ocp4.csr_approve import argument_spec, execute


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
