"""ocp3_etcd_member and ocp3_host_retire (master) on three masters that are real TLS etcd members, plus a new etcd
host (002 §5.4.4.2, §5.2.1, §5.4.5), one fixture for the whole sequence:

1. etcd-3 is added: its server and peer certificates are made on the first master with `openssl req` /
   `openssl ca` from the etcd CA's openssl.cnf, packed, unpacked into etcd-3's etc directory, and etcd-3 starts
   with exactly those files and joins (its keys read from it alone).
2. The first master is retired, once in check mode (nothing changes), then for real: CA serial and CA directories
   handed over, its server out of a real haproxy configuration (`haproxy -c`), static pods moved aside, node
   drained and deleted, etcd member removed, etcd.conf and etcdClientInfo edited, master-restart on the others.
3. Removing another member while a remaining one is down is refused and changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import yaml

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.etcd import EtcdCluster
from tests.harness.net import wait_for

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ocp3_backup", "etcd_member.py")
MASTERS = ("master-0", "master-1", "master-2")
NAMES = MASTERS + ("etcd-3",)  # etcd-3 is the new host
PODS = ["apiserver.yaml", "controller.yaml", "etcd.yaml"]
# The etcd CA's openssl.cnf as the 3.11 installer lays it out (/etc/etcd/ca/openssl.cnf): the request and
# signing sections the guide's commands name; 2048-bit keys to keep the test quick.
OPENSSL_CNF = """[ req ]
default_bits = 2048
default_md = sha256
distinguished_name = req_distinguished_name
[ req_distinguished_name ]
[ etcd_v3_req ]
basicConstraints = critical,CA:FALSE
keyUsage = digitalSignature,keyEncipherment
subjectAltName = ${{ENV::SAN}}
[ ca ]
default_ca = etcd_ca
[ etcd_ca ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/certs
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
default_days = 30
default_md = sha256
policy = policy_anything
unique_subject = no
copy_extensions = copy
[ policy_anything ]
commonName = optional
[ etcd_v3_ca_peer ]
authorityKeyIdentifier = keyid,issuer:always
basicConstraints = critical,CA:FALSE
extendedKeyUsage = clientAuth,serverAuth
keyUsage = digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
[ etcd_v3_ca_server ]
authorityKeyIdentifier = keyid,issuer:always
basicConstraints = critical,CA:FALSE
extendedKeyUsage = serverAuth
keyUsage = digitalSignature,keyEncipherment
subjectKeyIdentifier = hash
"""
HAPROXY = """global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend atomic-openshift-api
    bind 127.0.0.1:18444
    default_backend atomic-openshift-api
backend atomic-openshift-api
    balance source
    server master-0 10.0.0.10:8443 check
    server master-1 10.0.0.11:8443 check
    server master-2 10.0.0.12:8443 check
"""


def _members(cluster, endpoints):
    return json.loads(cluster.etcdctl("member", "list", "-w", "json", endpoints=endpoints).stdout)["members"]


def _tree(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                out[os.path.relpath(os.path.join(dirpath, f), root)] = fh.read()
    return out


def _host_files(base, cluster):
    """Each master's /etc/origin and /etc/etcd; the first master holds ca.serial.txt and the etcd CA."""
    running = cluster.members[:3]
    urls = [m.client_url for m in running]
    initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in running)
    for m in cluster.members:
        root = base / m.name
        (root / "etc").mkdir(parents=True)
        (root / "etc" / "etcd.conf").write_text(
            "ETCD_NAME=%s\nETCD_INITIAL_CLUSTER=%s\nETCD_INITIAL_CLUSTER_STATE=new\n" % (m.name, initial)
        )
        if m.name not in MASTERS:
            continue
        (root / "pods").mkdir()
        for pod in PODS:
            (root / "pods" / pod).write_text("kind: Pod\nmetadata:\n  name: master-%s\n" % pod[:-5])
        (root / "master").mkdir()
        config = {"etcdClientInfo": {"ca": "master.etcd-ca.crt", "urls": urls}, "kubernetesMasterConfig": {}}
        (root / "master" / "master-config.yaml").write_text(yaml.safe_dump(config, default_flow_style=False))
    first = base / "master-0"
    (first / "master" / "ca.serial.txt").write_text("1F\n")
    ca = first / "etc" / "ca"
    (ca / "certs").mkdir(parents=True)
    shutil.copy(cluster.ca.cert, ca / "ca.crt")
    shutil.copy(cluster.ca.key, ca / "ca.key")
    (ca / "serial").write_text("05\n")
    (ca / "index.txt").write_text("")
    (ca / "openssl.cnf").write_text(OPENSSL_CNF.format(dir=ca))
    (first / "etc" / "generated_certs").mkdir()


@pytest.fixture(scope="module")
def etcd_hosts(tmp_path_factory):
    base = tmp_path_factory.mktemp("etcd-hosts")
    cluster = EtcdCluster(str(base / "etcd"), names=NAMES)
    config = {}
    for m in cluster.members:
        config[m.name] = {
            "client_url": m.client_url,
            "peer_url": m.peer_url,
            "cert": m.cert.cert,
            "key": m.cert.key,
            "ca": cluster.ca.cert,
            "log": m.log_path,
            "pidfile": m.log_path + ".pid",
        }
    # etcd-3 runs only with what the role unpacked into its etc directory
    new = base / "etcd-3" / "etc"
    config["etcd-3"].update(cert=str(new / "server.crt"), key=str(new / "server.key"), ca=str(new / "ca.crt"),
                            peer_cert=str(new / "peer.crt"), peer_key=str(new / "peer.key"))  # fmt: skip
    cluster.config_path = str(base / "members.json")
    with open(cluster.config_path, "w") as f:
        json.dump(config, f)
    _host_files(base, cluster)
    running = cluster.members[:3]
    initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in running)
    for m in running:
        env = dict(os.environ, ETCD_NAME=m.name, ETCD_DATA_DIR=m.data_dir, ETCD_INITIAL_CLUSTER=initial,
                   ETCD_INITIAL_CLUSTER_STATE="new", ETCD_INITIAL_CLUSTER_TOKEN=cluster.token,
                   ETCD_INITIAL_ADVERTISE_PEER_URLS=m.peer_url)  # fmt: skip
        subprocess.run([sys.executable, SCRIPT, "start", cluster.config_path, m.name], env=env, check=True)
    endpoints = [m.client_url for m in running]
    try:
        wait_for(
            lambda: cluster.etcdctl("endpoint", "health", endpoints=endpoints, check=False).returncode == 0,
            what="3 etcd members",
        )
        yield base, cluster
    finally:
        for m in cluster.members:
            subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m.name], check=False)
        shutil.rmtree(str(base / "etcd"), ignore_errors=True)


def _inventory(base, cluster):
    hosts = {}
    for m in cluster.members:
        root = base / m.name
        hosts[m.name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "ocp3_etcd_member_name": m.name,
            "ocp3_etcd_member_peer_url": m.peer_url,
            "ocp3_etcd_member_client_url": m.client_url,
            "ocp3_etcd_member_data_dir": m.data_dir,
            "ocp3_etcd_member_conf_file": str(root / "etc" / "etcd.conf"),
            "ocp3_etcd_member_start_command": [sys.executable, SCRIPT, "start", cluster.config_path, m.name],
            "ocp3_etcd_member_stop_command": [sys.executable, SCRIPT, "stop", cluster.config_path, m.name],
            "ocp3_host_retire_pods_dir": str(root / "pods"),
            "ocp3_host_retire_disabled_pods_dir": str(root / "pods" / "disabled"),
            "ocp3_host_retire_ca_serial": str(root / "master" / "ca.serial.txt"),
            "ocp3_host_retire_ca_dirs": [str(root / "etc" / "ca"), str(root / "etc" / "generated_certs")],
            "ocp3_host_retire_master_config": str(root / "master" / "master-config.yaml"),
            "ocp3_host_retire_master_restart_commands": [
                ["sh", "-c", "echo %s %s >> %s" % (m.name, what, base / "restarts.log")]
                for what in ("api", "controllers")
            ],
        }
    first = base / "master-0" / "etc"
    group_vars = {
        "ocp3_etcd_member_cacert": cluster.ca.cert,
        "ocp3_etcd_member_cert": cluster.client.cert,
        "ocp3_etcd_member_key": cluster.client.key,
        "ocp3_etcd_member_data_owner": "root",
        "ocp3_etcd_member_data_group": "root",
        "ocp3_etcd_member_wait_timeout": 30,
        "ocp3_etcd_member_ca_host": "master-0",
        "ocp3_etcd_member_openssl_config": str(first / "ca" / "openssl.cnf"),
        "ocp3_etcd_member_generated_certs_dir": str(first / "generated_certs"),
    }
    masters = {name: {} for name in MASTERS}
    path = base / "inventory.json"
    path.write_text(json.dumps({"etcd": {"hosts": hosts, "vars": group_vars}, "masters": {"hosts": masters}}))
    return str(path)


def _x509(path, *what):
    return subprocess.run(["openssl", "x509", "-in", str(path), "-noout", *what], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def _node(name):
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"node-role.kubernetes.io/master": "true"}},
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
    }


def _add_with_new_certificates(base, cluster, inventory):
    m0, m3 = cluster.members[0], cluster.members[3]
    cluster.put_many({"/kubernetes.io/test/before-add": "kept"}, member=m0)
    play = write_playbook(
        base, "- hosts: etcd\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_etcd_member\n", name="member.yml"
    )
    add = {"ocp3_etcd_member_action": "add", "ocp3_etcd_member_host": "etcd-3"}
    result = run_playbook(play, inventory=inventory, extra_vars=add)
    (base / "add.log").write_text(result.stdout)
    assert result.rc == 0, result
    assert "The cluster will have an even number of members" in result.stdout
    assert "signed by the etcd CA on master-0 (CN etcd-3)" in result.stdout
    new = base / "etcd-3" / "etc"
    # the files the guide's tarball carries, unpacked where etcd-3 reads them
    wanted = {"ca.crt", "etcd.conf", "peer.crt", "peer.key", "server.crt", "server.key"}
    assert wanted <= {p.name for p in new.iterdir()}
    assert oct((new / "server.key").stat().st_mode & 0o777) == "0o600"
    for name, usage in (("server.crt", "TLS Web Server Authentication"), ("peer.crt", "TLS Web Client Authentication")):
        text = _x509(new / name, "-subject", "-ext", "subjectAltName,extendedKeyUsage")
        assert "CN = etcd-3" in text and "IP Address:127.0.0.1" in text and "DNS:etcd-3" in text, text
        assert usage in text, text
    assert (base / "master-0" / "etc" / "generated_certs" / "etcd-3.tgz").exists()
    assert len((base / "master-0" / "etc" / "ca" / "index.txt").read_text().splitlines()) == 2, (
        "two certificates signed"
    )
    four = [m.client_url for m in cluster.members]
    assert sorted(m["name"] for m in _members(cluster, four)) == sorted(NAMES)
    assert cluster.etcdctl("endpoint", "health", endpoints=four).returncode == 0
    got = cluster.etcdctl("get", "/kubernetes.io/test/before-add", "--consistency=s", "--print-value-only",
                          endpoints=[m3.client_url]).stdout  # fmt: skip
    assert got.strip() == "kept"
    conf3 = (new / "etcd.conf").read_text()
    assert "ETCD_INITIAL_CLUSTER_STATE=existing\n" in conf3
    assert "ETCD_INITIAL_CLUSTER=%s\n" % ",".join("%s=%s" % (m.name, m.peer_url) for m in cluster.members) in conf3
    assert "ETCD_LISTEN_CLIENT_URLS=%s\n" % m3.client_url in conf3
    assert "etcdClientInfo.urls" in result.stdout and "master-restart api" in result.stdout
    return play


def _retire_first_master(base, cluster, inventory, mgmt):
    for name in MASTERS:
        mgmt.put(_node("%s-%s" % (mgmt.name, name)))
    cfg = base / "haproxy.cfg"
    cfg.write_text(HAPROXY)
    node0 = "%s-master-0" % mgmt.name
    extra = {
        "ocp_day2_kubeconfig": mgmt.kubeconfig,
        "ocp3_host_retire_host": "master-0",
        "ocp3_host_retire_node": node0,
        "ocp3_host_retire_type": "master",
        "ocp3_host_retire_disable_eviction": True,
        "ocp3_host_retire_drain_timeout": 30,
        "ocp3_host_retire_lb_host": "localhost",
        "ocp3_host_retire_lb_server": "master-0",
        "ocp3_host_retire_lb_config": str(cfg),
        "ocp3_host_retire_lb_restart_command": ["sh", "-c", "echo haproxy >> %s" % (base / "restarts.log")],
        "ocp3_host_retire_master_ip": "10.0.0.10",
        "ocp3_host_retire_endpoints_delay": 1,
        "ocp3_host_retire_endpoints_retries": 15,
        "ansible_python_interpreter": sys.executable,
    }
    ips = {"master-0": "10.0.0.10", "master-1": "10.0.0.11", "master-2": "10.0.0.12"}
    mgmt.put(_endpoints(ips.values()))
    play = write_playbook(
        base,
        "- hosts: masters\n  gather_facts: false\n  tasks:\n    - ansible.builtin.import_role:\n"
        "        name: ocp.day2.ocp3_host_retire\n        tasks_from: master\n",
        name="retire-master.yml",
    )
    snapshot = [_tree(str(base / name)) for name in MASTERS] + [cfg.read_text()]

    dry = run_playbook(play, inventory=inventory, extra_vars=extra, check=True)
    (base / "retire-check.log").write_text(dry.stdout)
    assert dry.rc == 0, dry
    assert "it holds %s" % (base / "master-0" / "master" / "ca.serial.txt") in dry.stdout
    assert "check mode: nothing is changed" in dry.stdout
    assert [_tree(str(base / name)) for name in MASTERS] + [cfg.read_text()] == snapshot
    assert len(_members(cluster, cluster.endpoints)) == 4
    assert mgmt.get("v1", "Node", node0) is not None
    assert not (base / "restarts.log").exists()

    # the remaining API servers take master-0 out of the kubernetes Endpoints only after the role has seen it
    # there once (a GET counted by a no-op fault): the role must wait and look again
    seen = mgmt.faults.add(method="GET", path=r"/namespaces/default/endpoints/kubernetes$", stall=0.001, times=None)
    drop = threading.Thread(target=_drop_when_seen, args=(mgmt, seen, [ips["master-1"], ips["master-2"]]), daemon=True)
    drop.start()
    try:
        result = run_playbook(play, inventory=inventory, extra_vars=extra)
    finally:
        mgmt.faults.clear()
        drop.join(5)
    (base / "retire.log").write_text(result.stdout)
    assert result.rc == 0, result
    retried = [x for x in result.stdout.splitlines() if "RETRYING" in x and "kubernetes service no longer lists" in x]
    assert seen.hits >= 2 and retried, "the role looked once, saw master-0, waited and looked again"
    addresses = mgmt.get("v1", "Endpoints", "kubernetes", "default")["subsets"][0]["addresses"]
    assert [a["ip"] for a in addresses] == [ips["master-1"], ips["master-2"]]
    m0, rest = cluster.members[0], cluster.members[1:]
    for name in ("master-1", "master-2"):
        assert (base / name / "master" / "ca.serial.txt").read_text() == "1F\n"
        assert (base / name / "etc" / "ca" / "serial").read_text() == "07\n", "the CA as it is after signing etcd-3"
        assert (base / name / "etc" / "generated_certs" / "etcd-3.tgz").exists()
    assert "server master-0 " not in cfg.read_text() and "server master-1 " in cfg.read_text()
    assert sorted(os.listdir(base / "master-0" / "pods" / "disabled")) == PODS
    assert sorted(p.name for p in (base / "master-1" / "pods").iterdir()) == PODS
    assert mgmt.get("v1", "Node", node0) is None
    assert sorted(m["name"] for m in _members(cluster, [m.client_url for m in rest])) == [
        "etcd-3",
        "master-1",
        "master-2",
    ]
    for m in rest[:2]:
        config = yaml.safe_load((base / m.name / "master" / "master-config.yaml").read_text())
        assert config["etcdClientInfo"]["urls"] == [r.client_url for r in rest[:2]], m.name
        conf = (base / m.name / "etc" / "etcd.conf").read_text()
        line = [x for x in conf.splitlines() if x.startswith("ETCD_INITIAL_CLUSTER=")]
        assert sorted(line[0].split("=", 1)[1].split(",")) == sorted("%s=%s" % (r.name, r.peer_url) for r in rest)
    config0 = yaml.safe_load((base / "master-0" / "master" / "master-config.yaml").read_text())
    assert m0.client_url in config0["etcdClientInfo"]["urls"], "the retired master's own file is left alone"
    restarts = (base / "restarts.log").read_text().split("\n")
    assert restarts[0] == "haproxy"
    assert sorted(r for r in restarts if r.startswith("master")) == [
        "master-1 api", "master-1 controllers", "master-2 api", "master-2 controllers"
    ]  # fmt: skip
    assert "list first in [masters] a master that now holds" in result.stdout
    assert "3 etcd members, all healthy" in result.stdout


def _endpoints(ips):
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default"},
        "subsets": [{"addresses": [{"ip": ip} for ip in ips], "ports": [{"name": "https", "port": 8443}]}],
    }


def _drop_when_seen(mgmt, seen, keep, timeout=120):
    """What the remaining masters' API servers do after master-restart: list only themselves."""
    deadline = time.monotonic() + timeout
    while seen.hits < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the hit is counted as the GET arrives: let it be answered with master-0 still listed
    mgmt.put(_endpoints(keep))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs haproxy (scripts/system-deps.sh)")
def test_add_member_with_new_certificates_then_retire_the_first_master(etcd_hosts, mgmt_cluster, installed_collection):
    base, cluster = etcd_hosts
    inventory = _inventory(base, cluster)
    play = _add_with_new_certificates(base, cluster, inventory)
    _retire_first_master(base, cluster, inventory, mgmt_cluster)

    # removing etcd-3 while master-2 is down is refused, nothing changes
    m1, m2, m3 = cluster.members[1:]
    subprocess.run([sys.executable, SCRIPT, "stop", cluster.config_path, m2.name], check=True)
    refused = run_playbook(
        play,
        inventory=inventory,
        extra_vars={"ocp3_etcd_member_action": "remove", "ocp3_etcd_member_host": "etcd-3"},
        limit="master-1,master-2,etcd-3",
    )
    (base / "refused.log").write_text(refused.stdout)
    assert refused.rc != 0 and "not all healthy" in refused.output, refused
    assert "Nothing was" in refused.output
    assert len(_members(cluster, [m1.client_url, m3.client_url])) == 3
