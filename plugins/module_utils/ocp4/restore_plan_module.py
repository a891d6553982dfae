# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp4_restore_plan: read what the plan needs from the cluster and the progress file, then build it."""

from __future__ import annotations

import os

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, auth_arg_spec, with_retries
from ansible_collections.ocp.day2.plugins.module_utils.ocp4 import restore_plan


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        hosts={"type": "list", "elements": "dict", "required": True},
        recovery_host={"type": "str", "required": True},
        recreate_machines={"type": "list", "elements": "str", "default": []},
        vips={"type": "list", "elements": "str", "default": []},
        progress_file={"type": "path", "required": True},
    )
    return spec


def read_progress(path):
    """The steps an earlier run finished (one per line); none when the file does not exist."""
    if not os.path.exists(path):
        return set()
    try:
        with open(path) as f:
            return {line.strip() for line in f if line.strip()}
    except OSError as exc:
        raise Day2Error("Cannot read the progress file %s: %s." % (path, exc.strerror or exc)) from exc


def _hosts(values):
    out = []
    for i, h in enumerate(values):
        if set(h) - {"name", "node"}:
            raise Day2Error("hosts[%d] has keys %s; give name and node." % (i, sorted(set(h) - {"name", "node"})))
        inputs.text(h.get("name"), "hosts[%d].name" % i, "master-0")
        inputs.k8s_name(h.get("node") or h["name"], "hosts[%d].node" % i, example="master-0")
        out.append({"name": h["name"], "node": h.get("node") or h["name"]})
    if not out:
        raise Day2Error("hosts is empty: give the reachable control-plane hosts.")
    return out


def _get(module, api_version, kind, name):
    try:
        return with_retries(module.resource(api_version, kind).get, name=name).to_dict()
    except NotFoundError:
        return {}


def execute(module):
    p = module.params
    hosts = _hosts(p["hosts"])
    inputs.text(p["recovery_host"], "recovery_host", "master-0")
    inputs.k8s_names(p["recreate_machines"], "recreate_machines", example="master-2")
    inputs.file_dest(p["progress_file"], "progress_file")
    done = read_progress(p["progress_file"])
    network = _get(module, "config.openshift.io/v1", "Network", "cluster")
    network_type = (network.get("status") or {}).get("networkType") or (network.get("spec") or {}).get("networkType")
    proxy = (_get(module, "config.openshift.io/v1", "Proxy", "cluster").get("spec")) or {}
    nodes = with_retries(module.resource("v1", "Node").get).to_dict().get("items") or []
    machines = with_retries(
        module.resource("machine.openshift.io/v1beta1", "Machine").get, namespace="openshift-machine-api"
    ).to_dict().get("items") or []  # fmt: skip
    plan = restore_plan.build(hosts, p["recovery_host"], p["recreate_machines"], network_type, proxy, done, nodes,
                              machines, p["vips"])  # fmt: skip
    return {"changed": False, "plan": plan, "lines": restore_plan.lines(plan)}
