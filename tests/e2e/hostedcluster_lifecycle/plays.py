"""Helpers of the hosted-cluster lifecycle end-to-end tests: one playbook run that saves its registered results."""

import json

import pytest

from tests.harness.ansible import run_playbook, write_playbook

API = "hypershift.openshift.io/v1beta1"

HEADER = """
- name: lifecycle
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/ocp.day2.k8s:
      kubeconfig: "%(kubeconfig)s"
  tasks:
"""


def play(tmp_path, mgmt, tasks, names, name, extra_vars=None, env=None):
    """Run `tasks` (YAML list items indented by 4) against mgmt; return ({registered name: result}, run).

    A task expected to fail says `ignore_errors: true` and registers its result."""
    result_file = tmp_path / ("%s.json" % name)
    save = """
    - name: Save the results for the test
      ansible.builtin.copy:
        content: "{{ {%s} | to_json }}"
        dest: "%s"
        mode: "0600"
      check_mode: false
""" % (", ".join("'%s': %s | default(None)" % (n, n) for n in names), result_file)
    body = HEADER % {"kubeconfig": mgmt.kubeconfig} + tasks + save
    path = write_playbook(tmp_path, body, name=name + ".yml")
    proc = run_playbook(path, extra_vars=extra_vars, env=env, timeout=600)
    print(proc.stdout[-5000:])
    if proc.rc != 0:
        pytest.fail("ansible-playbook failed: %r" % proc, pytrace=False)
    return json.loads(result_file.read_text()), proc


def pools(mgmt, cluster, namespace="clusters"):
    return {
        np["metadata"]["name"]: np
        for np in mgmt.list(API, "NodePool", namespace)
        if np["spec"].get("clusterName") == cluster
    }


def condition(obj, ctype):
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == ctype), {})
