# ruff: noqa: E501 - the expected tuples stay on one line
"""ocp4_csr_approve end to end on the simulated OpenShift 4 API, through the ocp4_csr_approve playbook: check mode
approves nothing; the real run approves the expected node's bootstrapper CSR and then the serving CSR its kubelet
sends after that, through the approval subresource, and leaves an unexpected name and a foreign address pending."""

import json
import os

from tests.sim.ocp4_csr import serving_csr

PLAY = """
- name: Check mode first
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ocp.day2.ocp4_csr_approve:
        nodes: [master-0, master-1]
        settle: 0
        kubeconfig: "{{ ocp_day2_kubeconfig }}"
      check_mode: true
      register: dry
    - ansible.builtin.copy:
        content: "{{ dry | to_json }}"
        dest: "{{ out }}-check"
        mode: "0600"
- name: The playbook
  ansible.builtin.import_playbook: ocp.day2.ocp4_csr_approve
- name: Keep the result
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "{{ ocp4_csr_approve_result | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def _conditions(cluster, name):
    return (cluster.get("certificates.k8s.io/v1", "CertificateSigningRequest", name).get("status") or {}).get(
        "conditions"
    )


def test_csr_approve_only_expected(scenario):
    cluster = scenario.cluster
    client = cluster.kubelet_bootstrap("master-1", address="10.0.0.11", name="csr-m1")
    intruder = cluster.kubelet_bootstrap("intruder", name="csr-intruder")
    cluster.put(serving_csr("csr-m0-foreign", "master-0", ["10.0.0.10", "10.6.6.6"]))
    out = os.path.join(scenario.base, "csr.json")
    extra = {"out": out, "ocp_day2_kubeconfig": cluster.kubeconfig, "ocp4_csr_approve_nodes": ["master-0", "master-1"],
             "ocp4_csr_approve_settle": 2, "ocp4_csr_approve_interval": 0.2, "ocp4_csr_approve_timeout": 60}  # fmt: skip
    result = scenario.play(PLAY, "csr.yml", "localhost,", extra_vars=extra)
    assert result.rc == 0, result.stdout[-4000:]
    with open(out + "-check") as f:
        dry = json.load(f)
    assert [c["name"] for c in dry["approved"]] == ["csr-m1"] and dry["changed"] is True
    with open(out) as f:
        real = json.load(f)
    assert [(c["name"], c["node"]) for c in real["approved"]] == [
        ("csr-m1", "master-1"),
        ("csr-master-1-serving", "master-1"),
    ]
    left = {c["name"]: c["reason"] for c in real["left_alone"]}
    assert "not among the expected nodes" in left[intruder]
    assert "10.6.6.6 do not belong to node master-0" in left["csr-m0-foreign"]
    approved = _conditions(cluster, client)
    assert [(c["type"], c["status"], c["reason"]) for c in approved] == [("Approved", "True", "OcpDay2Approve")]
    assert _conditions(cluster, "csr-master-1-serving")[0]["type"] == "Approved"
    assert not _conditions(cluster, intruder) and not _conditions(cluster, "csr-m0-foreign")
