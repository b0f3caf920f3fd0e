"""Finalisation of AI outputs and renditions: what the stored bytes carry, read back with real c2pa-python."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from fixtures.images import image_bytes
from fixtures.photos import photo
from governance import finalise, provenance, watermark
from governance.licensing import record_licence
from governance.provenance.models import ProvenanceRecord
from photai_dam.assets.models import Asset
from tests.provenance.helpers import (
    TINY_MODEL,
    active,
    assertion,
    failures,
    finalise_and_store,
    make_job,
    read_back,
    spec_for,
    stored_bytes,
)

pytestmark = pytest.mark.django_db

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


@pytest.fixture
def anchors(signing_chain) -> str:
    return signing_chain.chain.root_pem.decode()


def test_a_generated_image_carries_a_trusted_manifest_and_a_watermark_naming_it(workspace, editor, anchors):
    # given a text-to-image job whose model produced a 320x320 image
    job = make_job(workspace, editor.user, "text_to_image", prompt="a red lighthouse at dusk")
    spec = spec_for(job, photo("rocket.jpg", (320, 320)))

    # when it is finalised and stored
    asset = finalise_and_store(job, spec)

    # then the stored bytes read back as Trusted, with the generation described
    data = stored_bytes(asset)
    report = read_back(data, "image/jpeg", anchors=anchors)
    assert report["validation_state"] == "Trusted", failures(report)
    manifest = active(report)
    assert manifest["claim_generator_info"][0]["name"] == "photai-dam"
    assert manifest["title"] == f"text_to_image output {asset.pk}"
    actions = assertion(manifest, "c2pa.actions")["actions"]
    assert [a["action"] for a in actions] == ["c2pa.created", "c2pa.watermarked"]
    assert actions[0]["digitalSourceType"] == TRAINED
    assert actions[0]["softwareAgent"] == {"name": "Tiny SD", "version": "rev-7"}
    assert manifest.get("ingredients", []) == []
    training = assertion(manifest, "cawg.training-mining")["entries"]
    assert {entry["use"] for entry in training.values()} == {"notAllowed"}
    generation = assertion(manifest, "com.photai.generation")
    assert generation["job_id"] == str(job.pk)
    assert generation["operation"] == "text_to_image"
    assert generation["model"] == {
        "key": "tiny-sd",
        "name": "Tiny SD",
        "revision": "rev-7",
        "weights_hash": "ab" * 32,
    }
    assert generation["seed"] == 42
    assert generation["prompt_sha256"] == hashlib.sha256(b"a red lighthouse at dusk").hexdigest()
    assert "prompt" not in generation  # the workspace did not opt in
    assert generation["output_asset_id"] == str(asset.pk)
    # and the watermark in the stored pixels maps to this asset through its record
    record = ProvenanceRecord.objects.get(asset=asset)
    assert watermark.decode_bytes(data, rescale=False) == record.watermark_id
    assert record.validation_state == "Trusted"
    assert record.ai_lineage is True
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert provenance.check_asset(asset) == []
    assert provenance.summary(asset)["watermark"]["status"] == "embedded"


def test_the_prompt_text_is_in_the_manifest_only_when_the_workspace_opts_in(workspace, editor, anchors):
    workspace.settings = {"share_prompt_in_manifest": True}
    workspace.save()
    job = make_job(workspace, editor.user, "text_to_image", prompt="a blue boat")

    asset = finalise_and_store(job, spec_for(job, photo("coffee.png", (300, 300))))

    generation = assertion(active(read_back(stored_bytes(asset), "image/jpeg")), "com.photai.generation")
    assert generation["prompt"] == "a blue boat"


def test_an_ai_edit_chain_keeps_each_sources_manifest_as_a_validated_ingredient(
    workspace, editor, anchors, upload
):
    # given a generated image, stored as an asset with its own manifest, and an uploaded mask
    gen_job = make_job(workspace, editor.user, "text_to_image", prompt="a garden")
    generated = finalise_and_store(gen_job, spec_for(gen_job, photo("grass.png", (384, 384))))
    mask = Asset.objects.get(pk=upload(image_bytes("PNG", 384, 384))["id"])

    # when an inpainting edit of it is finalised, and then a rendition of that edit
    edit_job = make_job(workspace, editor.user, "inpaint", prompt="add a bench")
    edited = finalise_and_store(
        edit_job,
        spec_for(
            edit_job,
            photo("gravel.png", (384, 384)),
            sources=[(generated, "source"), (mask, "mask")],
            fmt="PNG",
        ),
    )
    resize_job = make_job(workspace, editor.user, "resize")
    rendition = finalise_and_store(
        resize_job,
        spec_for(
            resize_job,
            photo("gravel.png", (300, 300)),
            kind="classical",
            sources=[(edited, "source")],
            model=None,
            seed=None,
        ),
    )

    # then the edit says opened + edited (composite with trained media), with both inputs as ingredients
    edit_report = read_back(stored_bytes(edited), "image/png", anchors=anchors)
    assert edit_report["validation_state"] == "Trusted", failures(edit_report)
    edit_manifest = active(edit_report)
    actions = assertion(edit_manifest, "c2pa.actions")["actions"]
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited", "c2pa.watermarked"]
    assert actions[1]["digitalSourceType"] == COMPOSITE
    by_relationship = {i["relationship"]: i for i in edit_manifest["ingredients"]}
    assert set(by_relationship) == {"parentOf", "componentOf"}
    # the parent carries its own (validated) manifest; the uploaded mask has none
    parent = by_relationship["parentOf"]
    assert parent["active_manifest"] in edit_report["manifests"]
    assert parent["validation_results"]["activeManifest"]["failure"] == []
    assert "active_manifest" not in by_relationship["componentOf"]
    parent_generation = assertion(
        edit_report["manifests"][parent["active_manifest"]], "com.photai.generation"
    )
    assert parent_generation["output_asset_id"] == str(generated.pk)

    # and the rendition: opened + resized + transcoded (PNG -> JPEG) + watermarked, two levels of history
    report = read_back(stored_bytes(rendition), "image/jpeg", anchors=anchors)
    assert report["validation_state"] == "Trusted", failures(report)
    manifest = active(report)
    assert [a["action"] for a in assertion(manifest, "c2pa.actions")["actions"]] == [
        "c2pa.opened",
        "c2pa.resized",
        "c2pa.transcoded",
        "c2pa.watermarked",
    ]
    assert len(report["manifests"]) == 3  # rendition, edit, generation
    assert [i["relationship"] for i in manifest["ingredients"]] == ["parentOf"]
    assert manifest["ingredients"][0]["validation_results"]["activeManifest"]["failure"] == []
    for asset in (generated, edited, rendition):
        assert provenance.check_asset(asset) == []
    assert ProvenanceRecord.objects.get(asset=rendition).ai_lineage is True


def test_training_and_mining_is_allowed_only_when_every_source_licence_allows_it(workspace, editor, upload):
    allowed = Asset.objects.get(pk=upload(image_bytes("JPEG", 320, 320))["id"])
    record_licence(asset=allowed, data={"kind": "owned", "ai_training_allowed": True}, actor=editor.user)
    job = make_job(workspace, editor.user, "image_to_image", prompt="x")

    asset = finalise_and_store(
        job, spec_for(job, photo("ihc.png", (320, 320)), sources=[(allowed, "source")])
    )
    entries = assertion(active(read_back(stored_bytes(asset), "image/jpeg")), "cawg.training-mining")[
        "entries"
    ]
    assert {e["use"] for e in entries.values()} == {"allowed"}

    # a second source without that permission turns it back to notAllowed
    other = Asset.objects.get(pk=upload(image_bytes("JPEG", 320, 320, seed=3))["id"])
    job2 = make_job(workspace, editor.user, "image_to_image", prompt="x")
    asset2 = finalise_and_store(
        job2, spec_for(job2, photo("ihc.png", (320, 320)), sources=[(allowed, "source"), (other, "mask")])
    )
    entries = assertion(active(read_back(stored_bytes(asset2), "image/jpeg")), "cawg.training-mining")[
        "entries"
    ]
    assert {e["use"] for e in entries.values()} == {"notAllowed"}


@pytest.mark.parametrize(
    ("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_every_output_format_is_signed_and_watermarked(workspace, editor, anchors, fmt, mime):
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    asset = finalise_and_store(job, spec_for(job, photo("astronaut.png", (300, 300)), fmt=fmt))

    data = stored_bytes(asset)
    assert asset.mime_type == mime
    assert read_back(data, mime, anchors=anchors)["validation_state"] == "Trusted"
    assert watermark.decode_bytes(data, rescale=False) == asset.provenance.watermark_id
    # no thumbnail: the manifest adds a few KB, not the ~100 KB-1.2 MB of the default thumbnail
    assert len(data) - len(finalise.encode(Image.open(asset.file.path), fmt, 90)) < 20_000


def test_ai_outputs_too_small_for_the_watermark_fail_with_a_code_and_store_nothing(workspace, editor):
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    before = Asset.objects.count()

    with pytest.raises(finalise.FinalisationError) as caught:
        finalise_and_store(job, spec_for(job, photo("coffee.png", (200, 150))))

    assert caught.value.code == "output_too_small_for_watermark"
    assert Asset.objects.count() == before


def test_a_small_rendition_of_an_upload_is_signed_without_a_watermark(workspace, editor, upload, anchors):
    source = Asset.objects.get(pk=upload()["id"])
    job = make_job(workspace, editor.user, "resize")

    asset = finalise_and_store(
        job,
        spec_for(
            job, photo("coffee.png", (120, 90)), kind="classical", sources=[(source, "source")], model=None
        ),
    )

    assert read_back(stored_bytes(asset), "image/jpeg", anchors=anchors)["validation_state"] == "Trusted"
    assert asset.provenance.watermark_status == "omitted_too_small"
    assert asset.provenance.watermark_id is None
    assert provenance.check_asset(asset) == []


def test_a_small_rendition_of_an_ai_output_is_refused(workspace, editor):
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    generated = finalise_and_store(job, spec_for(job, photo("coffee.png", (300, 300))))
    resize = make_job(workspace, editor.user, "resize")

    with pytest.raises(finalise.FinalisationError) as caught:
        finalise.finalise_output(
            spec_for(
                resize,
                photo("coffee.png", (100, 100)),
                kind="classical",
                sources=[(generated, "source")],
                model=None,
            )
        )
    assert caught.value.code == "output_too_small_for_watermark"


def test_check_asset_reports_changed_bytes_and_missing_provenance(workspace, editor, upload):
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    asset = finalise_and_store(job, spec_for(job, photo("camera.png", (300, 300))))
    plain_upload = Asset.objects.get(pk=upload()["id"])

    # an upload with no manifest has nothing to prove
    assert provenance.check_asset(plain_upload) == []
    assert provenance.summary(plain_upload) == {"recorded": False}

    # bytes changed on disk behind the DAM's back
    original = stored_bytes(asset)
    Path(asset.file.path).write_bytes(original[:-10] + b"\x00" * 10)
    assert [r.code for r in provenance.check_asset(asset)] == ["content_changed"]

    # an AI output whose file lost its manifest (re-encoded), sha256 updated to match: both checks fail
    stripped = finalise.encode(Image.open(io.BytesIO(original)).convert("RGB"), "JPEG", 90)
    Path(asset.file.path).write_bytes(stripped)
    Asset.objects.filter(pk=asset.pk).update(sha256=hashlib.sha256(stripped).hexdigest())
    asset.refresh_from_db()
    assert [r.code for r in provenance.check_asset(asset)] == ["provenance_missing"]


def test_the_manifest_records_the_model_through_the_runner_contract(workspace, editor):
    # ModelInfo is what operations return; its name and revision become the software agent
    job = make_job(workspace, editor.user, "text_to_image", prompt="p")
    asset = finalise_and_store(job, spec_for(job, photo("cell.png", (256, 256)), model=TINY_MODEL))
    summary = provenance.summary(asset)
    assert summary["manifest"]["actions"][0]["softwareAgent"] == {"name": "Tiny SD", "version": "rev-7"}
    assert summary["manifest"]["generation"]["model"]["key"] == "tiny-sd"
