"""ocp.day2.hostedcluster_migrate under faults, on two simulated management clusters shared by both tests.

A fault is injected at a mutating step of a phase (an API request refused with HTTP 500 on the source or the
destination, or S3 down), the playbook fails, the test checks what the failure left, clears the fault and
re-runs; the next re-run meets the next fault, and the last one completes the migration. The first test leaves
the source put back (running, its record reset), which is where the second one starts: its first run is a fresh
migration after put-backs. Rules checked:
- before the destination holds anything, a failure puts the source back: HostedCluster and NodePools no longer
  paused, the API servers at their replicas, the hosted cluster served there again, nothing on the destination;
- once the destination has objects, the source is never resumed (two control planes would drive the same nodes)
  and the failure message says where the migration stopped;
- the completed migration leaves the keys on the destination's etcd, nothing of the cluster on the source, no
  terminated instance, the DNS records owned by the destination.
A SingleReplica hosted cluster with a few keys keeps it cheap. One restore-phase fault is enough for the
second rule there (every step of that phase fails into the same rescue with destination_touched set); that a
re-run of a completed migration changes nothing is checked once, in test_migrate.py.
"""

import threading

import pytest

from tests.harness.net import wait_for

from . import plays
from .conftest import BUCKET, KEY_PREFIX

HS = "hypershift.openshift.io/v1beta1"
NAME, NS, HCP = "example", "clusters", "clusters-example"
KEYS = KEY_PREFIX + NAME + "/"
FQDN = "api.%s.example.com" % NAME
API_DEPLOYMENTS = ("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver", "control-plane-operator")


def migrate(tmp_path, src, dst, https, **kw):
    """The migration playbook on the pair's bucket (see plays.migrate)."""
    return plays.migrate(tmp_path, src, dst, https, bucket=BUCKET, wait=120, **kw)


def failure_text(res):
    """The failure messages of a run (what the admin reads)."""
    return "\n".join(ln for ln in res.stdout.splitlines() if "fatal:" in ln or '"msg"' in ln or "FAILED" in ln)


def nodepools(mgmt):
    return [p for p in mgmt.list(HS, "NodePool", NS) if p["spec"].get("clusterName") == NAME]


def source_running(src, want):
    """The hosted cluster runs on src as before the migration: nothing paused, API servers ready, nodes Ready."""
    hc = src.get(HS, "HostedCluster", NAME, NS)
    if hc is None or hc["spec"].get("pausedUntil") or any(p["spec"].get("pausedUntil") for p in nodepools(src)):
        return False
    for name in API_DEPLOYMENTS:
        dep = src.get("apps/v1", "Deployment", name, HCP)
        if dep is None or dep["spec"].get("replicas") != want or (dep.get("status") or {}).get("readyReplicas") != want:
            return False
    nodes = src.guest(src.hosted_handle(NAME, NS)).nodes()
    return bool(nodes) and all(ready for _name, ready in nodes)


def source_stopped(src):
    """Never resumed: the HostedCluster is paused (or gone) and no kube-apiserver runs on src."""
    hc = src.get(HS, "HostedCluster", NAME, NS)
    dep = src.get("apps/v1", "Deployment", "kube-apiserver", HCP)
    paused = hc is None or bool(hc["spec"].get("pausedUntil"))
    return paused and (dep is None or not (dep.get("status") or {}).get("readyReplicas"))


def destination_empty(dst):
    return not dst.list(HS, "HostedCluster", NS) and dst.get("v1", "Namespace", HCP, None) is None


@pytest.fixture(scope="module")
def faults_pair(pair):
    """(module scope) The pair with a SingleReplica hosted cluster of 40 keys on the source, for both tests."""
    _hc, data = pair.hosted_cluster(NAME, keys=40, availability="SingleReplica", replicas=2)
    return pair.source, pair.destination, pair.https, data, pair.moto.endpoint_url


class WhenQuiesced(threading.Thread):
    """Takes S3 down as soon as the source's kube-apiserver is scaled to 0 (the backup's snapshot comes next)."""

    def __init__(self, src):
        super().__init__(daemon=True)
        self.src, self.fired, self._halt = src, False, threading.Event()

    def run(self):
        while not self._halt.is_set():
            dep = self.src.get("apps/v1", "Deployment", "kube-apiserver", HCP)
            if dep is not None and dep["spec"].get("replicas") == 0:
                self.src.s3_down(True)
                self.fired = True
                return
            self._halt.wait(0.05)

    def stop(self):
        self._halt.set()
        self.join(5)


@pytest.mark.timeout(600)  # two failed runs, each with a backup and a put-back: 67 s measured on two busy cores
def test_faults_before_the_destination_is_touched_put_the_source_back(tmp_path, faults_pair):
    src, dst, https, _data, plain = faults_pair
    want = src.get("apps/v1", "Deployment", "kube-apiserver", HCP)["spec"]["replicas"]
    # phase backup fails below with S3 down after the quiesce; an exec refused during the snapshot is the backup
    # role's own put-back case (tests/e2e/hostedcluster/test_backup_faults.py), so it is not run again here.
    # Both runs leave out the read-only preflight (a fresh one runs in the next test, on the source put back here):
    # the put-back does not depend on it.
    faults = [
        ("dns", "Routes deletion refused", "DELETE", r"/namespaces/%s/routes" % HCP),
    ]
    for phase, what, method, path in faults:
        src.faults.add(method=method, path=path, status=500, times=None)
        res = migrate(tmp_path, src, dst, https, endpoint=plain, phases=["backup", "dns"])
        src.faults.clear()
        assert res.rc != 0, "%s: the run did not fail" % what
        assert "FAILED in phase %s" % phase in failure_text(res), "%s: %s" % (what, failure_text(res))
        assert "source was put back" in failure_text(res) or "keeps running on the source" in failure_text(res), what
        wait_for(lambda: source_running(src, want), timeout=120, what="%s: the source put back" % what)
        assert destination_empty(dst), what
        assert src.dns_owner(FQDN) in (src.name, None), what  # never the destination's

    watcher = WhenQuiesced(src)
    watcher.start()
    try:
        # one attempt per S3 call (botocore backs off ~8 s on a refused connection otherwise): the role's own
        # retries of the record write still run, and fail the same way
        res = migrate(tmp_path, src, dst, https, endpoint=plain, phases=["backup"], env={"AWS_MAX_ATTEMPTS": "1"})
    finally:
        watcher.stop()
        src.s3_down(False)
    assert watcher.fired and res.rc != 0, "backup with S3 down did not fail"
    assert "FAILED in phase backup" in failure_text(res), failure_text(res)
    wait_for(lambda: source_running(src, want), timeout=120, what="S3 down: the source put back")
    assert destination_empty(dst)
    assert src.terminated_instances == []


@pytest.mark.timeout(900)  # one whole migration in four runs, three of them failed: 95 s measured on two busy cores
def test_faults_after_the_destination_is_touched_never_resume_the_source_then_complete(tmp_path, faults_pair):
    src, dst, https, data, _plain = faults_pair
    # the test before leaves the source put back; alone, this test starts on a fresh hosted cluster
    want = src.get("apps/v1", "Deployment", "kube-apiserver", HCP)["spec"]["replicas"]
    wait_for(lambda: source_running(src, want), timeout=120, what="the source running before the migration")
    faults = [
        ("restore", "HostedCluster creation refused", dst, "POST", r"/namespaces/%s/hostedclusters$" % NS),
        ("teardown", "Machine deletion on the source refused", src, "DELETE", r"/namespaces/%s/machines" % HCP),
    ]
    for phase, what, cluster, method, path in faults:
        cluster.faults.add(method=method, path=path, status=500, times=None)
        res = migrate(tmp_path, src, dst, https)
        cluster.faults.clear()
        assert res.rc != 0, "%s: the run did not fail" % what
        text = failure_text(res)
        assert "FAILED in phase %s" % phase in text, "%s: %s" % (what, text)
        assert "NOT resumed" in text and "continues with step" in text, "%s: where it stopped? %s" % (what, text)
        assert source_stopped(src), "%s: the source was resumed after the destination got objects" % what
        assert src.terminated_instances == [], what

    # the last phase talks to the hosted cluster's own API (served by the destination now): its refusal is a
    # failure of phase after, and the re-run below restarts the OVN pods
    guest = dst.guest(dst.hosted_handle(NAME, NS))
    guest.faults.add(method="DELETE", path=r"/namespaces/openshift-ovn-kubernetes/pods", status=500, times=None)
    res = migrate(tmp_path, src, dst, https)
    guest.faults.clear()
    assert res.rc != 0, "OVN pod deletion refused: the run did not fail"
    # said at once, without waiting for pods that were never deleted
    assert "FAILED in phase after" in failure_text(res) and "Deleting the OVN pods" in failure_text(res), res

    res = migrate(tmp_path, src, dst, https)
    assert res.rc == 0, res
    assert not src.list(HS, "HostedCluster", NS) and src.get("v1", "Namespace", HCP, None) is None
    restored = dst.hosted_handle(NAME, NS)
    wait_for(restored.etcd.healthy, timeout=120, what="the destination's etcd")
    assert restored.etcd.get_all(KEYS) == data
    assert src.terminated_instances == [] and dst.terminated_instances == []
    wait_for(lambda: dst.dns_owner(FQDN) == dst.name, timeout=60, what="the destination to own %s" % FQDN)
    nodes = dst.guest(restored).nodes()
    assert nodes and all(ready for _n, ready in nodes), nodes
