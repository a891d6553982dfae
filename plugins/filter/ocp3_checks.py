# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the OpenShift 3.11 check results of many hosts into a table and a to-do list."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import plan, table

UNCHECKED = {
    "name": "host",
    "status": "fail",
    "observed": "unreachable, or failed before its checks ran",
    "threshold": "",
    "message": "The host was not checked.",
    "remedy": "Fix the connection or the failed task shown above, then rerun.",
}


def _validate(results_by_host, unchecked=None):
    if not isinstance(results_by_host, dict):
        raise AnsibleFilterError(
            "expected a dict of host name -> list of check results, got %s" % type(results_by_host).__name__
        )
    for host, results in results_by_host.items():
        if not isinstance(results, list) or not all(isinstance(r, dict) and "status" in r for r in results):
            raise AnsibleFilterError(
                "the results of %s are not a list of check results (dicts with name and status)" % host
            )
    merged = dict(results_by_host)
    for host in unchecked or []:
        merged.setdefault(host, [dict(UNCHECKED)])
    return merged


def ocp3_check_table(results_by_host, observed_width=70, unchecked=None, layout="matrix"):
    try:
        return table.render(_validate(results_by_host, unchecked), observed_width=int(observed_width), layout=layout)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def ocp3_check_problems(results_by_host, statuses=("fail", "warn"), unchecked=None):
    return table.problems(_validate(results_by_host, unchecked), statuses=tuple(statuses))


def ocp3_port_targets(rules, groups, addresses, me):
    if rules is None:
        rules = plan.DEFAULT_PORT_RULES
    for rule in rules:
        missing = {"from", "to", "port"} - set(rule)
        if missing:
            raise AnsibleFilterError("port rule %r lacks %s" % (rule, ", ".join(sorted(missing))))
    return plan.port_targets(rules, dict(groups), dict(addresses), me)


def ocp3_peer_addresses(addresses, me, hosts=None):
    return plan.peer_addresses(dict(addresses), me, None if hosts is None else list(hosts))


class FilterModule:
    def filters(self):
        return {
            "ocp3_check_table": ocp3_check_table,
            "ocp3_check_problems": ocp3_check_problems,
            "ocp3_port_targets": ocp3_port_targets,
            "ocp3_peer_addresses": ocp3_peer_addresses,
        }
