"""ocp.day2.hostedclusters without a cluster: host variables from objects, names, groups, errors, the client path."""

import pytest
import urllib3
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.ocp.day2.plugins.inventory import hostedclusters as plugin_mod
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import inventory as hcinv

MGMT = {"name": "east", "kubeconfig": "/k/east", "context": None, "validate_certs": None, "server": "https://e:6443"}


def hc(name="alpha", namespace="clusters", **spec):
    obj = {
        "metadata": {"name": name, "namespace": namespace, "uid": "u-" + name, "labels": {"env": "prod"}},
        "spec": {
            "release": {"image": "quay.io/ocp-release:4.15.2-x86_64"},
            "infraID": name + "-x1",
            "platform": {"type": "AWS", "aws": {"region": "eu-west-1"}},
            "dns": {"baseDomain": "example.com"},
        },
        "status": {
            "version": {
                "desired": {"version": "4.15.3"},
                "history": [{"state": "Partial", "version": "4.15.3"}, {"state": "Completed", "version": "4.15.2"}],
            },
            "conditions": [
                {"type": "Available", "status": "True", "reason": "AsExpected", "message": ""},
                {"type": "Degraded", "status": "False", "reason": "AsExpected"},
            ],
            "controlPlaneEndpoint": {"host": "api.%s.example.com" % name, "port": 6443},
        },
    }
    obj["spec"].update(spec)
    return obj


def np(name, cluster, **spec):
    body = {"clusterName": cluster, "release": {"image": "img"}}
    body.update(spec)
    return {
        "metadata": {"name": name, "namespace": "clusters"},
        "spec": body,
        "status": {"version": "4.15.2", "replicas": 1, "conditions": [{"type": "Ready", "status": "False"}]},
    }


def test_hostedcluster_vars():
    out = hcinv.hostedcluster_vars(
        hc(),
        [np("b-pool", "alpha", replicas=3), np("a-pool", "alpha", autoScaling={"min": 1, "max": 4}), np("x", "other")],
        MGMT,
    )
    assert out["hostedcluster_version"] == "4.15.3"
    assert out["hostedcluster_version_completed"] == "4.15.2"
    assert out["hostedcluster_availability_policy"] == "HighlyAvailable"  # the API default when unset
    assert out["hostedcluster_region"] == "eu-west-1" and out["hostedcluster_platform"] == "AWS"
    assert out["hostedcluster_api_endpoint"] == "https://api.alpha.example.com:6443"
    assert out["hostedcluster_available"] is True and out["hostedcluster_degraded"] is False
    assert out["hostedcluster_reconciliation_active"] is None  # absent condition
    assert [p["name"] for p in out["hostedcluster_nodepools"]] == ["a-pool", "b-pool"]
    assert out["hostedcluster_nodepools"][0]["autoscaling"] == {"min": 1, "max": 4}
    assert out["hostedcluster_nodepools"][1]["replicas"] == 3 and out["hostedcluster_nodepools"][1]["ready"] is False
    assert out["hostedcluster_management_cluster"] == "east"
    single = hcinv.hostedcluster_vars(hc(controllerAvailabilityPolicy="SingleReplica"), [], MGMT)
    assert single["hostedcluster_availability_policy"] == "SingleReplica"


def test_connection_and_role_vars():
    assert hcinv.connection_vars(MGMT) == {"ocp_day2_kubeconfig": "/k/east"}
    assert hcinv.connection_vars(dict(MGMT, context="c", validate_certs=False), set_kubeconfig=False) == {
        "ocp_day2_context": "c",
        "ocp_day2_validate_certs": False,
    }
    assert hcinv.role_vars("a", "ns", ["r1"]) == {"r1_name": "a", "r1_namespace": "ns"}


def test_host_name_and_group_name():
    assert hcinv.host_name("{management}-{namespace}-{name}", hc(), MGMT) == "east-clusters-alpha"
    assert hcinv.host_name("{infra_id}", hc(), MGMT) == "alpha-x1"
    with pytest.raises(hcinv.InventoryInputError, match="hostname_format"):
        hcinv.host_name("{cluster}", hc(), MGMT)
    with pytest.raises(hcinv.InventoryInputError, match="empty"):
        hcinv.host_name("{context}", hc(), MGMT)
    assert hcinv.group_name("mgmt-east.1") == "mgmt_east_1" and hcinv.group_name("1a") == "_1a"


def test_normalize_management():
    out = hcinv.normalize_management(
        [{"kubeconfig": "/x/mgmt-a.kubeconfig"}, {"context": "c1"}, {"kubeconfig": "/x/k", "namespaces": "clusters"}],
        current_context=lambda path: "cur" if path == "/x/k" else None,
    )
    assert [m["name"] for m in out] == ["mgmt-a", "c1", "cur"]
    assert out[2]["namespaces"] == ["clusters"] and out[0]["namespaces"] is None
    for bad, message in (
        ([], "empty"),
        ([{"name": "a"}, {"context": "a"}], "used twice"),
        ([{"kubeconfg": "/x"}], "unknown keys kubeconfg"),
        (["/x"], "must be a mapping"),
        ([{"vars": [1]}], "vars must be a mapping"),
    ):
        with pytest.raises(hcinv.InventoryInputError, match=message):
            hcinv.normalize_management(bad)


OPTIONS = {
    "group": "hostedclusters",
    "management_groups": True,
    "hostname_format": "{name}",
    "roles": ["hostedcluster_etcd_backup"],
    "set_kubeconfig": True,
    "local_connection": True,
    "pipelining": True,
    "python_interpreter": None,
    "on_error": "warn",
    "strict": False,
    "compose": {},
    "groups": {},
    "keyed_groups": [],
    "namespaces": [],
    "label_selector": None,
    "request_timeout": 5,
    "include_deleting": False,
}


def make_plugin(**options):
    plugin = plugin_mod.InventoryModule()
    opts = dict(OPTIONS, **options)
    plugin.get_option = opts.get
    plugin.inventory = InventoryData()
    plugin.loader = DataLoader()
    plugin.templar = Templar(loader=plugin.loader)
    return plugin


class FakeApi:
    """CustomObjectsApi stand-in: objects per plural, or an exception to raise."""

    def __init__(self, objects, error=None):
        self.objects, self.error, self.calls = objects, error, []

    def list_cluster_custom_object(self, group, version, plural, **kwargs):
        self.calls.append((plural, None, kwargs))
        if self.error:
            raise self.error
        return {"items": self.objects.get(plural, [])}

    def list_namespaced_custom_object(self, group, version, namespace, plural, **kwargs):
        self.calls.append((plural, namespace, kwargs))
        return {"items": [o for o in self.objects.get(plural, []) if o["metadata"]["namespace"] == namespace]}


def test_fetch_and_populate(monkeypatch):
    deleting = hc("old")
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    apis = {
        "east": FakeApi({"hostedclusters": [hc("alpha"), deleting], "nodepools": [np("p", "alpha")]}),
        "west": FakeApi({}, error=urllib3.exceptions.MaxRetryError(None, "/", reason=OSError("Connection refused"))),
    }
    plugin = make_plugin(
        label_selector="env=prod",
        # trusted as templates, as ansible-core 2.19 marks what _read_config_data reads from the source file
        keyed_groups=[{"key": trust_as_template("hostedcluster_version"), "prefix": "ocp"}],
        compose={"bucket": trust_as_template("'b-' ~ hostedcluster_management_cluster")},
    )
    monkeypatch.setattr(plugin, "_client", lambda mgmt: (apis[mgmt["name"]], "https://%s:6443" % mgmt["name"]))
    managements = hcinv.normalize_management([{"name": "east", "kubeconfig": "/k/east"}, {"name": "west"}])
    results = plugin._fetch_all(managements)
    assert [r["management"] for r in results] == ["east", "west"]
    assert "cannot reach the API server" in results[1]["error"] and "'west'" in results[1]["error"]
    assert apis["east"].calls[0] == ("hostedclusters", None, {"_request_timeout": 5, "label_selector": "env=prod"})
    assert [h["hostedcluster_name"] for h in results[0]["hosts"]] == ["alpha"]  # deleting one left out

    plugin._populate(results, managements)
    inv = plugin.inventory
    assert [h.name for h in inv.groups["hostedclusters"].get_hosts()] == ["alpha"]
    assert [h.name for h in inv.groups["management_east"].get_hosts()] == ["alpha"]
    assert [h.name for h in inv.groups["ocp_4_15_3"].get_hosts()] == ["alpha"]
    alpha = inv.get_host("alpha").get_vars()
    assert alpha["ocp_day2_kubeconfig"] == "/k/east" and alpha["bucket"] == "b-east"
    assert alpha["hostedcluster_etcd_backup_name"] == "alpha" and alpha["ansible_connection"] == "local"
    assert alpha["ansible_pipelining"] is True
    assert alpha["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"
    plain = make_plugin(python_interpreter="/usr/bin/python3.11")
    plain._populate(results, managements)
    assert plain.inventory.get_host("alpha").get_vars()["ansible_python_interpreter"] == "/usr/bin/python3.11"
    assert len(inv.groups["all"].get_vars()["ocp_day2_inventory_errors"]) == 1

    with pytest.raises(AnsibleParserError, match="1 problem"):
        make_plugin(on_error="fail")._populate(results, managements)


def test_duplicate_host_names_are_errors():
    results = [
        {"management": "a", "server": "s", "error": None, "hosts": [hcinv.hostedcluster_vars(hc(), [], MGMT)]},
        {"management": "b", "server": "s", "error": None, "hosts": [hcinv.hostedcluster_vars(hc(), [], MGMT)]},
    ]
    managements = hcinv.normalize_management([{"name": "a"}, {"name": "b"}])
    with pytest.raises(AnsibleParserError, match="already used by HostedCluster clusters/alpha on a"):
        make_plugin(on_error="fail")._populate(results, managements)
    plugin = make_plugin(hostname_format="{name}.{management}")
    plugin._populate(results, managements)
    assert sorted(plugin.inventory.hosts) == ["alpha.a", "alpha.b"]


def test_api_errors_are_named():
    plugin = make_plugin()
    mgmt = hcinv.normalize_management([{"name": "m", "context": "ctx"}])[0]
    for status, text in ((404, "HyperShift operator installed"), (403, "RBAC"), (500, "HTTP 500")):
        api = FakeApi({}, error=plugin_mod.ApiException(status=status, reason="x"))
        with pytest.raises(plugin_mod.ManagementError, match=text):
            plugin._call(api, mgmt, "https://m", "hostedclusters", None, None, 5)


def test_reason_and_url():
    exc = urllib3.exceptions.MaxRetryError(
        urllib3.HTTPSConnectionPool("10.0.0.1", 6443), "/version", reason=OSError("Connection refused")
    )
    assert hcinv.unreachable_url(exc) == "https://10.0.0.1:6443"
    assert hcinv.short_reason(exc) == "Connection refused"
    assert hcinv.unreachable_url(ValueError("bad kubeconfig")) is None
