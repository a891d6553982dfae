"""etcd_snapshot: every option given the wrong way is refused before etcdctl, the API or S3 is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import etcd_snapshot

HOST = {
    "mode": "host",
    "endpoints": ["https://127.0.0.1:2379"],
    "cacert": "{tls}/ca.crt",
    "cert": "{tls}/peer.crt",
    "key": "{tls}/peer.key",
    "etcdctl_path": "{etcdctl}",
    "dest": "{ws}/out/snap.db",
}
POD = {"mode": "pod", "namespace": "clusters-example", "dest": "{ws}/pod.db"}
S3 = {
    "s3_bucket": "etcd-backups",
    "s3_key": "example/etcd-0.db",
    "aws_access_key": "AKIAUNIT",
    "aws_secret_key": "unit-secret-value",
}
MEMBERS = [{"pod": "etcd-0", "dest": "{ws}/m0.db"}, {"pod": "etcd-1", "dest": "{ws}/m1.db"}]

BAD_INPUTS = [
    # wrong type or choice (Ansible's own validation)
    ("mode empty", dict(HOST, mode=""), "mode"),
    ("mode misspelt", dict(HOST, mode="hots"), ["mode", "pod, host"]),
    ("timeout not a number", dict(HOST, timeout="soon"), "timeout"),
    ("timeout empty", dict(HOST, timeout=""), "timeout"),
    ("endpoints a dict", dict(HOST, endpoints={"a": 1}), "endpoints"),
    ("members item without pod", dict(POD, dest=None, members=[{"dest": "{ws}/x.db"}]), "pod"),
    ("s3_sse unknown", dict(HOST, s3_sse="aes"), "s3_sse"),
    ("unknown option", dict(HOST, destination="{ws}/x.db"), "destination"),
    # out of range
    ("timeout zero", dict(HOST, timeout=0), ["timeout", "positive"]),
    ("timeout negative", dict(HOST, timeout=-1), "timeout"),
    ("concurrency zero", dict(POD, dest=None, members=MEMBERS, concurrency=0), ["concurrency", "at least 1"]),
    ("presign expiry zero", dict(HOST, **S3, s3_presign_expiry=0), "604800"),
    ("presign expiry above 7 days", dict(HOST, **S3, s3_presign_expiry=700000), "604800"),
    ("endpoint port out of range", dict(HOST, endpoints=["https://127.0.0.1:70000"]), "port"),
    ("s3 endpoint port out of range", dict(HOST, **S3, s3_endpoint_url="https://s3.example.com:99999"), "port"),
    # empty
    ("endpoints empty list", dict(HOST, endpoints=[]), ["endpoints is empty", "https://127.0.0.1:2379"]),
    ("endpoint empty string", dict(HOST, endpoints=[""]), "endpoints"),
    ("dest empty", dict(HOST, dest=""), "dest is empty"),
    ("s3_bucket empty with a key", dict(HOST, **dict(S3, s3_bucket="")), "s3_bucket is empty"),
    ("s3_key empty with a bucket", dict(HOST, **dict(S3, s3_key="")), "s3_key is empty"),
    ("cert empty", dict(HOST, cert=""), "cert is empty"),
    ("tmp_dir empty", dict(HOST, tmp_dir=""), "tmp_dir is empty"),
    ("member empty", dict(HOST, member=""), "member is empty"),
    ("s3_region empty", dict(HOST, **S3, s3_region=""), "region is empty"),
    ("namespace empty", dict(POD, namespace=""), "namespace"),
    ("container empty", dict(POD, container=""), "container is empty"),
    ("nowhere to deliver", dict(HOST, dest=None), "Nowhere to deliver"),
    ("members without destinations", dict(POD, dest=None, members=[{"pod": "etcd-0"}]), "nowhere to go"),
    (
        "secrets without members",
        dict(POD, secrets=[{"name": "k", "namespace": "clusters", "dest": "{ws}/k.json"}]),
        "`secrets` needs `members`",
    ),
    (
        "secret without destination",
        dict(POD, dest=None, members=MEMBERS, secrets=[{"name": "k", "namespace": "c"}]),
        "nowhere to go",
    ),
    (
        "secret name malformed",
        dict(POD, dest=None, members=MEMBERS, secrets=[{"name": "K/1", "namespace": "c", "dest": "{ws}/k.json"}]),
        "secrets[].name",
    ),
    (
        "secret s3_key without bucket",
        dict(POD, dest=None, members=MEMBERS, secrets=[{"name": "k", "namespace": "c", "s3_key": "x/k.json"}]),
        "no s3_bucket",
    ),
    (
        "secret where a snapshot goes",
        dict(POD, dest=None, members=MEMBERS, secrets=[{"name": "k", "namespace": "c", "dest": "{ws}/m0.db"}]),
        "each needs its own",
    ),
    (
        "secret without namespace",
        dict(POD, dest=None, members=MEMBERS, secrets=[{"name": "k", "dest": "{ws}/k"}]),
        "namespace",
    ),
    # malformed names and URLs
    ("endpoint not a url", dict(HOST, endpoints=["not a url"]), "is not an etcd client URL"),
    ("endpoint without scheme", dict(HOST, endpoints=["10.0.0.1:2379"]), "https://HOST:PORT"),
    ("endpoint ftp", dict(HOST, endpoints=["ftp://10.0.0.1:2379"]), "is not an etcd client URL"),
    ("endpoint looks like a flag", dict(HOST, endpoints=["--insecure-transport"]), "is not an etcd client URL"),
    ("pod_endpoint without scheme", dict(POD, pod_endpoint="localhost:2379"), "pod_endpoint"),
    ("namespace upper case", dict(POD, namespace="Clusters_Example"), ["not a valid Kubernetes", "clusters-example"]),
    ("pod with a slash", dict(POD, pod="clusters/etcd-0"), ["pod=", "not a valid Kubernetes"]),
    ("member pod upper case", dict(POD, dest=None, members=[{"pod": "ETCD-0", "dest": "{ws}/x.db"}]), "members[].pod"),
    ("bucket with s3://", dict(HOST, **dict(S3, s3_bucket="s3://etcd-backups")), "not an S3 bucket name"),
    ("bucket upper case", dict(HOST, **dict(S3, s3_bucket="Etcd_Backups")), "not an S3 bucket name"),
    ("s3 endpoint without scheme", dict(HOST, **S3, s3_endpoint_url="localhost:9000"), "is not a URL"),
    ("s3 endpoint ftp", dict(HOST, **S3, s3_endpoint_url="ftp://s3.example.com"), "is not a URL"),
    # inconsistent options
    ("s3_key without bucket", dict(HOST, s3_key="k"), "s3_key needs s3_bucket"),
    ("s3_bucket without key", dict(HOST, s3_bucket="etcd-backups"), "s3_bucket needs s3_key"),
    ("kms key without aws:kms", dict(HOST, **S3, s3_sse_kms_key_id="kms-1"), "aws:kms"),
    ("presign without s3", dict(HOST, s3_presign_expiry=60), "s3_presign_expiry needs s3_bucket"),
    ("pod mode without namespace", dict(POD, namespace=None), "namespace"),
    ("members in host mode", dict(HOST, dest=None, members=MEMBERS), "pod mode only"),
    ("members and pod", dict(POD, dest=None, pod="etcd-0", members=MEMBERS), "mutually exclusive"),
    (
        "members share a dest",
        dict(POD, dest=None, members=[dict(m, dest="{ws}/same.db") for m in MEMBERS]),
        "same dest",
    ),
    # paths: a directory, a file, missing, read-only
    ("cacert is a directory", dict(HOST, cacert="{dir}"), ["cacert=", "is a directory"]),
    ("cacert missing", dict(HOST, cacert="{missing}/ca.crt"), "does not exist"),
    ("key is a directory", dict(HOST, key="{dir}"), "is a directory"),
    ("etcdctl missing", dict(HOST, etcdctl_path="{missing}/etcdctl"), "etcdctl not found"),
    ("etcdctl not executable", dict(HOST, etcdctl_path="{noexec}"), "etcdctl not found"),
    ("etcdctl is a directory", dict(HOST, etcdctl_path="{dir}"), "etcdctl not found"),
    ("etcdutl is a directory", dict(HOST, etcdutl_path="{dir}"), "etcdutl_path"),
    ("tmp_dir is a file", dict(HOST, tmp_dir="{file}"), ["tmp_dir=", "is a file"]),
    ("tmp_dir missing", dict(HOST, tmp_dir="{missing}"), "does not exist"),
    ("tmp_dir read-only", dict(HOST, tmp_dir="{ro}"), "not writable"),
    ("dest is a directory", dict(HOST, dest="{dir}"), ["dest=", "is a directory"]),
    ("dest under a file", dict(HOST, dest="{file}/snap.db"), "is a file, not a directory"),
    ("dest read-only", dict(HOST, dest="{ro}/snap.db"), "not writable"),
    (
        "member dest is a directory",
        dict(POD, dest=None, members=[{"pod": "etcd-0", "dest": "{dir}"}]),
        "is a directory",
    ),
    # unreachable endpoints: etcd refuses connections (fails in seconds, etcdctl never runs), or the API server does
    (
        "etcd unreachable",
        dict(HOST, endpoints=["{closed}"]),
        ["Connection refused", "check that the member is running"],
    ),
    ("API unreachable", dict(POD, host="{closed}", api_key="unit-token"), "Cannot reach the Kubernetes API server"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(etcd_snapshot.main, {k: v for k, v in args.items() if v is not None}, words)


def test_check_mode_refuses_the_same_way(refuse):
    refuse(etcd_snapshot.main, dict(HOST, cacert="{dir}"), "is a directory", check=True)


def test_access_key_id_hidden_and_s3_region_alias_quiet(refuse, monkeypatch):
    """-vvv shows module_args: the access key id must be masked; s3_region with AWS_DEFAULT_REGION: no warning."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    args = dict(HOST, **S3, s3_region="us-east-1", cacert="{dir}")
    result = refuse(etcd_snapshot.main, args, "is a directory")
    assert result["invocation"]["module_args"]["access_key"] != "AKIAUNIT"
    assert "AKIAUNIT" not in str(result)
    assert not any("alias" in str(w) for w in result.get("warnings", [])), result.get("warnings")
