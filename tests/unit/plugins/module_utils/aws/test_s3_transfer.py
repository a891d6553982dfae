"""S3 upload: single PutObject or multipart with per-part SHA256, verification, errors; botocore Stubber only."""

import base64
import hashlib

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from botocore.stub import ANY, Stubber

from ansible_collections.ocp.day2.plugins.module_utils.aws import s3_transfer
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

MIB = 1024 * 1024


def b64sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def stubbed():
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIAUNIT",
        aws_secret_access_key="unit-secret",
        config=Config(signature_version="s3v4"),
    )
    with Stubber(client) as stubber:
        yield RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1)), stubber
        stubber.assert_no_pending_responses()


def head(checksum, length):
    return {"ChecksumSHA256": checksum, "ContentLength": length, "ETag": '"e"'}


def test_part_size():
    assert s3_transfer.part_size_for(None) == 8 * MIB
    assert s3_transfer.part_size_for(100 * MIB) == 8 * MIB
    big = s3_transfer.part_size_for(200 * 1024 * MIB)  # 200 GiB
    assert big % MIB == 0 and 200 * 1024 * MIB / big < s3_transfer.MAX_PARTS - 1000


def test_small_object_is_one_put_with_checksum_and_metadata(stubbed):
    client, stub = stubbed
    data = b"snapshot-bytes"
    sha = hashlib.sha256(data).hexdigest()
    stub.add_response(
        "put_object",
        {"ETag": '"abc"'},
        {
            "Bucket": "bk", "Key": "k.db", "Body": data, "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": b64sha(data), "Metadata": {"sha256": sha}, "ServerSideEncryption": "AES256",
        },
    )  # fmt: skip
    stub.add_response(
        "head_object", head(b64sha(data), len(data)), {"Bucket": "bk", "Key": "k.db", "ChecksumMode": "ENABLED"}
    )
    sink = s3_transfer.S3Sink(client, "bk", "k.db", sha, sse="AES256")
    sink.write(data[:4])
    sink.write(data[4:])
    out = sink.commit(sha, len(data))
    assert out["checksum_sha256"] == b64sha(data) and out["etag"] == "abc" and out["parts"] == 1


def test_multipart_sends_sha256_per_part_and_checks_composite(stubbed):
    client, stub = stubbed
    part = 8 * MIB
    data = bytes(range(256)) * (part * 2 // 256) + b"tail"
    pieces = [data[:part], data[part : 2 * part], data[2 * part :]]
    stub.add_response(
        "create_multipart_upload",
        {"UploadId": "U1"},
        {"Bucket": "bk", "Key": "k", "ChecksumAlgorithm": "SHA256", "Metadata": {"sha256": "s"},
         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "kms-1"},
    )  # fmt: skip
    for n, piece in enumerate(pieces, 1):
        stub.add_response(
            "upload_part",
            {"ETag": '"p%d"' % n, "ChecksumSHA256": b64sha(piece)},
            {"Bucket": "bk", "Key": "k", "UploadId": "U1", "PartNumber": n, "Body": piece,
             "ChecksumAlgorithm": "SHA256", "ChecksumSHA256": b64sha(piece)},
        )  # fmt: skip
    parts = [{"PartNumber": n, "ETag": '"p%d"' % n, "ChecksumSHA256": b64sha(p)} for n, p in enumerate(pieces, 1)]
    stub.add_response(
        "complete_multipart_upload",
        {"ETag": '"whole-3"'},
        {"Bucket": "bk", "Key": "k", "UploadId": "U1", "MultipartUpload": {"Parts": parts}},
    )
    composite = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in pieces)).digest()).decode()
    stub.add_response(
        "head_object", head(composite + "-3", len(data)), {"Bucket": "bk", "Key": "k", "ChecksumMode": "ENABLED"}
    )

    sink = s3_transfer.S3Sink(client, "bk", "k", "s", size_hint=len(data), sse="aws:kms", kms_key_id="kms-1")
    peak = 0
    for i in range(0, len(data), 3 * MIB + 5):  # odd chunk sizes across part boundaries
        sink.write(data[i : i + 3 * MIB + 5])
        peak = max(peak, len(sink._buffer))
    out = sink.commit(hashlib.sha256(data).hexdigest(), len(data))
    assert peak < part  # never more than one part held
    assert out["checksum_sha256"] == composite + "-3" and out["parts"] == 3


def test_landed_checksum_mismatch_deletes_object(stubbed):
    client, stub = stubbed
    stub.add_response("put_object", {"ETag": '"a"'}, None)
    stub.add_response("head_object", head(b64sha(b"other"), 3), None)
    stub.add_response("delete_object", {}, {"Bucket": "bk", "Key": "k"})
    sink = s3_transfer.S3Sink(client, "bk", "k", "s")
    sink.write(b"abc")
    with pytest.raises(Day2Error, match="Checksum mismatch at s3://bk/k.*deleted"):
        sink.commit(hashlib.sha256(b"abc").hexdigest(), 3)


def test_store_without_checksums_is_not_trusted(stubbed):
    client, stub = stubbed
    stub.add_response("put_object", {"ETag": '"a"'}, None)
    stub.add_response("head_object", {"ContentLength": 3}, None)
    stub.add_response("delete_object", {}, None)
    sink = s3_transfer.S3Sink(client, "bk", "k", "s")
    sink.write(b"abc")
    with pytest.raises(Day2Error, match="did not return a SHA256 checksum"):
        sink.commit(hashlib.sha256(b"abc").hexdigest(), 3)


def test_part_checksum_disagreement_fails(stubbed):
    client, stub = stubbed
    stub.add_response("create_multipart_upload", {"UploadId": "U"}, None)
    stub.add_response("upload_part", {"ETag": '"p"', "ChecksumSHA256": b64sha(b"x")}, None)
    stub.add_response("abort_multipart_upload", {}, {"Bucket": "bk", "Key": "k", "UploadId": "U"})
    sink = s3_transfer.S3Sink(client, "bk", "k", "s")
    with pytest.raises(Day2Error, match="Checksum mismatch in S3 part 1"):
        sink.write(b"\0" * (8 * MIB))
    sink.abort()


def test_missing_bucket_says_create_it(stubbed):
    client, stub = stubbed
    stub.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
    with pytest.raises(
        Day2Error, match=r"bucket 'nope' does not exist at http://s3.local.*Create it first.*fix s3_bucket"
    ):
        s3_transfer.check_bucket(client, "nope", "http://s3.local")


def test_no_such_bucket_during_upload(stubbed):
    client, stub = stubbed
    stub.add_client_error("put_object", service_error_code="NoSuchBucket", http_status_code=404)
    sink = s3_transfer.S3Sink(client, "gone", "k", "s")
    sink.write(b"x")
    with pytest.raises(Day2Error, match="'gone' does not exist at AWS S3"):
        sink.commit(hashlib.sha256(b"x").hexdigest(), 1)


def test_access_denied_and_bad_credentials(stubbed):
    client, stub = stubbed
    stub.add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    with pytest.raises(Day2Error, match="Access denied to S3 bucket"):
        s3_transfer.check_bucket(client, "bk")
    err = s3_transfer.explain(
        type("E", (Exception,), {"response": {"Error": {"Code": "SignatureDoesNotMatch"}}})(), "bk"
    )
    assert "refused the credentials" in err.msg and "unit-secret" not in err.msg


def test_unreachable_endpoint_message():
    err = s3_transfer.explain(
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9/bk"), "bk", None, "http://127.0.0.1:9"
    )
    assert "Cannot reach S3 at http://127.0.0.1:9" in err.msg and "s3_endpoint_url" in err.msg


@pytest.mark.parametrize("url", ["127.0.0.1:9000", "ftp://host", "http://"])
def test_bad_endpoint_url(url):
    with pytest.raises(Day2Error, match="is not a URL"):
        s3_transfer.check_endpoint_url(url)


def test_good_endpoint_url():
    s3_transfer.check_endpoint_url("https://s3.example.com:9000")
    s3_transfer.check_endpoint_url(None)


def test_signature_v2_refused():
    class FakeAWS:
        params = {"aws_config": {"signature_version": "s3"}, "endpoint_url": None}

        def client(self, *a, **k):  # pragma: no cover - must not be reached
            raise AssertionError("client created")

    with pytest.raises(Day2Error, match="signature version 2"):
        s3_transfer.s3_client(FakeAWS())


def test_s3_client_forces_sigv4_and_retries():
    calls = {}

    class FakeAWS:
        params = {"aws_config": None, "endpoint_url": "http://127.0.0.1:1"}

        def client(self, service, retry_decorator=None, **extra):
            calls.update(service=service, retry=retry_decorator, **extra)
            return "client"

    assert s3_transfer.s3_client(FakeAWS()) == "client"
    assert calls["service"] == "s3" and calls["retry"] is not None
    assert calls["config"].signature_version == "s3v4"


def test_presign_uses_sigv4(stubbed):
    client, _stub = stubbed
    url = s3_transfer.presign(client, "bk", "a/k.db", 600)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=600" in url and "unit-secret" not in url


def test_check_bucket_returns_region(stubbed):
    client, stub = stubbed
    stub.add_response("head_bucket", {"BucketRegion": "eu-west-1"}, {"Bucket": "bk"})
    assert s3_transfer.check_bucket(client, "bk") == "eu-west-1"


def test_presign_in_the_buckets_region(stubbed):
    client, _stub = stubbed
    made = {}

    class FakeAWS:
        def client(self, service, **extra):
            made.update(extra)
            return boto3.client(
                service,
                region_name=extra["region"],
                aws_access_key_id="AKIAUNIT",
                aws_secret_access_key="unit-secret",
                config=extra["config"],
            )

    url = s3_transfer.presign(client, "bk", "k", 60, FakeAWS(), "eu-west-1")
    assert made["region"] == "eu-west-1" and "%2Feu-west-1%2Fs3%2Faws4_request" in url
    same = s3_transfer.presign(client, "bk", "k", 60, FakeAWS(), "us-east-1")
    assert "%2Fus-east-1%2F" in same


def test_abort_without_upload_is_quiet(stubbed):
    client, _stub = stubbed
    sink = s3_transfer.S3Sink(client, "bk", "k", "s")
    sink.write(b"abc")
    sink.abort()
    assert sink._buffer == bytearray()


def test_stub_matches_any_body(stubbed):
    """Guard: the Stubber validates our parameters against the real S3 API model."""
    client, stub = stubbed
    expected = {"Bucket": "bk", "Key": "k", "Body": ANY, "ChecksumAlgorithm": "SHA256", "ChecksumSHA256": ANY}
    stub.add_response("put_object", {"ETag": '"a"'}, dict(expected, Metadata=ANY))
    stub.add_response("head_object", head(b64sha(b"z"), 1), None)
    sink = s3_transfer.S3Sink(client, "bk", "k", "s")
    sink.write(b"z")
    assert sink.commit(hashlib.sha256(b"z").hexdigest(), 1)["bucket"] == "bk"
