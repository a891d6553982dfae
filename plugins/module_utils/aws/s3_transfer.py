# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming S3 upload with SHA256 checksums, SigV4 only.

Bytes arrive in chunks of any size; at most one part (plus one chunk) is held in memory. A stream
shorter than one part is sent with a single PutObject, longer ones with a multipart upload whose
every part carries its ChecksumSHA256. After completion the object's checksum as stored by S3
(HeadObject with ChecksumMode=ENABLED) must equal the one computed here, else the object is deleted.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlparse

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

try:
    import botocore.exceptions
    from botocore.config import Config
except ImportError:  # reported by AnsibleAWSModule's own boto3 check
    Config = None

try:
    from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
except ImportError:
    AWSRetry = None

MIB = 1024 * 1024
MIN_PART_SIZE = 8 * MIB
MAX_PARTS = 10000


def b64(digest):
    return base64.b64encode(digest).decode("ascii")


def part_size_for(size_hint):
    """8 MiB parts, larger (in whole MiB) when a large snapshot would need more than ~9000 parts."""
    if not size_hint:
        return MIN_PART_SIZE
    needed = -(-int(size_hint * 1.25) // (MAX_PARTS - 1000))
    return max(MIN_PART_SIZE, -(-needed // MIB) * MIB)


def check_endpoint_url(url):
    """Refuse an endpoint URL boto3 would misuse, with a message saying what is expected."""
    if url is None:
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Day2Error(
            "s3_endpoint_url %r is not a URL: give http(s)://host[:port] of the S3-compatible store, or omit it "
            "for AWS S3." % url
        )


def s3_client(aws_module):
    """An S3 client from amazon.aws's AnsibleAWSModule: its auth options, retries, and SigV4 forced."""
    aws_config = aws_module.params.get("aws_config") or {}
    if str(aws_config.get("signature_version", "s3v4")).lower() not in ("s3v4", "v4"):
        raise Day2Error("aws_config.signature_version must be s3v4: signature version 2 is deprecated and refused.")
    check_endpoint_url(aws_module.params.get("endpoint_url"))
    config = Config(signature_version="s3v4", connect_timeout=10, read_timeout=120, retries={"max_attempts": 3})
    return aws_module.client("s3", retry_decorator=AWSRetry.jittered_backoff(), config=config)


def error_code(exc):
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def explain(exc, bucket, key=None, endpoint_url=None):
    """A Day2Error for a botocore exception: what went wrong and what to do. Never includes credentials."""
    where = endpoint_url or "AWS S3"
    code = error_code(exc)
    if code == "NoSuchBucket" or (key is None and code in ("404", "NotFound")):
        return Day2Error(
            "S3 bucket %r does not exist at %s. Create it first (for example with amazon.aws.s3_bucket) or fix "
            "s3_bucket." % (bucket, where)
        )
    if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
        return Day2Error(
            "Access denied to S3 bucket %r at %s: the credentials need s3:PutObject, s3:GetObject and "
            "s3:AbortMultipartUpload on it (and kms:GenerateDataKey for aws:kms)." % (bucket, where)
        )
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
        return Day2Error(
            "S3 refused the credentials (%s). Check aws_access_key / aws_secret_key / aws_session_token or profile."
            % code
        )
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return Day2Error(
            "No AWS credentials found: set aws_access_key and aws_secret_key, profile, or AWS_* variables."
        )
    if isinstance(exc, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)):
        return Day2Error("Cannot reach S3 at %s: %s. Check s3_endpoint_url / s3_region and the network." % (where, exc))
    message = getattr(exc, "response", {}).get("Error", {}).get("Message") if code else str(exc)
    return Day2Error(
        "S3 error on bucket %r%s at %s: %s %s" % (bucket, " key %r" % key if key else "", where, code, message)
    )


def check_bucket(client, bucket, endpoint_url=None):
    """Fail before any snapshot is taken when the bucket is missing or not ours; returns the bucket's region."""
    try:
        answer = client.head_bucket(Bucket=bucket, aws_retry=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise explain(exc, bucket, endpoint_url=endpoint_url)
    return answer.get("BucketRegion")


def presign(client, bucket, key, expiry, aws_module=None, bucket_region=None):
    """A SigV4 presigned GET URL. SigV4 signs for one region, so presign in the bucket's own region (uploads
    follow S3's region redirects by themselves; a URL signed for the wrong region would be refused)."""
    if aws_module is not None and bucket_region and bucket_region != client.meta.region_name:
        config = Config(signature_version="s3v4")
        client = aws_module.client("s3", region=bucket_region, config=config)
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(expiry))


class S3Sink:
    """A Delivery sink uploading to s3://bucket/key."""

    name = "s3"

    def __init__(self, client, bucket, key, sha256, size_hint=None, sse=None, kms_key_id=None, endpoint_url=None):
        self.client = client
        self.bucket = bucket
        self.key = key
        self.endpoint_url = endpoint_url
        self.part_size = part_size_for(size_hint)
        self.extra = {"Metadata": {"sha256": sha256}}
        if sse:
            self.extra["ServerSideEncryption"] = sse
        if kms_key_id:
            self.extra["SSEKMSKeyId"] = kms_key_id
        self._buffer = bytearray()
        self._parts = []
        self._digests = []
        self.upload_id = None

    def _call(self, method, **kwargs):
        try:
            return getattr(self.client, method)(Bucket=self.bucket, Key=self.key, aws_retry=True, **kwargs)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise explain(exc, self.bucket, self.key, self.endpoint_url)

    def write(self, chunk):
        self._buffer += chunk
        while len(self._buffer) >= self.part_size:
            part = bytes(self._buffer[: self.part_size])
            del self._buffer[: self.part_size]
            self._upload_part(part)

    def _upload_part(self, data):
        if self.upload_id is None:
            started = self._call("create_multipart_upload", ChecksumAlgorithm="SHA256", **self.extra)
            self.upload_id = started["UploadId"]
        number = len(self._parts) + 1
        if number > MAX_PARTS:
            raise Day2Error("The snapshot needs more than %d S3 parts; this should not happen." % MAX_PARTS)
        digest = hashlib.sha256(data).digest()
        answer = self._call(
            "upload_part",
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=b64(digest),
        )
        stored = answer.get("ChecksumSHA256")
        if stored and stored != b64(digest):
            raise Day2Error(
                "Checksum mismatch in S3 part %d: sent %s, S3 stored %s. Nothing was kept."
                % (number, b64(digest), stored)
            )
        self._digests.append(digest)
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": b64(digest)})

    def commit(self, sha256, size):
        if self.upload_id is None:
            data = bytes(self._buffer)
            self._buffer = bytearray()
            expected = b64(hashlib.sha256(data).digest())
            answer = self._call(
                "put_object", Body=data, ChecksumAlgorithm="SHA256", ChecksumSHA256=expected, **self.extra
            )
            checksum = expected
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
                self._buffer = bytearray()
            answer = self._call(
                "complete_multipart_upload", UploadId=self.upload_id, MultipartUpload={"Parts": self._parts}
            )
            self.upload_id = None
            # S3's checksum of a multipart object: sha256 of the parts' digests, suffixed with the part count.
            expected = b64(hashlib.sha256(b"".join(self._digests)).digest())
            checksum = "%s-%d" % (expected, len(self._parts))
        self._verify_landed(expected, checksum, size)
        return {
            "bucket": self.bucket,
            "key": self.key,
            "endpoint_url": self.endpoint_url,
            "etag": (answer.get("ETag") or "").strip('"'),
            "checksum_sha256": checksum,
            "version_id": answer.get("VersionId"),
            "parts": max(1, len(self._parts)),
        }

    def _verify_landed(self, expected, checksum, size):
        head = self._call("head_object", ChecksumMode="ENABLED")
        stored = head.get("ChecksumSHA256")
        problem = None
        if not stored:
            problem = "S3 did not return a SHA256 checksum for the object, so it cannot be verified"
        elif stored.split("-")[0] != expected:
            problem = "S3 stored checksum %s but %s was sent" % (stored, checksum)
        elif head.get("ContentLength") != size:
            problem = "S3 stored %s bytes but %d were sent" % (head.get("ContentLength"), size)
        if problem:
            self._delete_quietly()
            raise Day2Error(
                "Checksum mismatch at s3://%s/%s: %s. The object was deleted; the snapshot is NOT backed up to S3. "
                "Use an S3 store that supports SHA256 checksums." % (self.bucket, self.key, problem)
            )

    def _delete_quietly(self):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key, aws_retry=True)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            pass

    def abort(self):
        if self.upload_id is not None:
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, aws_retry=True
                )
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                pass
            self.upload_id = None
        self._buffer = bytearray()
