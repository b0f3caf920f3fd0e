"""Every job honours its time limit, native steps included: GrabCut on a crafted image, which ran for
minutes inside OpenCV where Dramatiq's time-limit exception cannot land, is stopped at the deadline."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from tests.inference.helpers import png, submit

LIMIT_S = 1.0
MARGIN_S = 1.5  # killing the child, failing the row, and the poll below


def salt_and_pepper(size: int = 640, seed: int = 0) -> Image.Image:
    """Black and white pixels at random: GrabCut's max-flow on this takes >20 s at 640x640, 10 rounds
    (a photo of the same size: ~1 s)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray((rng.integers(0, 2, (size, size)) * 255).astype(np.uint8)).convert("RGB")


@pytest.fixture
def one_second_limit(broker):
    from inference.tasks import run_cpu_job

    saved = run_cpu_job.options["time_limit"]
    run_cpu_job.options["time_limit"] = int(LIMIT_S * 1000)  # what PHOTAI_JOB_TIME_LIMIT_S=1 sets at start
    yield
    run_cpu_job.options["time_limit"] = saved


@pytest.mark.django_db(transaction=True)
def test_grabcut_on_a_crafted_image_is_stopped_at_the_time_limit(
    editor, upload, one_second_limit, worker, wait_for_job
):
    from photai_dam.jobs.models import Job

    source = upload(png(salt_and_pepper()))
    started = time.monotonic()

    response = submit(editor, "remove_background", inputs=[source["id"]], params={"iterations": 10})
    job = wait_for_job(editor.client, response.json()["id"], timeout=60)

    elapsed = time.monotonic() - started
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "timeout"
    assert job["outputs"] == []
    row = Job.objects.get(pk=job["id"])
    ran = (row.finished_at - row.started_at).total_seconds()
    assert ran <= LIMIT_S + MARGIN_S, f"the job ran {ran:.1f} s against a {LIMIT_S} s limit"
    assert elapsed <= LIMIT_S + MARGIN_S + 2, elapsed  # + upload-to-worker pickup and polling


@pytest.mark.django_db(transaction=True)
def test_native_steps_still_work_within_the_limit(editor, upload, worker, wait_for_job):
    # the same operation on an ordinary image completes through the isolated step
    image = Image.new("RGB", (200, 160), (40, 140, 80))
    image.paste((220, 30, 30), (60, 40, 140, 120))
    source = upload(png(image))

    response = submit(editor, "remove_background", inputs=[source["id"]])
    job = wait_for_job(editor.client, response.json()["id"], timeout=60)

    assert job["status"] == "succeeded", job


def test_the_saliency_default_works_on_a_small_copy_of_any_shape(monkeypatch):
    from inference.operations import classical

    shapes: list[tuple[int, ...]] = []
    real_fft2 = np.fft.fft2

    def fft2(array, *args, **kwargs):
        shapes.append(array.shape)
        assert array.size <= 64 * 64, f"a {array.shape} FFT for a focal point"
        return real_fft2(array, *args, **kwargs)

    monkeypatch.setattr(np.fft, "fft2", fft2)
    # 4 x 60000 pixels: a 64-wide working copy would be 64 x 960000
    focal = classical.saliency_focal_point(Image.new("RGB", (4, 60_000), (200, 200, 200)))

    assert shapes and 0 <= focal[0] <= 1 and 0 <= focal[1] <= 1
