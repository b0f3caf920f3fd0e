"""Asset ingest: accepted formats, every class of bad input, listing, download and deletion."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fixtures.images import encode, image_bytes, scene
from photai_dam.assets.models import Asset

URL = "/api/v1/workspaces/acme/assets"


def post_file(member, data: bytes, name: str = "photo.jpg", **fields):
    return member.client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("TIFF", "image/tiff"),
        ("AVIF", "image/avif"),
    ],
)
def test_each_accepted_format_is_stored_with_its_facts(editor, fmt, mime):
    data = image_bytes(fmt, 321, 123)

    response = post_file(editor, data, name="anything.bin", title="Hero")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mime_type"] == mime
    assert (body["width"], body["height"]) == (321, 123)
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["origin"] == "upload"
    assert body["title"] == "Hero"
    assert body["created_by"] == "ed"
    download = editor.client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == mime
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == data


def test_client_filename_never_becomes_a_path(editor, isolated_media):
    response = post_file(editor, image_bytes(), name="../../../etc/evil.jpg")

    assert response.status_code == 201
    asset = Asset.objects.get(pk=response.json()["id"])
    assert ".." not in asset.file.name and "evil" not in asset.file.name
    assert asset.file.name == f"workspaces/{asset.workspace_id}/assets/{asset.pk}.jpg"
    assert all(isolated_media in p.parents for p in stored_files(isolated_media))


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int) -> bytes:
    """A small PNG whose header claims width x height pixels (a decompression bomb)."""
    raw = zlib.compress(b"\x00" * (width + 1) * 16)  # a few rows are enough: the header decides
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", raw)
        + _png_chunk(b"IEND", b"")
    )


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (SVG, 415, "unsupported_media_type"),
        (b"<!doctype html><html><body>hi</body></html>", 415, "unsupported_media_type"),
        (b"%PDF-1.4 not an image at all", 415, "unsupported_media_type"),
        (encode(scene(64, 64), "GIF"), 415, "unsupported_media_type"),
        (image_bytes("PNG") + b"<script>alert(1)</script>", 415, "polyglot_file"),
        (image_bytes("PNG") + b"PK\x03\x04 zip appended", 415, "polyglot_file"),
        (image_bytes("JPEG")[:1500], 400, "truncated_image"),
        (image_bytes("PNG")[:-200], 400, "truncated_image"),
        (png_bomb(10_000, 10_000), 400, "image_too_large"),
        (b"", 400, None),
    ],
    ids=[
        "svg",
        "html",
        "pdf",
        "gif",
        "png+script",
        "png+zip",
        "truncated-jpeg",
        "truncated-png",
        "bomb",
        "empty",
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_stored(editor, isolated_media, data, status, code):
    response = post_file(editor, data)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    if code:
        assert error["code"] == code
    assert error["message"]
    assert Asset.objects.count() == 0
    assert stored_files(isolated_media) == []


def test_files_over_the_size_limit_get_413(editor, settings, isolated_media):
    settings.UPLOAD_MAX_BYTES = 10_000
    data = image_bytes("PNG", 400, 400)
    assert len(data) > 10_000

    response = post_file(editor, data)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert Asset.objects.count() == 0


def test_pixel_limit_is_configurable(editor, settings):
    settings.UPLOAD_MAX_PIXELS = 100 * 100

    response = post_file(editor, image_bytes("JPEG", 101, 100))

    assert response.status_code == 400
    assert response.json()["error"]["details"]["limit_pixels"] == 10_000


def test_a_failed_upload_leaves_earlier_assets_intact(editor, upload):
    first = upload()

    post_file(editor, b"garbage")

    assert [a["id"] for a in editor.client.get(URL).json()["results"]] == [first["id"]]


def test_reviewers_cannot_upload(brand_reviewer):
    response = post_file(brand_reviewer, image_bytes())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_licence_json_is_stored_as_given(editor):
    response = post_file(editor, image_bytes(), licence='{"kind": "owned", "licensor": "Acme"}')

    assert response.status_code == 201
    assert response.json()["licence"]["kind"] == "owned"


def test_list_is_paginated_and_filters_by_origin_and_status(editor, upload):
    for _ in range(3):
        upload()

    page = editor.client.get(URL, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert editor.client.get(URL, {"origin": "upload"}).json()["count"] == 3
    assert editor.client.get(URL, {"origin": "ai_generated"}).json()["count"] == 0
    assert editor.client.get(URL, {"status": "active"}).json()["count"] == 3
    bad = editor.client.get(URL, {"origin": "nonsense"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"


def test_list_query_count_does_not_grow_with_assets(editor, upload, django_assert_max_num_queries):
    for _ in range(5):
        upload()
    # auth token, membership, count, page, parents prefetch, licence prefetch
    with django_assert_max_num_queries(7):
        response = editor.client.get(URL)
    assert response.json()["count"] == 5


def test_delete_removes_the_asset_and_its_file(
    editor, upload, isolated_media, django_capture_on_commit_callbacks
):
    asset = upload()

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.client.delete(f"{URL}/{asset['id']}")

    assert response.status_code == 204
    assert editor.client.get(f"{URL}/{asset['id']}").status_code == 404
    assert stored_files(isolated_media) == []


def test_deleting_an_asset_with_descendants_is_refused(editor, upload):
    from photai_dam.assets.models import AssetParent

    parent, child = upload(), upload()
    AssetParent.objects.create(child_id=child["id"], parent_id=parent["id"])

    response = editor.client.delete(f"{URL}/{parent['id']}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "asset_has_descendants"
    assert editor.client.get(f"{URL}/{parent['id']}").status_code == 200


def test_editors_cannot_delete_someone_elses_asset_but_admins_can(editor2, admin_member, upload):
    asset = upload()

    assert editor2.client.delete(f"{URL}/{asset['id']}").status_code == 403
    assert admin_member.client.delete(f"{URL}/{asset['id']}").status_code == 204


def test_unauthenticated_requests_get_401(client):
    response = client.get(URL)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


def test_download_streams_exact_bytes_of_a_large_image(editor):
    data = encode(Image.effect_noise((1500, 1500), 64).convert("RGB"), "PNG")
    body = post_file(editor, data).json()

    response = editor.client.get(body["download_url"])

    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == body["sha256"]
    assert int(response["Content-Length"]) == len(data)
    assert io.BytesIO(data).getbuffer().nbytes == body["size"]
