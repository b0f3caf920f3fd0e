"""Failures on the worker: permanent errors fail the job with a code; transient ones are retried."""

from __future__ import annotations

import pytest

from inference.errors import TransientJobError
from photai_dam.assets.models import Asset
from photai_dam.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(editor, asset_id: str) -> str:
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [asset_id], "params": {"width": 20, "height": 20}},
        format="json",
    )
    assert response.status_code == 202
    return response.json()["id"]


def test_an_unreadable_input_fails_the_job_permanently_and_stores_nothing(
    editor, upload, worker, wait_for_job
):
    source = upload()
    asset = Asset.objects.get(pk=source["id"])
    asset.file.storage.delete(asset.file.name)  # the stored file vanished (e.g. bucket lifecycle rule)

    job = wait_for_job(editor.client, _submit(editor, source["id"]))

    assert job["status"] == "failed"
    assert job["error"]["code"] == "input_unreadable"
    assert job["outputs"] == []
    assert Asset.objects.count() == 1


def test_a_transient_error_is_retried_and_then_succeeds(editor, upload, worker, wait_for_job, monkeypatch):
    import inference.runner as runner

    calls = {"n": 0}
    real = runner._load_inputs

    def flaky(job):
        calls["n"] += 1
        if calls["n"] == 1:
            raise TransientJobError("storage_unavailable", "storage timed out")
        return real(job)

    monkeypatch.setattr(runner, "_load_inputs", flaky)
    from inference.tasks import run_cpu_job

    run_cpu_job.options["min_backoff"] = 10
    run_cpu_job.options["max_backoff"] = 20
    try:
        job = wait_for_job(editor.client, _submit(editor, upload()["id"]))
    finally:
        run_cpu_job.options["min_backoff"] = 1_000
        run_cpu_job.options["max_backoff"] = 60_000

    assert job["status"] == "succeeded", job
    assert calls["n"] == 2
    assert Job.objects.get(pk=job["id"]).attempts == 2
    assert len(job["outputs"]) == 1
