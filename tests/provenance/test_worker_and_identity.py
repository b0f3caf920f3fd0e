"""Through a real worker: renditions are watermarked and signed; a signing failure stores nothing.

Also the signing identities: `manage.py ensure_signing_identity`, and a KMS/HSM callback signer.
"""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command

from fixtures.certs import write_test_chain
from fixtures.images import image_bytes
from governance import provenance, watermark
from governance.provenance.models import ProvenanceRecord, WorkspaceSigningIdentity
from photai_dam.assets.models import Asset
from tests.provenance import kms
from tests.provenance.helpers import finalise_and_store, make_job, read_back, spec_for, stored_bytes


def _files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_a_resize_through_the_worker_stores_a_signed_watermarked_rendition(
    editor, upload, worker, wait_for_job, signing_chain
):
    # given an uploaded 640x480 photo
    source = upload(image_bytes("JPEG", 640, 480))

    # when the editor resizes it to fit 400x400 through the API and a real worker
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 400, "height": 400}},
        format="json",
    )
    job = wait_for_job(editor.client, response.json()["id"])

    # then the rendition is signed (opened, resized, watermarked) with the upload as its parent ingredient
    assert job["status"] == "succeeded", job
    rendition = Asset.objects.get(pk=job["outputs"][0])
    data = stored_bytes(rendition)
    report = read_back(data, "image/jpeg", anchors=signing_chain.chain.root_pem.decode())
    assert report["validation_state"] == "Trusted"
    manifest = report["manifests"][report["active_manifest"]]
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"][
        "actions"
    ]
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.resized", "c2pa.watermarked"]
    assert manifest["ingredients"][0]["relationship"] == "parentOf"
    assert manifest["ingredients"][0]["instance_id"] == f"photai:asset:{source['id']}"
    # and its watermark leads back to it through the verify API
    assert watermark.decode_bytes(data, rescale=False) == rendition.provenance.watermark_id
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = editor.client.post(
        "/api/v1/verify", {"file": SimpleUploadedFile("r.jpg", data)}, format="multipart"
    ).json()
    assert body["watermark"]["asset_id"] == str(rendition.pk)
    assert body["record"]["job"] == job["id"]
    assert body["consistent"] is True
    assert provenance.check_asset(rendition) == []


@pytest.mark.django_db(transaction=True)
def test_a_signing_failure_fails_the_job_and_stores_nothing(
    workspace, editor, upload, worker, wait_for_job, tmp_path, isolated_media
):
    # given a workspace whose signing certificate c2pa refuses (a leaf without extended key usage)
    bad = write_test_chain(tmp_path, "no-eku", leaf_eku=False)
    WorkspaceSigningIdentity.objects.create(
        workspace=workspace, cert_chain_path=str(bad.cert_path), private_key_path=str(bad.key_path)
    )
    source = upload(image_bytes("JPEG", 640, 480))
    files_before = _files(isolated_media)
    assets_before = Asset.objects.count()

    # when a resize job runs
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 320, "height": 320}},
        format="json",
    )
    job = wait_for_job(editor.client, response.json()["id"])

    # then the job failed with the signing error, and no asset, record or file was stored
    assert job["status"] == "failed"
    assert job["error"]["code"] == "signing_failed"
    assert job["outputs"] == []
    assert Asset.objects.count() == assets_before
    assert ProvenanceRecord.objects.count() == 0
    assert _files(isolated_media) == files_before


@pytest.mark.django_db
def test_a_missing_identity_fails_with_its_own_code(workspace, editor, settings, tmp_path):
    from fixtures.photos import photo
    from governance import finalise

    settings.C2PA_SIGN_CERT_PATH = str(tmp_path / "absent-chain.pem")
    settings.C2PA_SIGN_KEY_PATH = str(tmp_path / "absent.key")
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")

    with pytest.raises(finalise.FinalisationError) as caught:
        finalise.finalise_output(spec_for(job, photo("coffee.png", (300, 300))))
    assert caught.value.code == "signing_identity_unreadable"


@pytest.mark.django_db
def test_a_kms_callback_signer_signs_without_the_key_in_settings(workspace, editor, settings, tmp_path):
    from fixtures.photos import photo

    # given a key that only the "KMS" holds, and settings that name the callback (no PEM key configured)
    remote = write_test_chain(tmp_path, "kms")
    kms.IDENTITY.update(chain=remote.chain.chain_pem, key=remote.chain.leaf_key_pem, calls=0)
    settings.C2PA_SIGNER_CALLBACK = "tests.provenance.kms.signer_for"
    settings.C2PA_SIGN_KEY_PATH = None
    settings.C2PA_TRUST_ANCHORS = remote.chain.root_pem.decode()
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")

    asset = finalise_and_store(job, spec_for(job, photo("chelsea.png", (300, 300))))

    assert kms.IDENTITY["calls"] == 1
    report = read_back(stored_bytes(asset), "image/jpeg", anchors=remote.chain.root_pem.decode())
    assert report["validation_state"] == "Trusted"
    assert (
        report["manifests"][report["active_manifest"]]["signature_info"]["common_name"] == "PhotAI test kms"
    )
    assert asset.provenance.signer_source == "callback"


@pytest.mark.django_db
def test_ensure_signing_identity_creates_a_trusted_local_chain_once(workspace, editor, settings, tmp_path):
    from fixtures.photos import photo

    folder = tmp_path / "var" / "signing"
    settings.C2PA_IDENTITY_DIR = folder
    settings.C2PA_SIGN_CERT_PATH = str(folder / "chain.pem")
    settings.C2PA_SIGN_KEY_PATH = str(folder / "signer.key")
    settings.C2PA_TRUST_ANCHOR_PATHS = [str(folder / "root.pem")]

    out = io.StringIO()
    call_command("ensure_signing_identity", stdout=out)
    assert "Created a local signing identity" in out.getvalue()
    key_mode = stat.S_IMODE((folder / "signer.key").stat().st_mode)
    assert key_mode == 0o600
    chain_before = (folder / "chain.pem").read_bytes()

    # a second run (every `make run`) keeps the identity
    out = io.StringIO()
    call_command("ensure_signing_identity", stdout=out)
    assert "present" in out.getvalue()
    assert (folder / "chain.pem").read_bytes() == chain_before

    # and outputs signed with it read as Trusted, since its root is the configured anchor
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    asset = finalise_and_store(job, spec_for(job, photo("camera.png", (256, 256))))
    report = read_back(stored_bytes(asset), "image/jpeg", anchors=(folder / "root.pem").read_text())
    assert report["validation_state"] == "Trusted"
    assert asset.provenance.validation_state == "Trusted"
    from cryptography import x509

    leaf = x509.load_pem_x509_certificate(chain_before)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert leaf.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.ECDSA_WITH_SHA256


def test_system_checks_name_signing_misconfiguration(settings, tmp_path):
    from governance.provenance.checks import check_signing_settings

    assert check_signing_settings(None) == []  # the session's identity and anchor are fine

    settings.C2PA_SIGN_CERT_PATH = str(tmp_path / "missing.pem")
    settings.C2PA_TRUST_ANCHOR_PATHS = [str(tmp_path / "missing-root.pem")]
    settings.C2PA_SIGNING_ALG = "md5"
    assert sorted(m.id for m in check_signing_settings(None)) == [
        "provenance.E001",
        "provenance.W001",
        "provenance.W002",
    ]
    settings.C2PA_SIGNER_CALLBACK = "nowhere.signer"
    assert "provenance.E002" in [m.id for m in check_signing_settings(None)]


@pytest.mark.django_db
def test_pem_text_from_the_environment_signs_in_place_of_files(workspace, editor, settings, tmp_path):
    """C2PA_SIGN_CERT / C2PA_SIGN_KEY (or their *_FILE variants, read by photai_dam.env) hold the PEMs."""
    import os

    from fixtures.photos import photo
    from photai_dam.env import env_str

    chain = write_test_chain(tmp_path, "from-env").chain
    secret = tmp_path / "mounted-key.pem"
    secret.write_bytes(chain.leaf_key_pem)
    os.environ["PHOTAI_TEST_SIGN_KEY_FILE"] = str(secret)
    try:
        key_text = env_str("PHOTAI_TEST_SIGN_KEY")  # how settings reads C2PA_SIGN_KEY(_FILE)
    finally:
        del os.environ["PHOTAI_TEST_SIGN_KEY_FILE"]
    settings.C2PA_SIGN_CERT = chain.chain_pem.decode()
    settings.C2PA_SIGN_KEY = key_text
    settings.C2PA_SIGN_CERT_PATH = settings.C2PA_SIGN_KEY_PATH = None
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")

    asset = finalise_and_store(job, spec_for(job, photo("brick.png", (256, 256))))

    report = read_back(stored_bytes(asset), "image/jpeg", anchors=chain.root_pem.decode())
    assert report["validation_state"] == "Trusted"
    assert (
        report["manifests"][report["active_manifest"]]["signature_info"]["common_name"]
        == "PhotAI test from-env"
    )
