# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: oc_auth_args
short_description: The --kubeconfig and --context arguments of an oc command line, from role variables
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Roles that run C(oc) themselves (C(oc rsync) in P(ocp.day2.ocp3_pvc_backup#role) and
    P(ocp.day2.ocp3_pvc_restore#role)) take the same connection variables as the Kubernetes modules, which default
    to C(omit) when the collection-wide C(ocp_day2_kubeconfig) / C(ocp_day2_context) are unset.
  - Returns C(--kubeconfig=<path>) for the input and C(--context=<name>) for O(context), each only when it is a
    non-empty string and not Ansible's omit placeholder; so C(oc) falls back to its own defaults (C(KUBECONFIG),
    the current context) exactly where the Kubernetes modules would.
options:
  _input:
    description: The kubeconfig path, or an empty / omitted value.
    type: raw
    required: true
  context:
    description: The kubeconfig context, or an empty / omitted value.
    type: raw
"""

EXAMPLES = r"""
- name: Copy a claim's files with oc rsync, authenticated as the role's Kubernetes tasks are
  ansible.builtin.command:
    argv: "{{ ['oc', 'rsync'] + (my_kubeconfig | ocp.day2.oc_auth_args(my_context)) + ['pod:/data/', '/backup/'] }}"
  changed_when: true
"""

RETURN = r"""
_value:
  description: Zero, one or two arguments, e.g. C(['--kubeconfig=/root/.kube/config', '--context=admin']).
  type: list
  elements: str
"""

OMIT_MARK = "__omit_place_holder__"


def _given(value):
    """A usable setting: a non-empty string that is not the omit placeholder (an Omit object is not a string)."""
    return isinstance(value, str) and value.strip() != "" and OMIT_MARK not in value


def oc_auth_args(kubeconfig, context=None):
    args = []
    if _given(kubeconfig):
        args.append("--kubeconfig=%s" % kubeconfig)
    if _given(context):
        args.append("--context=%s" % context)
    return args


class FilterModule:
    def filters(self):
        return {"oc_auth_args": oc_auth_args}
