"""backup_retention: every option given the wrong way is refused before anything is listed or removed (a policy
misread would delete backups)."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import backup_retention

DIR = {"path": "{dir}", "policy": {"keep_last": 3}}
S3 = {"s3_bucket": "backups", "s3_prefix": "hc/clusters/example", "policy": {"keep_last": 3},
      "aws_access_key": "AKIAUNIT", "aws_secret_key": "unit-secret", "region": "us-east-1"}  # fmt: skip

BAD_INPUTS = [
    ("no location", {"policy": {"keep_last": 3}}, "path, s3_bucket"),
    ("no policy", {"path": "{dir}"}, "policy"),
    ("empty policy", dict(DIR, policy={}), "keeps nothing"),
    ("keep_last zero", dict(DIR, policy={"keep_last": 0}), "at least 1"),
    ("keep_last negative", dict(DIR, policy={"keep_last": -2}), "at least 1"),
    ("keep_last not a number", dict(DIR, policy={"keep_last": "seven"}), "keep_last"),
    ("daily negative", dict(DIR, policy={"daily": -1}), ">= 0"),
    ("tiers all zero", dict(DIR, policy={"hourly": 0, "daily": 0}), "keeps nothing"),
    ("keep_within words", dict(DIR, policy={"keep_within": "two weeks"}), "not a duration"),
    ("keep_within zero", dict(DIR, policy={"keep_within": "0h"}), "is zero"),
    ("unknown rule", dict(DIR, policy={"yearly": 2}), "yearly"),
    ("path missing", dict(DIR, path="{missing}"), "not a directory"),
    ("path a file", dict(DIR, path="{file}"), "not a directory"),
    ("path empty", dict(DIR, path=""), "path"),
    ("now not a time", dict(DIR, now="yesterday"), "not an RFC3339 time"),
    ("s3 without prefix", {k: v for k, v in S3.items() if k != "s3_prefix"}, "s3_prefix"),
    ("s3 prefix empty", dict(S3, s3_prefix=""), "s3_prefix is empty"),
    ("s3 prefix only slashes", dict(S3, s3_prefix="//"), "s3_prefix is empty"),
    ("s3 endpoint not a URL", dict(S3, s3_endpoint_url="minio:9000"), "s3_endpoint_url"),
    ("prefix without bucket", dict(DIR, s3_prefix="hc/x"), "s3_bucket"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    result = refuse(backup_retention.main, args, words)
    assert "AKIAUNIT" not in str(result)  # the access key id is a credential


def test_check_mode_refuses_the_same_way(refuse):
    refuse(backup_retention.main, dict(DIR, policy={"keep_last": 0}), "at least 1", check=True)
