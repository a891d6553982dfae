# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

# ruff: noqa: E402 (Ansible plugins keep DOCUMENTATION before the imports)

DOCUMENTATION = r"""
name: hostedclusters
short_description: HyperShift HostedClusters of one or more management clusters as inventory hosts
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Lists the C(hypershift.openshift.io/v1beta1) HostedClusters (and their NodePools) of every management cluster
    named in O(management_clusters), each by kubeconfig and/or context, and makes one host per hosted cluster.
  - Every host is in the group O(group) (C(hostedclusters), the group the collection's playbooks target) and,
    with O(management_groups), in C(management_<name>) of its management cluster.
  - Every host gets the collection-wide connection variables C(ocp_day2_kubeconfig), C(ocp_day2_context) and
    C(ocp_day2_validate_certs) of its management cluster, C(<role>_name) and C(<role>_namespace) for every role
    in O(roles), and C(ansible_connection=local), so the collection's playbooks run against this inventory
    unchanged.
  - Facts about the hosted cluster are host variables prefixed C(hostedcluster_), see the notes.
  - The management clusters are queried in parallel. One that cannot be read (unreachable, bad credentials,
    no HyperShift API) is reported by name with the reason; the others are still listed (O(on_error=warn)),
    or the whole source fails once all were tried (O(on_error=fail)).
  - The client is created the way kubernetes.core modules create theirs, with the same C(K8S_AUTH_*)
    environment fallbacks (for example C(K8S_AUTH_KUBECONFIG), C(K8S_AUTH_CONTEXT)) and in-cluster
    configuration when neither kubeconfig nor context is set.
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
requirements:
  - kubernetes >= 24.2.0 (Python library)
  - the kubernetes.core collection
options:
  plugin:
    description:
      - The name of this plugin. The source file name must end in C(hostedclusters.yml) or
        C(hostedclusters.yaml).
    type: str
    required: true
    choices: [ocp.day2.hostedclusters]
  management_clusters:
    description:
      - The management clusters to list. Each item is a mapping with the keys below; none is required, an empty
        mapping uses C(K8S_AUTH_KUBECONFIG) / C(~/.kube/config) and its current context.
      - C(name) (str) names the management cluster in messages, in C(hostedcluster_management_cluster) and in the
        group C(management_<name>). Default is the context, else the kubeconfig's current context, else the
        kubeconfig's file name without extension.
      - C(kubeconfig) (path) and C(context) (str) select the cluster. C(validate_certs) (bool) overrides the
        kubeconfig's TLS verification.
      - C(namespaces) (list of str) overrides O(namespaces) for this management cluster.
      - C(vars) (dict) extra host variables for every hosted cluster of this management cluster (for example
        C(hostedcluster_migrate_destination_context)).
    type: list
    elements: dict
    required: true
  namespaces:
    description: Only these namespaces; empty lists HostedClusters of all namespaces.
    type: list
    elements: str
    default: []
  label_selector:
    description: Only HostedClusters whose labels match this selector, for example C(env=prod,tier!=test).
    type: str
  hostname_format:
    description:
      - The inventory host name, a Python C(str.format) template with the fields C({name}), C({namespace}),
        C({management}), C({context}), C({uid}) and C({infra_id}).
      - Two hosted clusters giving the same host name are an error of the second one's management cluster,
        handled as O(on_error) says; use for example C({management}-{namespace}-{name}) when names repeat.
    type: str
    default: "{name}"
  group:
    description: Group every host is added to.
    type: str
    default: hostedclusters
  management_groups:
    description: Also add each host to C(management_<name>) of its management cluster (name made group-safe).
    type: bool
    default: true
  roles:
    description:
      - Roles whose C(<role>_name) and C(<role>_namespace) variables are set on every host to the HostedCluster's
        name and namespace.
    type: list
    elements: str
    default: [hostedcluster_etcd_backup, hostedcluster_etcd_restore, etcd_member_recover, hostedcluster_migrate]
  set_kubeconfig:
    description:
      - Set C(ocp_day2_kubeconfig) on the hosts to the management cluster's kubeconfig path.
      - Turn off when jobs get the kubeconfig another way than the inventory source does, as in AWX, where a
        credential's file path differs between the inventory update and the job; the hosts then keep
        C(ocp_day2_context) and the jobs read C(K8S_AUTH_KUBECONFIG).
    type: bool
    default: true
  local_connection:
    description:
      - Set C(ansible_connection=local) and C(ansible_python_interpreter) to the Python running ansible, as
        the collection's hosted-cluster roles run on the controller.
    type: bool
    default: true
  python_interpreter:
    description:
      - With O(local_connection), the value of C(ansible_python_interpreter). Unset, a template that a play renders
        as C(ansible_playbook_python), the Python running ansible-playbook.
      - Set a plain path when the hosts' variables are stored and replayed later, as AWX does with an inventory
        update, where the stored value may not be rendered as a template again; for example V(/usr/bin/python3.11)
        in the ocp.day2 execution environment.
    type: str
  pipelining:
    description:
      - With O(local_connection), also set C(ansible_pipelining=true) so each task's module is piped into the
        Python interpreter instead of being written to a temporary directory first (fewer processes per task,
        which matters when many hosted clusters run at once on a small controller).
    type: bool
    default: true
  include_deleting:
    description: Also list HostedClusters that are being deleted (C(hostedcluster_deleting) is true on them).
    type: bool
    default: false
  on_error:
    description:
      - V(warn) reports each management cluster that cannot be listed in a warning naming it and the reason,
        lists the others and sets C(ocp_day2_inventory_errors) (group C(all)) to the messages.
      - V(fail) fails the source after trying every management cluster, with all the messages. C(ansible-inventory)
        and C(ansible-playbook) then stop when C(inventory_unparsed_is_failed) is true and this is the only source,
        or when C(inventory_any_unparsed_is_failed) is true; otherwise Ansible warns and goes on without the
        source. AWX sets C(ANSIBLE_INVENTORY_UNPARSED_FAILED) in inventory updates, so the update fails.
    type: str
    choices: [warn, fail]
    default: warn
  request_timeout:
    description: Seconds to wait for each API request.
    type: int
    default: 30
notes:
  - Host variables
    C(hostedcluster_name), C(hostedcluster_namespace), C(hostedcluster_control_plane_namespace),
    C(hostedcluster_uid), C(hostedcluster_labels), C(hostedcluster_infra_id), C(hostedcluster_cluster_id),
    C(hostedcluster_release_image) (spec), C(hostedcluster_version) (status desired),
    C(hostedcluster_version_completed) (newest Completed in the history), C(hostedcluster_channel),
    C(hostedcluster_availability_policy) (C(HighlyAvailable) when unset, as the API defaults),
    C(hostedcluster_infrastructure_availability_policy), C(hostedcluster_platform), C(hostedcluster_region),
    C(hostedcluster_base_domain), C(hostedcluster_api_endpoint), C(hostedcluster_paused_until),
    C(hostedcluster_deleting), C(hostedcluster_management_cluster), C(hostedcluster_management_server).
  - C(hostedcluster_conditions) maps each condition type to C(status), C(reason) and C(message);
    C(hostedcluster_available), C(hostedcluster_progressing), C(hostedcluster_degraded),
    C(hostedcluster_reconciliation_active) and C(hostedcluster_etcd_available) are those conditions as booleans
    (null when absent).
  - C(hostedcluster_nodepools) lists the NodePools whose C(spec.clusterName) is the cluster, each with C(name),
    C(replicas), C(autoscaling), C(current_replicas), C(release_image), C(version), C(paused_until), C(ready),
    C(instance_type) and C(conditions).
  - The cache holds the listed clusters (no secrets); a run where a management cluster failed is not cached.
"""

EXAMPLES = r"""
# hostedclusters.yml: two management clusters by kubeconfig, production clusters only
plugin: ocp.day2.hostedclusters
management_clusters:
  - name: east
    kubeconfig: /home/admin/.kube/mgmt-east.kubeconfig
  - name: west
    kubeconfig: /home/admin/.kube/mgmt-west.kubeconfig
    namespaces: [clusters, clusters-prod]
label_selector: env=prod
keyed_groups:
  - key: hostedcluster_version
    prefix: ocp
  - key: hostedcluster_availability_policy
    prefix: policy
groups:
  unhealthy: not (hostedcluster_available | default(false)) or (hostedcluster_degraded | default(false))
compose:
  hostedcluster_etcd_backup_s3_bucket: "'etcd-backups-' ~ hostedcluster_management_cluster"

---
# AWX: one kubeconfig with a context per management cluster, injected by a credential as
# K8S_AUTH_KUBECONFIG in the inventory update and in every job; hosts carry only the context.
plugin: ocp.day2.hostedclusters
management_clusters:
  - context: mgmt-east
  - context: mgmt-west
set_kubeconfig: false
on_error: fail
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/ocp-day2-inventory
cache_timeout: 300
"""

import concurrent.futures
import os
import threading

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.ocp.day2.plugins.module_utils.hypershift import inventory as hcinv

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 templates inventory strings anyway

    def trust_as_template(value):
        return value


try:
    import kubernetes
    import kubernetes.config
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from kubernetes.client import CustomObjectsApi
    from kubernetes.client.exceptions import ApiException

    HAS_K8S = True
    K8S_IMPORT_ERROR = None
except ImportError as exc:  # reported when the source is parsed
    HAS_K8S = False
    K8S_IMPORT_ERROR = exc

    class ApiException(Exception):
        pass


display = Display()

GROUP = "hypershift.openshift.io"
VERSION = "v1beta1"
# kubernetes.core loads a kubeconfig into the client library's global default configuration before copying it:
# clients are created one at a time, the requests then run in parallel.
_CLIENT_LOCK = threading.Lock()


class ManagementError(Exception):
    """One management cluster could not be listed; the message names it and says why and what to check."""


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "ocp.day2.hostedclusters"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("hostedclusters.yml", "hostedclusters.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if not HAS_K8S:
            raise AnsibleParserError(
                "ocp.day2.hostedclusters needs the kubernetes Python library and the kubernetes.core collection "
                "on the controller (pip install kubernetes): %s" % K8S_IMPORT_ERROR
            )
        try:
            managements = hcinv.normalize_management(self.get_option("management_clusters"), _current_context)
        except hcinv.InventoryInputError as exc:
            raise AnsibleParserError("%s: %s" % (path, exc)) from exc

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        results = None
        if use_cache and cache:
            results = self._cache.get(cache_key)
        if results is None:
            results = self._fetch_all(managements)
            if use_cache and not any(item["error"] for item in results):
                self._cache[cache_key] = results
        self._populate(results, managements)

    def _fetch_all(self, managements):
        workers = max(1, min(8, len(managements)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self._fetch_one, mgmt) for mgmt in managements]
            return [future.result() for future in futures]

    def _fetch_one(self, mgmt):
        """{"management": name, "server", "hosts": [host vars], "error": message or None} of one management cluster."""
        out = {"management": mgmt["name"], "server": None, "hosts": [], "error": None}
        try:
            api, out["server"] = self._client(mgmt)
            managed = dict(mgmt, server=out["server"])
            for hc, nodepools in self._list(api, mgmt, out["server"]):
                out["hosts"].append(hcinv.hostedcluster_vars(hc, nodepools, managed))
        except ManagementError as exc:
            out["error"] = "%s Its hosted clusters are not in the inventory." % exc
        return out

    def _client(self, mgmt):
        kwargs = {key: mgmt[key] for key in ("kubeconfig", "context", "validate_certs") if mgmt.get(key) is not None}
        try:
            with _CLIENT_LOCK:
                client = get_api_client(**kwargs)
        except Exception as exc:  # CoreException, ConfigException, urllib3 errors from discovery, bad files
            url = hcinv.unreachable_url(exc)
            if url is not None:
                raise ManagementError(
                    "%s: cannot reach the API server at %s: %s. Check that it is up and reachable from this host."
                    % (hcinv.describe_management(mgmt), url, hcinv.short_reason(exc))
                ) from exc
            raise ManagementError(
                "%s: cannot create a Kubernetes client: %s. Check the kubeconfig path, the context name and the "
                "credentials in it." % (hcinv.describe_management(mgmt), hcinv.short_reason(exc))
            ) from exc
        return CustomObjectsApi(client.client.client), client.configuration.host

    def _list(self, api, mgmt, server):
        namespaces = mgmt["namespaces"] or self.get_option("namespaces") or [None]
        selector = self.get_option("label_selector")
        timeout = self.get_option("request_timeout")
        pairs = []
        for namespace in namespaces:
            hcs = self._call(api, mgmt, server, "hostedclusters", namespace, selector, timeout)
            if not hcs:
                continue
            nodepools = self._call(api, mgmt, server, "nodepools", namespace, None, timeout)
            by_ns = {}
            for nodepool in nodepools:
                by_ns.setdefault(nodepool["metadata"]["namespace"], []).append(nodepool)
            for hc in sorted(hcs, key=lambda obj: (obj["metadata"]["namespace"], obj["metadata"]["name"])):
                if hc["metadata"].get("deletionTimestamp") and not self.get_option("include_deleting"):
                    continue
                pairs.append((hc, by_ns.get(hc["metadata"]["namespace"], [])))
        return pairs

    def _call(self, api, mgmt, server, plural, namespace, selector, timeout):
        kwargs = {"_request_timeout": timeout}
        if selector:
            kwargs["label_selector"] = selector
        where = "namespace %s" % namespace if namespace else "all namespaces"
        try:
            if namespace:
                result = api.list_namespaced_custom_object(GROUP, VERSION, namespace, plural, **kwargs)
            else:
                result = api.list_cluster_custom_object(GROUP, VERSION, plural, **kwargs)
        except ApiException as exc:
            hint = hcinv.api_refusal(getattr(exc, "status", None), getattr(exc, "reason", ""), plural, where, server)
            raise ManagementError("%s: %s." % (hcinv.describe_management(mgmt), hint)) from exc
        except Exception as exc:  # urllib3 connection errors, timeouts, bad TLS
            raise ManagementError(
                "%s: cannot reach the API server at %s: %s. Check that it is up and reachable from this host."
                % (hcinv.describe_management(mgmt), server, hcinv.short_reason(exc))
            ) from exc
        return result.get("items") or []

    def _populate(self, results, managements):
        by_name = {mgmt["name"]: mgmt for mgmt in managements}
        group = self.inventory.add_group(self.get_option("group"))
        strict = self.get_option("strict")
        errors = [item["error"] for item in results if item["error"]]
        owners = {}
        for item in results:
            mgmt = by_name.get(item["management"])
            if mgmt is None:  # cached under another configuration
                continue
            if item["error"]:
                continue
            mgmt = dict(mgmt, server=item["server"])
            mgmt_group = None
            if self.get_option("management_groups"):
                mgmt_group = self.inventory.add_group("management_" + hcinv.group_name(mgmt["name"]))
            for hostvars in item["hosts"]:
                try:
                    host = hcinv.host_name_from_vars(self.get_option("hostname_format"), hostvars, mgmt)
                except hcinv.InventoryInputError as exc:
                    raise AnsibleParserError(str(exc)) from exc
                where = "%s/%s on %s" % (
                    hostvars["hostedcluster_namespace"],
                    hostvars["hostedcluster_name"],
                    mgmt["name"],
                )
                if host in owners:
                    errors.append(
                        "%s: host name %r of HostedCluster %s is already used by HostedCluster %s; skipped. Set "
                        "hostname_format, for example '{management}-{namespace}-{name}'."
                        % (hcinv.describe_management(mgmt), host, where, owners[host])
                    )
                    continue
                owners[host] = where
                self._add_host(host, group, mgmt_group, mgmt, hostvars, strict)
        self._report(errors)

    def _add_host(self, host, group, mgmt_group, mgmt, hostvars, strict):
        self.inventory.add_host(host, group=group)
        if mgmt_group:
            self.inventory.add_child(mgmt_group, host)
        allvars = dict(hostvars)
        allvars.update(hcinv.connection_vars(mgmt, self.get_option("set_kubeconfig")))
        allvars.update(
            hcinv.role_vars(
                hostvars["hostedcluster_name"], hostvars["hostedcluster_namespace"], self.get_option("roles")
            )
        )
        if self.get_option("local_connection"):
            allvars["ansible_connection"] = "local"
            interpreter = self.get_option("python_interpreter")
            if interpreter:
                allvars["ansible_python_interpreter"] = interpreter
            else:  # rendered when a play runs (ansible-core 2.19 renders only templates marked trusted)
                allvars["ansible_python_interpreter"] = trust_as_template("{{ ansible_playbook_python }}")
            if self.get_option("pipelining"):
                allvars["ansible_pipelining"] = True
        allvars.update(mgmt.get("vars") or {})
        for key, value in allvars.items():
            self.inventory.set_variable(host, key, value)
        self._set_composite_vars(self.get_option("compose"), allvars, host, strict=strict)
        hostvars_now = self.inventory.get_host(host).get_vars()
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars_now, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars_now, host, strict=strict)

    def _report(self, errors):
        if not errors:
            return
        if self.get_option("on_error") == "fail":
            raise AnsibleParserError(
                "ocp.day2.hostedclusters: %d problem(s):\n- %s" % (len(errors), "\n- ".join(errors))
            )
        for message in errors:
            display.warning("ocp.day2.hostedclusters: %s" % message)
        self.inventory.set_variable("all", "ocp_day2_inventory_errors", errors)


def _current_context(kubeconfig):
    """The current-context of a kubeconfig (None when it cannot be read: the client creation reports why)."""
    try:
        path = kubeconfig or os.environ.get("K8S_AUTH_KUBECONFIG")  # kubernetes.core's fallback
        _contexts, active = kubernetes.config.list_kube_config_contexts(config_file=path)
    except Exception:  # noqa: BLE001 - any unreadable kubeconfig is reported later, with its management cluster
        return None
    return (active or {}).get("name")
