"""Uploads and verify read each format to its end: data that stops before the declared size is refused
(decoders fill it with grey, silently), and archives, markup or other data after the end are refused as
polyglots, while a camera's multi-picture JPEG (MPF) keeps its extra images."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fixtures.images import encode, image_bytes, scene
from photai_dam.assets.models import Asset

pytestmark = pytest.mark.django_db


def _post(member, data: bytes, url: str = "/api/v1/workspaces/acme/assets"):
    return member.client.post(url, {"file": SimpleUploadedFile("photo.jpg", data)}, format="multipart")


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    return error


def _zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.js", "alert(document.cookie)")
    return archive.getvalue()


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG's headers with its scan data cut to 20 bytes and the frame size changed: ~650 bytes
    that Pillow decodes, without an error, into ``width`` x ``height`` pixels of grey."""
    real = image_bytes("JPEG", 256, 256)
    sos = real.index(b"\xff\xda")
    scan = sos + 2 + struct.unpack_from(">H", real, sos + 2)[0]
    crafted = bytearray(real[: scan + 20] + b"\xff\xd9")
    sof = crafted.index(b"\xff\xc0")
    crafted[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(crafted)


def png_declaring(width: int, height: int, rows: int) -> bytes:
    """A PNG whose IHDR says ``width`` x ``height`` but whose compressed data holds ``rows`` rows."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes(width * 3) for _ in range(rows))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def mpo_bytes() -> bytes:
    """A multi-picture JPEG as cameras write it: the photo, then a second JPEG that its MPF index names."""
    primary = scene(400, 300)
    preview = scene(160, 120, seed=1)
    out = io.BytesIO()
    primary.save(out, format="MPO", save_all=True, append_images=[preview])
    return out.getvalue()


# --- truncation -----------------------------------------------------------------------------------------


def test_a_jpeg_whose_scan_data_ends_early_is_refused_at_upload_and_at_verify(editor, isolated_media):
    # given the file: ~650 bytes declaring 7070x7070 (Pillow decodes it without complaint)
    data = jpeg_declaring(7070, 7070)
    assert len(data) < 700
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (7070, 7070)

    error = _refused(_post(editor, data), 400, "truncated_image")
    assert error["details"]["width"] == 7070
    _refused(_post(editor, data, "/api/v1/verify"), 400, "truncated_image")
    assert Asset.objects.count() == 0


def test_a_png_whose_rows_end_early_is_refused(editor):
    data = png_declaring(7000, 7000, rows=1)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # Pillow fills the missing rows with black and says nothing

    _refused(_post(editor, data), 400, "truncated_image")
    _refused(_post(editor, data, "/api/v1/verify"), 400, "truncated_image")


def test_complete_images_of_every_format_are_accepted(editor):
    for data in [
        image_bytes("JPEG"),
        encode(scene(320, 240), "JPEG", progressive=True),
        image_bytes("PNG"),
        png_declaring(64, 48, rows=48),
        image_bytes("WEBP"),
        image_bytes("TIFF"),
    ]:
        response = _post(editor, data)
        assert response.status_code == 201, response.content


# --- polyglots ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "AVIF"])
def test_an_archive_after_the_end_of_any_format_is_refused(fmt, editor, isolated_media):
    data = image_bytes(fmt) + _zip()

    error = _refused(_post(editor, data), 415, "polyglot_file")

    assert error["details"]["found"] == "zip archive"
    assert error["details"]["image_ends_at"] == len(image_bytes(fmt))
    assert Asset.objects.count() == 0


@pytest.mark.parametrize(
    ("trailer", "found"),
    [
        (b"%PDF-1.7\n1 0 obj <<>> endobj", "pdf document"),
        (b"Rar!\x1a\x07\x01\x00" + bytes(32), "rar archive"),
        (b"\x1f\x8b\x08\x00" + bytes(16), "gzip data"),
        (b"<html><body onload=alert(1)>", "markup"),
        (b"anything else that is not padding", "33 bytes of other data"),
    ],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_anything_but_padding_after_a_jpeg_png_or_webp_is_refused(fmt, trailer, found, editor):
    error = _refused(_post(editor, image_bytes(fmt) + trailer), 415, "polyglot_file")
    assert error["details"]["found"] == found


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_zero_padding_after_the_end_is_not_a_polyglot(fmt, editor):
    response = _post(editor, image_bytes(fmt) + bytes(512))
    assert response.status_code == 201, response.content


def test_a_zip_hidden_in_a_jpeg_comment_whose_directory_closes_the_file_is_refused(editor):
    # given a ZIP inside a COM segment, its end-of-directory comment covering the rest of the JPEG:
    # nothing follows EOI, yet unzip opens the file
    jpeg = image_bytes("JPEG")
    archive = bytearray(_zip())
    rest = len(jpeg) - 2  # everything after SOI follows the archive inside the JPEG
    archive[-2:] = struct.pack("<H", rest)  # the EOCD comment now runs to the end of the file
    segment = b"\xff\xfe" + struct.pack(">H", len(archive) + 2) + bytes(archive)
    data = jpeg[:2] + segment + jpeg[2:]
    assert zipfile.ZipFile(io.BytesIO(data)).read("payload.js")

    error = _refused(_post(editor, data), 415, "polyglot_file")
    assert error["details"]["found"] == "zip archive"


def test_a_cameras_multi_picture_jpeg_keeps_its_images(editor, isolated_media):
    # given an MPF file: after the photo's EOI comes a second JPEG that the MPF index names
    data = mpo_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "MPO"
        assert image.n_frames == 2
    first_eoi = data.index(b"\xff\xd9") + 2
    assert data[first_eoi:].startswith(b"\xff\xd8")

    response = _post(editor, data)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mime_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (400, 300)
    stored = editor.client.get(f"/api/v1/workspaces/acme/assets/{body['id']}/download")
    assert b"".join(stored.streaming_content) == data  # the MPF images are kept, byte for byte


def test_a_multi_picture_jpeg_with_an_archive_after_its_last_image_is_refused(editor):
    error = _refused(_post(editor, mpo_bytes() + _zip()), 415, "polyglot_file")
    assert error["details"]["found"] == "zip archive"


def test_an_mpf_index_pointing_past_the_end_is_refused(editor):
    data = mpo_bytes()
    cut = data[: len(data) - 100]  # the second image is cut short; the index still promises all of it

    _refused(_post(editor, cut), 400, "corrupt_image")
