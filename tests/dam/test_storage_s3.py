"""The S3 storage path, against a local S3-compatible server (moto in server mode)."""

from __future__ import annotations

import hashlib

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fixtures.images import image_bytes


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket="photai-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "photai-test",
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket="photai-test").get("Contents", []):
        client.delete_object(Bucket="photai-test", Key=item["Key"])


def test_upload_and_download_through_s3(editor, s3_storage):
    data = image_bytes("PNG", 300, 200)

    body = editor.client.post(
        "/api/v1/workspaces/acme/assets", {"file": SimpleUploadedFile("p.png", data)}, format="multipart"
    ).json()

    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket="photai-test")["Contents"]]
    assert keys == [f"workspaces/{editor.user.memberships.get().workspace_id}/assets/{body['id']}.png"]
    stored = s3_storage.get_object(Bucket="photai-test", Key=keys[0])["Body"].read()
    assert stored == data
    download = editor.client.get(body["download_url"])
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == body["sha256"]


def test_a_refused_upload_leaves_nothing_in_the_bucket(editor, s3_storage):
    response = editor.client.post(
        "/api/v1/workspaces/acme/assets",
        {"file": SimpleUploadedFile("x.svg", b"<svg></svg>")},
        format="multipart",
    )

    assert response.status_code == 415
    assert s3_storage.list_objects_v2(Bucket="photai-test").get("KeyCount", 0) == 0
