#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check an OpenShift 3.11 cluster through its API and etcdctl."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ocp3_cluster_check
short_description: Check an OpenShift 3.11 cluster (StorageClass, nodes, etcd, router, registry, API, controllers)
version_added: 0.1.0
description:
  - Runs the cluster checks of the OpenShift 3.11 Day 2 operations guide and returns one structured result per
    check (C(name), C(status) ok/warn/fail/skipped, C(observed), C(threshold), C(message), C(remedy)).
  - C(default_storageclass) exactly one StorageClass is marked default (GA or beta annotation).
  - C(nodes_ready) every node has the Ready condition True.
  - C(router) and C(registry) desired == current == available replicas of the DeploymentConfig (or Deployment)
    in O(infra_namespace); a missing registry is skipped (external registries are allowed), a missing router fails.
  - C(api_healthz) C(GET /healthz) answers 200 C(ok).
  - C(controller_leader) the active controller from the C(control-plane.alpha.kubernetes.io/leader) annotation of
    C(kube-system/openshift-master-controllers), and whether its lease is current.
  - C(etcd) C(etcdctl member list) against O(etcd_endpoints), then C(endpoint health) and C(endpoint status) of
    every member (v3 API), run on the host the module runs on (a master, where the etcd client certificates are).
    The commands and their parsing are those of M(ocp.day2.etcd_member_info), so the text output of etcd 3.2 and
    3.3 (OpenShift 3.11) is read as well as JSON.
  - An API error in one check makes that check fail and the others still run. The module fails only when no
    Kubernetes client can be built (kubeconfig, credentials) or its options are wrong.
  - kubernetes.core's M(kubernetes.core.k8s_info) could fetch the objects, but not C(/healthz), and a play of
    k8s_info calls plus Jinja to judge them would not give the structured results the summary table needs.
author:
  - ocp.day2 maintainers (@ocp-day2)
attributes:
  check_mode:
    description: The checks only read, so they run the same in check mode and never report a change.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  checks:
    description: The checks to run. Empty means all of them.
    type: list
    elements: str
    choices: [default_storageclass, nodes_ready, router, registry, api_healthz, controller_leader, etcd]
    default: []
  disabled:
    description: Checks not to run, even when listed in O(checks).
    type: list
    elements: str
    choices: [default_storageclass, nodes_ready, router, registry, api_healthz, controller_leader, etcd]
    default: []
  infra_namespace:
    description: Namespace of the router and registry.
    type: str
    default: default
  router_name:
    description: Name of the router DeploymentConfig.
    type: str
    default: router
  registry_name:
    description: Name of the registry DeploymentConfig.
    type: str
    default: docker-registry
  etcd_endpoints:
    description: etcd client URLs, for example C(https://master1.example.com:2379). Empty skips the etcd checks.
    type: list
    elements: str
    default: []
  etcd_cacert:
    description: CA bundle that signed the etcd server certificates (C(/etc/etcd/ca.crt) on 3.11 masters).
    type: path
  etcd_cert:
    description: Client certificate for etcd (C(/etc/etcd/peer.crt) on 3.11 etcd hosts).
    type: path
  etcd_key:
    description: Key of O(etcd_cert).
    type: path
  etcd_expected_members:
    description: How many members etcd must have (the size of the etcd group). Unset accepts any number.
    type: int
  etcdctl_path:
    description:
      - The etcdctl binary (v3 API). It runs with C(ETCDCTL_API=3) and without any other C(ETCDCTL_*) variable.
    type: str
    default: etcdctl
seealso:
  - module: ocp.day2.ocp3_host_check
"""

EXAMPLES = r"""
- name: Check the cluster from the first master
  ocp.day2.ocp3_cluster_check:
    kubeconfig: /etc/origin/master/admin.kubeconfig
    etcd_endpoints: "{{ groups['etcd'] | map('regex_replace', '^(.*)$', 'https://\\1:2379') | list }}"
    etcd_cacert: /etc/etcd/ca.crt
    etcd_cert: /etc/etcd/peer.crt
    etcd_key: /etc/etcd/peer.key
    etcd_expected_members: "{{ groups['etcd'] | length }}"
  delegate_to: "{{ groups['masters'][0] }}"
  run_once: true
  register: cluster_checks

- name: Only the API checks, without a registry
  ocp.day2.ocp3_cluster_check:
    disabled: [etcd, registry]
"""

RETURN = r"""
checks:
  description:
    - One result per check; C(router) and C(registry) report as C(router_replicas) and C(docker_registry_replicas),
      C(etcd) as C(etcd_members) and C(etcd_health).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check.
      type: str
    status:
      description: C(ok), C(warn), C(fail) or C(skipped).
      type: str
    observed:
      description: What was found.
      type: str
    threshold:
      description: What it was compared with.
      type: str
    message:
      description: One sentence for the admin.
      type: str
    remedy:
      description: What to do about it; empty when the check passed or was skipped.
      type: str
  sample:
    - name: nodes_ready
      status: fail
      observed: "8/9 Ready; NotReady: node3.example.com (NodeStatusUnknown)"
      threshold: every node Ready
      message: 1 node(s) are not Ready.
      remedy: On each NotReady node check `systemctl status atomic-openshift-node`...
counts:
  description: How many checks ended in each status.
  returned: always
  type: dict
  sample: {ok: 6, warn: 0, fail: 1, skipped: 0}
status:
  description: The worst status of all checks.
  returned: always
  type: str
  sample: fail
"""

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import POD_ENV
from ansible_collections.ocp.day2.plugins.module_utils.etcd.members import validate_endpoint
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    Day2K8sModule,
    DynamicApiError,
    NotFoundError,
    ResourceNotFoundError,
    api_error_text,
    auth_arg_spec,
)
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import cluster, etcd
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks.result import counts, fail, select, worst

CHECKS = ["default_storageclass", "nodes_ready", "router", "registry", "api_healthz", "controller_leader", "etcd"]

ARGUMENT_SPEC = auth_arg_spec()
ARGUMENT_SPEC.update(
    checks={"type": "list", "elements": "str", "choices": CHECKS, "default": []},
    disabled={"type": "list", "elements": "str", "choices": CHECKS, "default": []},
    infra_namespace={"type": "str", "default": "default"},
    router_name={"type": "str", "default": "router"},
    registry_name={"type": "str", "default": "docker-registry"},
    etcd_endpoints={"type": "list", "elements": "str", "default": []},
    etcd_cacert={"type": "path"},
    etcd_cert={"type": "path"},
    etcd_key={"type": "path", "no_log": False},
    etcd_expected_members={"type": "int"},
    etcdctl_path={"type": "str", "default": "etcdctl"},
)


def _list(module, api_version, kind, namespace=None):
    resource = module.client.resources.get(api_version=api_version, kind=kind)
    return resource.get(namespace=namespace).to_dict().get("items") or []


def _get(module, api_version, kind, name, namespace):
    """The object as a dict, or None when it (or its kind) does not exist."""
    try:
        resource = module.client.resources.get(api_version=api_version, kind=kind)
    except ResourceNotFoundError:
        return None
    try:
        return resource.get(name=name, namespace=namespace).to_dict()
    except NotFoundError:
        return None


def _workload(module, name, optional):
    namespace = module.params["infra_namespace"]
    obj = _get(module, "apps.openshift.io/v1", "DeploymentConfig", name, namespace)
    kind = "DeploymentConfig"
    if obj is None:
        # Not an OpenShift API (or moved to a Deployment): look for a Deployment of that name.
        deployment = _get(module, "apps/v1", "Deployment", name, namespace)
        if deployment is not None:
            obj, kind = deployment, "Deployment"
    return cluster.replicas(name, obj, kind, namespace, optional=optional)


def _healthz(module):
    try:
        response = module.client.client.request("get", "/healthz", serialize=False)
        return cluster.api_healthz(response.status, response.data.decode("utf-8", "replace"))
    except DynamicApiError as exc:
        return cluster.api_healthz(getattr(exc, "status", None), getattr(exc, "body", "") or str(exc))


def _leader(module):
    configmap = _get(module, "v1", "ConfigMap", "openshift-master-controllers", "kube-system")
    return cluster.controller_leader(configmap)


def _etcd(module):
    # AnsibleK8SModule proxies only part of AnsibleModule; commands go through the wrapped one.
    ansible_module = module._module

    def run(args):
        exe = ansible_module.get_bin_path(args[0], required=False, opt_dirs=["/usr/local/bin"])
        if not exe:
            return 127, "", "%s: command not found" % args[0]
        # `env -u ETCDCTL_* ETCDCTL_API=3`: the flags are ours, and etcdctl 3.4 refuses a flag whose ETCDCTL_*
        # variable is also set (an admin's shell often exports ETCDCTL_ENDPOINTS and friends).
        return ansible_module.run_command(POD_ENV + [exe] + args[1:], check_rc=False)

    return etcd.etcd_checks(run, module.params)


RUNNERS = {
    "default_storageclass": lambda m: [cluster.default_storageclass(_list(m, "storage.k8s.io/v1", "StorageClass"))],
    "nodes_ready": lambda m: [cluster.nodes_ready(_list(m, "v1", "Node"))],
    "router": lambda m: [_workload(m, m.params["router_name"], optional=False)],
    "registry": lambda m: [_workload(m, m.params["registry_name"], optional=True)],
    "api_healthz": lambda m: [_healthz(m)],
    "controller_leader": lambda m: [_leader(m)],
    "etcd": _etcd,
}


def check_options(p, names):
    """Options that cannot work, refused before any request or command (a check failing is data, these are not).

    The etcd options are checked only when the etcd check runs: their defaults are the paths of a 3.11 master, and
    a play that runs the other checks from elsewhere does not need them."""
    inputs.k8s_name(p["infra_namespace"], "infra_namespace", label=True, example="default")
    inputs.k8s_name(p["router_name"], "router_name", example="router")
    inputs.k8s_name(p["registry_name"], "registry_name", example="docker-registry")
    if "etcd" not in names:
        return
    for endpoint in p["etcd_endpoints"]:
        validate_endpoint(endpoint, "etcd_endpoints")
    for option in ("etcd_cacert", "etcd_cert", "etcd_key"):
        if p.get(option) is not None:
            inputs.readable_file(p[option], option, "On OpenShift 3.11 masters they are /etc/etcd/ca.crt, "
                                 "/etc/etcd/peer.crt and /etc/etcd/peer.key.")  # fmt: skip
    inputs.text(p["etcdctl_path"], "etcdctl_path", "etcdctl")
    inputs.at_least(p.get("etcd_expected_members"), "etcd_expected_members", 1, "members")


def execute(module):
    try:
        names = select(CHECKS, module.params["checks"], module.params["disabled"])
    except ValueError as exc:
        raise Day2Error("Invalid options: %s." % exc)
    check_options(module.params, names)
    results = []
    for name in names:
        try:
            results.extend(RUNNERS[name](module))
        except DynamicApiError as exc:
            results.append(
                fail(
                    name,
                    "API error: %s" % api_error_text(exc),
                    "",
                    "The API refused the %s check's request." % name,
                    "Check that the credentials may read this (cluster-admin).",
                )
            )
        except (OSError, ValueError) as exc:
            results.append(
                fail(
                    name,
                    "%s: %s" % (type(exc).__name__, exc),
                    "",
                    "The %s check could not run." % name,
                    "Check that the API server (or etcd) is reachable from this host.",
                )
            )
    results = [r.to_dict() for r in results]
    return {
        "changed": False,
        "checks": results,
        "counts": counts(results),
        "status": worst(r["status"] for r in results),
    }


def main():
    module = Day2K8sModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
