"""Job API: validation before anything is queued, cancellation, the transitions table, failures."""

from __future__ import annotations

import pytest

from photai_dam.jobs import actions
from photai_dam.jobs.choices import TRANSITIONS, JobStatus
from photai_dam.jobs.models import Job

URL = "/api/v1/workspaces/acme/jobs"


def submit(member, **body):
    return member.client.post(URL, body, format="json")


def test_unknown_operation_is_refused_with_422_and_nothing_is_queued(editor, upload):
    response = submit(editor, operation="teleport", inputs=[upload()["id"]], params={})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_operation"
    assert "resize" in response.json()["error"]["details"]["operations"]
    assert Job.objects.count() == 0


def test_invalid_params_get_422_with_field_errors(editor, upload):
    response = submit(
        editor, operation="resize", inputs=[upload()["id"]], params={"width": 0, "colour": "red"}
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_params"
    fields = error["details"]["fields"]
    assert "width" in fields and "params" in fields  # too small; missing height / unexpected key
    assert Job.objects.count() == 0


def test_missing_inputs_are_field_errors(editor):
    response = submit(editor, operation="resize", inputs=[], params={"width": 5, "height": 5})

    assert response.status_code == 422
    assert "inputs" in response.json()["error"]["details"]["fields"]


def test_malformed_input_ids_are_reported_not_crashed_on(editor):
    response = submit(editor, operation="resize", inputs=["not-a-uuid"], params={"width": 5, "height": 5})

    assert response.status_code == 422
    assert response.json()["error"]["details"]["missing"] == ["not-a-uuid"]


def test_reviewers_cannot_create_jobs(brand_reviewer, upload):
    response = submit(
        brand_reviewer, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}
    )
    assert response.status_code == 403


def test_a_queued_job_can_be_cancelled_once(editor, upload):
    job = submit(editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}).json()

    first = editor.client.post(f"{URL}/{job['id']}/cancel")
    second = editor.client.post(f"{URL}/{job['id']}/cancel")

    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    assert second.status_code == 409 and second.json()["error"]["code"] == "invalid_transition"


def test_only_the_creator_or_an_admin_cancels(editor, editor2, admin_member, upload):
    job = submit(editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}).json()

    assert editor2.client.post(f"{URL}/{job['id']}/cancel").status_code == 403
    assert admin_member.client.post(f"{URL}/{job['id']}/cancel").status_code == 200


def test_list_filters_by_status(editor, upload):
    submit(editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5})

    assert editor.client.get(URL, {"status": "queued"}).json()["count"] == 1
    assert editor.client.get(URL, {"status": "succeeded"}).json()["count"] == 0
    assert editor.client.get(URL, {"status": "bogus"}).status_code == 400


def test_the_transitions_table_refuses_moves_it_does_not_list(editor, upload):
    job = Job.objects.get(
        pk=submit(
            editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}
        ).json()["id"]
    )

    with pytest.raises(actions.InvalidTransition):
        actions.transition(job, JobStatus.SUCCEEDED)  # queued -> succeeded skips running
    assert actions.transition(job, JobStatus.RUNNING)
    assert actions.transition(job, JobStatus.SUCCEEDED)
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        assert TRANSITIONS[status] == frozenset()


def test_a_stale_compare_and_swap_changes_nothing(editor, upload):
    job = Job.objects.get(
        pk=submit(
            editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}
        ).json()["id"]
    )
    stale = Job.objects.get(pk=job.pk)
    assert actions.transition(job, JobStatus.CANCELLED)

    # another process still believes the job is queued
    assert actions.transition(stale, JobStatus.RUNNING) is False
    assert Job.objects.get(pk=job.pk).status == "cancelled"


def test_job_creation_is_audited(editor, upload):
    from governance.audit.models import AuditEvent

    job = submit(editor, operation="resize", inputs=[upload()["id"]], params={"width": 5, "height": 5}).json()

    event = AuditEvent.objects.get(action="job.create", object_id=job["id"])
    assert event.actor_label == "ed" and event.data["operation"] == "resize"
