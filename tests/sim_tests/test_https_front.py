"""The HTTPS front to moto answers as S3 does: an upload through it is stored whole, and HEAD tells its size."""

import boto3


def test_head_through_the_front_reports_the_stored_size(moto, moto_https):
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_https.endpoint_url,
        verify=moto_https.ca_cert,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="front")
    body = bytes(range(256)) * 4096  # 1 MiB, not a multiple of any chunk size boto3 might pick
    s3.put_object(Bucket="front", Key="snap.db", Body=body)
    assert s3.head_object(Bucket="front", Key="snap.db")["ContentLength"] == len(body)
    assert s3.get_object(Bucket="front", Key="snap.db")["Body"].read() == body
