"""The one playbook the ocp3_health_check e2e tests run: the role, then its results saved for the test."""

_PLAY = """
- name: Health check ({hosts})
  hosts: {hosts}
  gather_facts: false
  tasks:
    - name: Run the role, and keep its results for the test even when it fails
      block:
        - name: Run ocp3_health_check
          ansible.builtin.include_role:
            name: ocp.day2.ocp3_health_check
      always:
        - name: Save the results for the test
          ansible.builtin.copy:
            content: "{{{{ ocp3_health_check__by_host | default({{}}) | to_json }}}}"
            dest: {out}
            mode: "0600"
          check_mode: false
          changed_when: false
          run_once: true{local}
"""

# Hosts that are network namespaces write the results file from the controller.
_ON_CONTROLLER = """
          delegate_to: localhost
          vars:
            ansible_python_interpreter: {python}
            ansible_connection: local"""


def health_check_play(out, hosts="masters", controller_python=None):
    """Playbook text running ocp.day2.ocp3_health_check on `hosts` and writing its results to `out`."""
    local = _ON_CONTROLLER.format(python=controller_python) if controller_python else ""
    return _PLAY.format(hosts=hosts, out=out, local=local)
