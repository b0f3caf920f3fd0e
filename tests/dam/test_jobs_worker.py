"""The job lifecycle through a real Dramatiq worker (Redis in CI; the stub broker without services)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from photai_dam.jobs.models import Job, JobOutput

pytestmark = pytest.mark.django_db(transaction=True)


def test_resize_job_runs_on_a_real_worker_and_stores_a_rendition_with_lineage(
    editor, upload, worker, wait_for_job
):
    # given an uploaded 320x240 photo
    source = upload()

    # when the editor asks for a resize to fit 100x100
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 100, "height": 100}},
        format="json",
    )
    assert response.status_code == 202
    # an idle worker may already have taken it by the time the response is written
    assert response.json()["status"] in ("queued", "running", "succeeded")

    # then the worker runs it to completion and the output is a new asset derived from the source
    job = wait_for_job(editor.client, response.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"] == 100
    assert len(job["outputs"]) == 1
    output = editor.client.get(f"/api/v1/workspaces/acme/assets/{job['outputs'][0]}").json()
    assert output["origin"] == "rendition"
    assert output["parents"] == [{"id": source["id"], "relationship": "parentOf"}]
    assert (output["width"], output["height"]) == (100, 75)
    data = editor.client.get(output["download_url"])
    image = Image.open(io.BytesIO(b"".join(data.streaming_content)))
    assert image.size == (100, 75)


def test_a_redelivered_message_does_not_store_a_second_output(editor, upload, broker, worker, wait_for_job):
    from inference.tasks import run_cpu_job

    source = upload()
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 50, "height": 50}},
        format="json",
    )
    job_id = response.json()["id"]
    wait_for_job(editor.client, job_id)

    # when the broker delivers the same job again (as after a lost acknowledgement)
    run_cpu_job.send(job_id)
    broker.join("cpu", timeout=30_000)
    worker.join()

    # then there is still exactly one output
    assert JobOutput.objects.filter(job_id=job_id).count() == 1
    assert Job.objects.get(pk=job_id).status == "succeeded"


def test_an_avif_upload_can_be_resized_into_a_signed_rendition(editor, upload, worker, wait_for_job):
    from fixtures.images import image_bytes

    source = upload(image_bytes("AVIF", 400, 300))

    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 300, "height": 300}},
        format="json",
    )

    job = wait_for_job(editor.client, response.json()["id"])
    assert job["status"] == "succeeded", job
    output = editor.client.get(f"/api/v1/workspaces/acme/assets/{job['outputs'][0]}").json()
    assert output["mime_type"] == "image/png"
    assert (output["width"], output["height"]) == (300, 225)
