"""ocp.day2.hostedcluster_migrate refuses bad inputs clearly and changes nothing; check mode changes nothing.
One pair of simulated management clusters for every case of both tests. That -vvv output holds no secret value
is checked on the whole migration in test_migrate.py.
"""

import json

import pytest

from . import plays

HS = "hypershift.openshift.io/v1beta1"
NAME, NS, HCP = "example", "clusters", "clusters-example"
BUCKET = "migrate-bad-inputs"
KINDS = (
    (HS, "HostedCluster"), (HS, "NodePool"), (HS, "HostedControlPlane"), ("v1", "Secret"), ("v1", "ConfigMap"),
    ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("route.openshift.io/v1", "Route"),
    ("cluster.x-k8s.io/v1beta1", "Cluster"), ("cluster.x-k8s.io/v1beta1", "Machine"),
    ("infrastructure.cluster.x-k8s.io/v1beta2", "AWSMachine"),
)  # fmt: skip


def migrate(tmp_path, src, dst, https, **kw):
    """The migration playbook on this module's bucket (see plays.migrate)."""
    return plays.migrate(tmp_path, src, dst, https, bucket=BUCKET, wait=60, **kw)


def fingerprint(mgmt):
    """Everything a migration could change on a management cluster, without status and server bookkeeping."""
    found = {}
    for api, kind in KINDS:
        for obj in mgmt.list(api, kind, None):
            meta = obj["metadata"]
            keep = {k: meta.get(k) for k in ("labels", "annotations", "finalizers", "deletionTimestamp")}
            body = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
            found["%s %s/%s" % (kind, meta.get("namespace"), meta["name"])] = json.dumps([keep, body], sort_keys=True)
    for ns in mgmt.list("v1", "Namespace", None):
        found["Namespace " + ns["metadata"]["name"]] = json.dumps(ns["metadata"].get("labels"), sort_keys=True)
    return found


def changes(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def failure(res):
    return "\n".join(ln for ln in res.stdout.splitlines() if "fatal:" in ln or '"msg"' in ln)


@pytest.fixture(scope="module")
def setup(pair):
    """(module scope) The pair, its buckets and a SingleReplica hosted cluster; the refusals change nothing, so
    the check-mode test that follows starts on the same clusters."""
    s3 = pair.moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket="migrate-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    pair.hosted_cluster(NAME, availability="SingleReplica", replicas=1)
    return pair.source, pair.destination, pair.https, s3, pair.moto.endpoint_url


def test_bad_inputs_fail_clearly_and_change_nothing(tmp_path, setup):
    src, dst, https, _s3, _plain = setup
    hc = src.get(HS, "HostedCluster", NAME, NS)
    ssh_name = hc["spec"]["sshKey"]["name"]
    cases = [
        ("same source and destination", {"hostedcluster_migrate_destination_kubeconfig": src.kubeconfig},
         None, ("same", "destination")),
        ("unknown HostedCluster", {"hostedcluster_migrate_name": "nope"}, None, ("nope", "not found")),
        ("bucket in another region", {"hostedcluster_migrate_s3_bucket": "migrate-eu"}, None, ("eu-west-1",)),
        ("teardown asked before verify", {}, ["teardown"], ("verify",)),
    ]  # fmt: skip
    before = (fingerprint(src), fingerprint(dst))
    for what, extra, phases, words in cases:
        res = migrate(tmp_path, src, dst, https, phases=phases, **extra)
        assert res.rc != 0, "%s: did not fail" % what
        text = failure(res)
        assert all(w.lower() in text.lower() for w in words), "%s: unclear message: %s" % (what, text)
        assert "Traceback" not in res.output, what
        assert (changes(before[0], fingerprint(src)), changes(before[1], fingerprint(dst))) == ([], []), what

    # a referenced Secret missing on the source (the test removes it, then puts it back)
    secret = src.get("v1", "Secret", ssh_name, NS)
    src.delete("v1", "Secret", ssh_name, NS)
    try:
        without = (fingerprint(src), fingerprint(dst))
        res = migrate(tmp_path, src, dst, https)
        assert res.rc != 0 and ssh_name in failure(res), failure(res)
        assert (changes(without[0], fingerprint(src)), changes(without[1], fingerprint(dst))) == ([], [])
    finally:  # the next test uses the same hosted cluster
        meta = {"name": ssh_name, "namespace": NS}
        src.put({k: v for k, v in secret.items() if k != "metadata"} | {"metadata": meta})


def test_check_mode_changes_nothing(tmp_path, setup):
    src, dst, https, s3, _plain = setup
    # check mode: the plan, nothing changed on either cluster, nothing written to S3
    before = (fingerprint(src), fingerprint(dst))
    res = migrate(tmp_path, src, dst, https, check=True, hostedcluster_migrate_confirm=False)
    assert res.rc == 0, res
    assert "hostedcluster_migrate_plan" in res.stdout, res
    assert (changes(before[0], fingerprint(src)), changes(before[1], fingerprint(dst))) == ([], [])
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
