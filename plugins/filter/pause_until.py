# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: pause_until
short_description: The value to write in a HyperShift spec.pausedUntil
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Turns V(true) (any case), an RFC3339 time or a duration such as C(30m), C(2h), C(1h30m) or C(1d) into what
    HyperShift accepts in C(spec.pausedUntil) - C(true) or an RFC3339 time in UTC. A duration becomes now +
    duration, in whole seconds.
  - Fails with the accepted forms for anything else, as M(ocp.day2.hostedcluster_pause) does for its C(until).
options:
  _input:
    description: V(true), an RFC3339 time, or a duration.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Record until when the maintenance window pauses the cluster
  ansible.builtin.set_fact:
    maintenance_paused_until: "{{ '2h' | ocp.day2.pause_until }}"
"""

RETURN = r"""
_value:
  description: C(true), or an RFC3339 UTC time such as C(2024-03-03T03:28:48Z).
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ocp.day2.plugins.module_utils.durations import parse_until
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error


def pause_until(value):
    try:
        return parse_until(value).value
    except Day2Error as exc:
        raise AnsibleFilterError("ocp.day2.pause_until: %s" % exc.msg) from None


class FilterModule:
    def filters(self):
        return {"pause_until": pause_until}
