"""Every generative operation end to end: API -> Dramatiq worker -> production loader -> stored outputs.

The models are tiny random-weight pipelines saved with ``save_pretrained`` (tests/plugins/inference.py),
so the images are noise; what is checked is what a user observes: outputs stored as new assets with
lineage, sizes, the model, revision, weights hash and seed recorded on the job.
"""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image, ImageDraw

from inference import pipelines
from photai_dam.jobs.models import Job, JobOutput
from tests.inference.helpers import asset, download, png, run_job, submit

pytestmark = pytest.mark.django_db(transaction=True)

OWNED = json.dumps({"kind": "owned"})


def _photo(width: int = 320, height: int = 256) -> bytes:
    image = Image.new("RGB", (width, height), (40, 120, 200))
    ImageDraw.Draw(image).ellipse(
        [width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(220, 60, 40)
    )
    return png(image)


def _mask(width: int = 320, height: int = 256) -> bytes:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rectangle([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=255)
    return png(mask)


def _assert_model_recorded(job: dict, key: str, tiny_model_root) -> None:
    assert job["model"]["key"] == key
    assert job["model"]["revision"] == "test-1"
    task = {"tiny-sd": "text_to_image", "tiny-inpaint": "inpainting", "tiny-upscaler": "upscaling"}[key]
    assert job["model"]["weights_hash"] == pipelines.weights_hash(tiny_model_root / f"tiny-{task}")
    assert re.fullmatch(r"[0-9a-f]{64}", job["model"]["weights_hash"])
    assert job["seed"] is not None


def test_text_to_image_stores_an_ai_generated_asset_with_model_and_seed(
    editor, tiny_models, tiny_model_root, worker, wait_for_job
):
    # when the editor generates a 64x48 image with a given seed
    job = run_job(
        editor,
        wait_for_job,
        "text_to_image",
        params={"model": "tiny-sd", "width": 320, "height": 256, "steps": 2, "seed": 1234},
        prompt="a red bicycle on a beach",
    )

    # then one output is stored, generated from nothing, at the requested size, and the job says what ran
    assert job["status"] == "succeeded", job
    assert job["progress"] == 100
    assert len(job["outputs"]) == 1
    output = asset(editor, job["outputs"][0])
    assert output["origin"] == "ai_generated"
    assert output["parents"] == []
    assert (output["width"], output["height"]) == (320, 256)
    image, _ = download(editor, job["outputs"][0])
    assert image.size == (320, 256)
    _assert_model_recorded(job, "tiny-sd", tiny_model_root)
    assert job["seed"] == 1234


def test_a_job_without_model_or_seed_runs_the_default_model_and_records_a_drawn_seed(
    editor, tiny_models, worker, wait_for_job
):
    response = submit(editor, "text_to_image", params={"width": 256, "height": 256}, prompt="a lighthouse")
    assert response.status_code == 202, response.content
    # the saved job names the model that will run, so policy and reviewers see it before it runs
    assert response.json()["params"]["model"] == "tiny-sd"

    job = wait_for_job(editor.client, response.json()["id"], timeout=120)

    assert job["status"] == "succeeded", job
    assert job["model"]["key"] == "tiny-sd"
    assert 0 <= job["seed"] < 2**32
    # the model's default_params applied (2 steps) below the job's own
    assert Job.objects.get(pk=job["id"]).params.get("steps") is None


def test_image_to_image_keeps_lineage_to_its_source(
    editor, upload, tiny_models, tiny_model_root, worker, wait_for_job
):
    source = upload(_photo(), licence=OWNED)

    job = run_job(
        editor,
        wait_for_job,
        "image_to_image",
        inputs=[source["id"]],
        params={"strength": 0.5, "steps": 2, "seed": 7},
        prompt="the same scene at dusk",
    )

    assert job["status"] == "succeeded", job
    output = asset(editor, job["outputs"][0])
    assert output["origin"] == "ai_edited"
    assert output["parents"] == [{"id": source["id"], "relationship": "parentOf"}]
    assert (output["width"], output["height"]) == (320, 256)
    _assert_model_recorded(job, "tiny-sd", tiny_model_root)


def test_inpaint_uses_source_and_mask_and_keeps_the_size(
    editor, upload, tiny_models, tiny_model_root, worker, wait_for_job
):
    source = upload(_photo(), licence=OWNED)
    mask = upload(_mask(), licence=OWNED)

    job = run_job(
        editor,
        wait_for_job,
        "inpaint",
        inputs=[source["id"], mask["id"]],
        params={"steps": 2, "seed": 3},
        prompt="a potted plant",
    )

    assert job["status"] == "succeeded", job
    output = asset(editor, job["outputs"][0])
    assert output["origin"] == "ai_edited"
    assert [p["id"] for p in output["parents"]] == [source["id"], mask["id"]]
    assert (output["width"], output["height"]) == (320, 256)
    _assert_model_recorded(job, "tiny-inpaint", tiny_model_root)


def test_variants_store_n_outputs_from_one_batch(editor, tiny_models, worker, wait_for_job):
    job = run_job(
        editor,
        wait_for_job,
        "variants",
        params={"count": 3, "seed": 100, "steps": 2, "width": 256, "height": 256},
        prompt="a product shot of a sneaker",
    )

    assert job["status"] == "succeeded", job
    assert len(job["outputs"]) == 3
    assert job["seed"] == 100  # the first variant's; variant i ran with seed 100 + i
    images = [download(editor, output_id)[0].convert("RGB").tobytes() for output_id in job["outputs"]]
    assert len(set(images)) == 3, "each variant ran on its own seed"


def test_variants_of_a_source_image(editor, upload, tiny_models, worker, wait_for_job):
    source = upload(_photo(), licence=OWNED)

    job = run_job(
        editor,
        wait_for_job,
        "variants",
        inputs=[source["id"]],
        params={"count": 2, "steps": 2, "strength": 0.7},
        prompt="in autumn colours",
    )

    assert job["status"] == "succeeded", job
    assert len(job["outputs"]) == 2
    for output_id in job["outputs"]:
        assert asset(editor, output_id)["parents"] == [{"id": source["id"], "relationship": "parentOf"}]


def test_upscale_x4_makes_the_source_four_times_larger(
    editor, upload, tiny_models, tiny_model_root, worker, wait_for_job
):
    source = upload(_photo(64, 64), licence=OWNED)

    job = run_job(editor, wait_for_job, "upscale_x4", inputs=[source["id"]], params={"steps": 2})

    assert job["status"] == "succeeded", job
    output = asset(editor, job["outputs"][0])
    assert (output["width"], output["height"]) == (256, 256)
    assert output["parents"] == [{"id": source["id"], "relationship": "parentOf"}]
    _assert_model_recorded(job, "tiny-upscaler", tiny_model_root)


def test_the_second_job_on_a_model_pays_no_load(editor, tiny_models, worker, wait_for_job):
    # given a cold pipeline cache
    pipelines.cache.clear()

    # when two jobs run on the same model
    for seed in (1, 2):
        job = run_job(
            editor, wait_for_job, "text_to_image", params={"model": "tiny-sd", "seed": seed}, prompt="a cat"
        )
        assert job["status"] == "succeeded", job

    # then the model was loaded once and served warm the second time
    stats = pipelines.cache.stats()
    assert stats["loads"] == 1
    assert stats["misses"] == 1
    assert stats["hits"] == 1
    assert [e["model"].split("@")[0] for e in stats["entries"]] == ["tiny-sd"]


def test_a_model_disabled_after_the_job_was_accepted_fails_it_permanently(
    editor, tiny_models, broker, wait_for_job
):
    import dramatiq
    from django.conf import settings

    from inference.embedded_worker import detach

    # given an accepted job, then the admin disables its model before a worker picks it up
    response = submit(editor, "text_to_image", params={"model": "tiny-sd"}, prompt="a boat")
    assert response.status_code == 202, response.content
    tiny_models["tiny-sd"].enabled = False
    tiny_models["tiny-sd"].save()

    # when a worker runs it
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS)
    worker.start()
    try:
        job = wait_for_job(editor.client, response.json()["id"], timeout=60)
    finally:
        detach(worker)

    # then it failed once, with a code, and was not retried
    assert job["status"] == "failed"
    assert job["error"]["code"] == "model_unavailable"
    assert job["attempts"] == 1
    assert not JobOutput.objects.filter(job_id=job["id"]).exists()


def test_a_model_whose_folder_disappeared_fails_with_model_not_found(
    editor, tiny_models, tiny_model_root, worker, wait_for_job, tmp_path
):
    from inference.models import ModelRecord

    missing = tiny_model_root / "gone"
    ModelRecord.objects.create(
        key="gone",
        name="Gone",
        local_path=str(missing),
        pipeline_task="text_to_image",
        licence_id="apache-2.0",
        commercial_use_allowed=True,
    )

    job = run_job(editor, wait_for_job, "text_to_image", params={"model": "gone"}, prompt="x")

    assert job["status"] == "failed"
    assert job["error"]["code"] == "model_not_found"
    assert job["outputs"] == []
