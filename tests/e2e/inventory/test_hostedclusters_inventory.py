"""ocp.day2.hostedclusters through `ansible-inventory --list` against two simulated management clusters."""

import os
import shutil

import pytest

from tests.sim.cluster import ManagementCluster

from .helpers import dead_kubeconfig, inventory_list, write_source

HYPERSHIFT = "hypershift.openshift.io/v1beta1"


@pytest.fixture
def fleet(mgmt_pair):
    """source: clusters/alpha (SingleReplica, env=prod), team/beta (HighlyAvailable, env=dev);
    destination: clusters/gamma (SingleReplica, no labels, 2 NodePools). No etcd needed: wait=False."""
    src, dst = mgmt_pair
    src.create_hosted_cluster(name="alpha", availability="SingleReplica", wait=False)
    src.create_hosted_cluster(name="beta", namespace="team", wait=False)
    dst.create_hosted_cluster(name="gamma", availability="SingleReplica", nodepools=2, wait=False)
    for name, namespace, env in (("alpha", "clusters", "prod"), ("beta", "team", "dev")):
        hc = src.get(HYPERSHIFT, "HostedCluster", name, namespace)
        hc["metadata"]["labels"] = {"env": env}
        src.put(hc)
    return src, dst


def test_two_management_clusters_and_one_unreachable(fleet, tmp_path):
    src, dst = fleet
    dead = dead_kubeconfig(src, tmp_path / "dead.kubeconfig")
    source = write_source(
        tmp_path,
        {
            "management_clusters": [
                {"kubeconfig": src.kubeconfig},
                {"name": "dst", "kubeconfig": dst.kubeconfig, "context": "mgmt-dst", "validate_certs": True},
                {"name": "gone", "kubeconfig": dead},
            ],
            "keyed_groups": [{"key": "hostedcluster_availability_policy", "prefix": "policy"}],
        },
    )
    out = inventory_list(source)
    assert out.rc == 0, out
    # one host per HostedCluster of both reachable clusters; the unreachable one is named with its reason
    assert out.group("hostedclusters") == {"alpha", "beta", "gamma"}
    assert out.group("management_mgmt_src") == {"alpha", "beta"}
    assert out.group("management_dst") == {"gamma"}
    assert out.group("policy_SingleReplica") == {"alpha", "gamma"}
    assert out.group("policy_HighlyAvailable") == {"beta"}
    assert "management cluster 'gone'" in out.stderr and "127.0.0.1:9" in out.stderr, out
    assert "Traceback" not in out.stderr
    alpha, beta, gamma = (out.hostvars[h] for h in ("alpha", "beta", "gamma"))
    errors = alpha["ocp_day2_inventory_errors"]  # a group variable of all, so playbooks can assert on it
    assert len(errors) == 1 and "'gone'" in errors[0]
    # what the roles read: collection-wide connection variables and each role's name/namespace
    assert alpha["ocp_day2_kubeconfig"] == src.kubeconfig and "ocp_day2_context" not in alpha
    assert gamma["ocp_day2_kubeconfig"] == dst.kubeconfig and gamma["ocp_day2_context"] == "mgmt-dst"
    assert gamma["ocp_day2_validate_certs"] is True
    for role in ("hostedcluster_etcd_backup", "hostedcluster_etcd_restore", "etcd_member_recover"):
        assert (beta[role + "_name"], beta[role + "_namespace"]) == ("beta", "team")
    assert beta["ansible_connection"] == "local"
    # facts about the hosted cluster
    assert alpha["hostedcluster_version"] == "4.14.8"
    assert alpha["hostedcluster_release_image"].endswith("ocp-release:4.14.8-x86_64")
    assert alpha["hostedcluster_platform"] == "AWS" and alpha["hostedcluster_region"] == "us-east-1"
    assert alpha["hostedcluster_labels"] == {"env": "prod"}
    assert alpha["hostedcluster_control_plane_namespace"] == "clusters-alpha"
    assert alpha["hostedcluster_management_cluster"] == "mgmt-src"
    assert alpha["hostedcluster_management_server"] == src.api_url
    assert alpha["hostedcluster_conditions"]["Available"]["status"] in ("True", "False")
    assert alpha["hostedcluster_reconciliation_active"] is True
    assert [np["name"] for np in gamma["hostedcluster_nodepools"]] == sorted(
        np["metadata"]["name"] for np in dst.list(HYPERSHIFT, "NodePool", "clusters")
    )
    assert len(gamma["hostedcluster_nodepools"]) == 2
    assert gamma["hostedcluster_nodepools"][0]["replicas"] == 2


def test_filters_constructed_and_fail_mode(fleet, tmp_path):
    src, dst = fleet
    # a paused cluster, to group on
    hc = src.get(HYPERSHIFT, "HostedCluster", "alpha", "clusters")
    hc["spec"]["pausedUntil"] = "true"
    src.put(hc)
    source = write_source(
        tmp_path,
        {
            "management_clusters": [
                {"name": "src", "kubeconfig": src.kubeconfig, "namespaces": ["clusters", "team"]},
                {
                    "name": "dst",
                    "kubeconfig": dst.kubeconfig,
                    "vars": {"hostedcluster_migrate_destination_context": "x"},
                },
            ],
            "label_selector": "env in (prod,dev)",
            "hostname_format": "{management}-{namespace}-{name}",
            "roles": ["hostedcluster_etcd_backup"],
            "groups": {"paused": "hostedcluster_paused_until is not none"},
            "compose": {"hostedcluster_etcd_backup_s3_bucket": "'backups-' ~ hostedcluster_management_cluster"},
            "strict": True,
        },
    )
    out = inventory_list(source)
    assert out.rc == 0, out
    # gamma has no env label: filtered out; names from hostname_format
    assert out.group("hostedclusters") == {"src-clusters-alpha", "src-team-beta"}
    assert out.group("paused") == {"src-clusters-alpha"}
    alpha = out.hostvars["src-clusters-alpha"]
    assert alpha["hostedcluster_etcd_backup_s3_bucket"] == "backups-src"
    assert alpha["hostedcluster_paused_until"] == "true"
    assert "hostedcluster_etcd_restore_name" not in alpha

    only_team = write_source(
        tmp_path,
        {"management_clusters": [{"kubeconfig": src.kubeconfig}], "namespaces": ["team"]},
        "t.hostedclusters.yml",
    )
    assert inventory_list(only_team).group("hostedclusters") == {"beta"}

    # strict: a compose expression that cannot be evaluated fails the source
    broken = write_source(
        tmp_path,
        {"management_clusters": [{"kubeconfig": src.kubeconfig}], "compose": {"x": "no_such_var.y"}, "strict": True},
        "b.hostedclusters.yml",
    )
    out = inventory_list(broken, env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert out.rc != 0 and "no_such_var" in out.stderr, out

    # on_error=fail: every management cluster is tried, all problems are named, the source fails
    failing = write_source(
        tmp_path,
        {
            "management_clusters": [
                {"name": "gone1", "kubeconfig": dead_kubeconfig(src, tmp_path / "d1")},
                {"kubeconfig": dst.kubeconfig},
                {"name": "gone2", "kubeconfig": str(tmp_path / "missing.kubeconfig")},
            ],
            "on_error": "fail",
        },
        "f.hostedclusters.yml",
    )
    out = inventory_list(failing, env={"ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true"})
    assert out.rc != 0, out
    assert "2 problem(s)" in out.stderr and "'gone1'" in out.stderr and "'gone2'" in out.stderr, out
    assert "Traceback" not in out.stderr


def test_duplicate_names_and_cache(mgmt_pair, tmp_path):
    """The same HostedCluster on both management clusters (a migration half done): the second is skipped and
    named; the cache answers without the API until flushed; a failed run is not cached."""
    src, dst = mgmt_pair
    src.create_hosted_cluster(name="dup", wait=False)
    dst.create_hosted_cluster(name="dup", wait=False)
    cache_dir = tmp_path / "cache"
    config = {
        "management_clusters": [
            {"name": "src", "kubeconfig": src.kubeconfig},
            {"name": "dst", "kubeconfig": dst.kubeconfig},
        ],
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(cache_dir),
        "cache_timeout": 3600,
    }
    source = write_source(tmp_path, config)
    out = inventory_list(source)
    assert out.rc == 0, out
    assert out.group("hostedclusters") == {"dup"}
    assert out.hostvars["dup"]["hostedcluster_management_cluster"] == "src"
    assert "host name 'dup'" in out.stderr and "dst" in out.stderr, out
    assert os.listdir(cache_dir)

    # from the cache: a new cluster does not show up until the cache is flushed
    src.create_hosted_cluster(name="later", wait=False)
    assert inventory_list(source).group("hostedclusters") == {"dup"}
    assert inventory_list(source, "--flush-cache").group("hostedclusters") == {"dup", "later"}

    # unique names with hostname_format; an unreachable cluster makes the run uncacheable
    shutil.rmtree(cache_dir)
    config["hostname_format"] = "{name}.{management}"
    config["management_clusters"].append({"name": "gone", "kubeconfig": dead_kubeconfig(src, tmp_path / "d")})
    source = write_source(tmp_path, config)
    out = inventory_list(source)
    assert out.group("hostedclusters") == {"dup.src", "dup.dst", "later.src"}, out
    assert not os.path.exists(cache_dir) or not os.listdir(cache_dir)


def test_api_refusals_are_named(tmp_path, moto):
    """No HyperShift API (404), no RBAC (403), a wrong context: each message says what to check."""
    mgmt = ManagementCluster(str(tmp_path / "plain"), moto=moto, name="plain").start()
    try:
        mgmt.faults.add(method="GET", path="/hostedclusters", status=404, times=None)
        source = write_source(
            tmp_path,
            {
                "management_clusters": [
                    {"name": "nohcp", "kubeconfig": mgmt.kubeconfig},
                    {"name": "badctx", "kubeconfig": mgmt.kubeconfig, "context": "nope"},
                ]
            },
        )
        out = inventory_list(source)
        assert out.rc == 0, out
        assert "is the HyperShift operator installed there?" in out.stderr, out
        assert "context nope" in out.stderr and "cannot create a Kubernetes client" in out.stderr, out
        assert out.group("hostedclusters") == set()
        mgmt.faults.clear()
        mgmt.faults.add(method="GET", path="/hostedclusters", status=403, times=None)
        out = inventory_list(source)
        assert "(HTTP 403)" in out.stderr and "RBAC" in out.stderr, out
        assert "Traceback" not in out.stderr
    finally:
        mgmt.stop()
