"""POST /api/v1/verify and manage.py verify_asset: tampering, stripped metadata, trust, membership."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from fixtures.photos import photo
from governance.provenance import verify_bytes
from governance.provenance.models import WorkspaceSigningIdentity
from tests.provenance.helpers import finalise_and_store, make_job, spec_for, stored_bytes

pytestmark = pytest.mark.django_db


def _verify(member, data: bytes, name: str = "file.jpg"):
    return member.client.post("/api/v1/verify", {"file": SimpleUploadedFile(name, data)}, format="multipart")


@pytest.fixture
def generated(workspace, editor):
    job = make_job(workspace, editor.user, "text_to_image", prompt="a quiet harbour")
    asset = finalise_and_store(job, spec_for(job, photo("hubble_deep_field.jpg", (320, 320))))
    return asset, stored_bytes(asset), job


def test_a_member_sees_the_manifest_the_watermark_and_the_record(editor, generated):
    asset, data, job = generated

    response = _verify(editor, data)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"c2pa", "watermark", "record", "consistent"}
    c2pa = body["c2pa"]
    assert set(c2pa) == {
        "present",
        "validation_state",
        "failures",
        "digital_source_type",
        "actions",
        "signer",
        "generator",
        "ingredients",
    }
    assert c2pa["present"] is True
    assert c2pa["validation_state"] == "Trusted"
    assert c2pa["failures"] == []
    assert c2pa["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert [a["action"] for a in c2pa["actions"]] == ["c2pa.created", "c2pa.watermarked"]
    assert c2pa["signer"]["common_name"] == "PhotAI test service"
    assert c2pa["generator"].startswith("photai-dam ")
    assert body["watermark"] == {"present": True, "asset_id": str(asset.pk)}
    assert body["consistent"] is True
    record = body["record"]
    assert record["asset"] == str(asset.pk)
    assert record["workspace"] == "acme"
    assert record["job"] == str(job.pk)
    assert record["model"]["key"] == "tiny-sd"
    assert record["same_bytes"] is True
    assert "review" in record and "publications" in record


def test_another_workspaces_member_gets_no_record(outsider, generated):
    asset, data, _ = generated

    body = _verify(outsider, data).json()

    assert body["record"] is None
    assert body["watermark"] == {"present": True, "asset_id": str(asset.pk)}
    assert body["c2pa"]["validation_state"] == "Trusted"


def test_flipped_pixel_bytes_read_as_invalid(editor, generated):
    _, data, _ = generated
    scan_end = data.rindex(b"\xff\xd9")
    # 4 flipped bits inside the entropy-coded scan, at places where the JPEG still decodes (a flip that
    # breaks the Huffman stream makes it no image at all, refused as such before any verification)
    for start in range(40, 4000, 37):
        damaged = bytearray(data)
        for offset in (start, start + 40, start + 80, start + 120):
            damaged[scan_end - offset] ^= 0x01
        try:
            Image.open(io.BytesIO(bytes(damaged))).load()
            break
        except OSError:
            continue

    body = _verify(editor, bytes(damaged)).json()

    assert body["c2pa"]["validation_state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in [f["code"] for f in body["c2pa"]["failures"]]


def test_an_edited_manifest_reads_as_invalid(editor, generated):
    asset, data, _ = generated
    # rewrite the output asset id inside our assertion, keeping the length (a forger's minimal edit)
    forged = data.replace(str(asset.pk).encode(), str(uuid.uuid4()).encode())
    assert forged != data

    body = _verify(editor, forged).json()

    assert body["c2pa"]["validation_state"] == "Invalid"
    assert "assertion.hashedURI.mismatch" in [f["code"] for f in body["c2pa"]["failures"]]


def test_a_reencoded_copy_without_metadata_is_still_traced_by_its_watermark(editor, generated):
    asset, data, _ = generated
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buffer, format="JPEG", quality=85)

    body = _verify(editor, buffer.getvalue()).json()

    assert body["c2pa"]["present"] is False
    assert body["watermark"] == {"present": True, "asset_id": str(asset.pk)}
    assert body["record"]["asset"] == str(asset.pk)
    assert body["record"]["same_bytes"] is False
    assert body["consistent"] is False  # nothing to be consistent with: the manifest is gone


def test_an_untrusted_chain_reads_as_valid_and_becomes_trusted_with_its_anchor(
    workspace, editor, settings, tmp_path
):
    from fixtures.certs import write_test_chain

    # given a workspace that signs with its own chain, whose root is not a trust anchor
    own = write_test_chain(tmp_path, "acme-brand")
    WorkspaceSigningIdentity.objects.create(
        workspace=workspace, cert_chain_path=str(own.cert_path), private_key_path=str(own.key_path)
    )
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    data = stored_bytes(finalise_and_store(job, spec_for(job, photo("coins.png", (300, 300)))))

    untrusted = _verify(editor, data).json()["c2pa"]
    assert untrusted["validation_state"] == "Valid"
    assert "signingCredential.untrusted" in [f["code"] for f in untrusted["failures"]]
    assert untrusted["signer"]["common_name"] == "PhotAI test acme-brand"

    # when its root is added as a trust anchor
    settings.C2PA_TRUST_ANCHORS = own.chain.root_pem.decode()
    trusted = _verify(editor, data).json()["c2pa"]
    assert trusted["validation_state"] == "Trusted"
    assert trusted["failures"] == []


def test_a_plain_photo_has_neither_manifest_nor_watermark(editor):
    buffer = io.BytesIO()
    photo("coffee.png").save(buffer, format="PNG")

    body = _verify(editor, buffer.getvalue(), "coffee.png").json()

    assert body["c2pa"]["present"] is False
    assert body["watermark"] == {"present": False, "asset_id": None}
    assert body["record"] is None
    assert body["consistent"] is False


def test_bad_requests_get_codes(editor, client):
    assert (
        _verify(editor, b"<svg onload=alert(1)>", "x.svg").json()["error"]["code"] == "unsupported_media_type"
    )
    missing = editor.client.post("/api/v1/verify", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "file_required"
    anonymous = client.post("/api/v1/verify", {"file": SimpleUploadedFile("a.jpg", b"x")}, format="multipart")
    assert anonymous.status_code in (401, 403)


def test_the_command_prints_the_same_json_as_the_api(editor, outsider, generated, tmp_path):
    _, data, _ = generated
    path = tmp_path / "out.jpg"
    path.write_bytes(data)
    out = io.StringIO()

    call_command("verify_asset", str(path), stdout=out)

    assert json.loads(out.getvalue()) == _verify(editor, data).json()
    # and with --as-user the membership rule of the API applies
    out = io.StringIO()
    call_command("verify_asset", str(path), "--as-user", "mallory", stdout=out)
    assert json.loads(out.getvalue())["record"] is None


def test_verify_bytes_is_the_shared_entry_point(generated, outsider):
    asset, data, _ = generated
    assert verify_bytes(data, user=outsider.user)["watermark"]["asset_id"] == str(asset.pk)
