"""``share_prompts = false`` (review settings) hides a job's prompt from everyone but the person who asked
for the job and the workspace's admins: in the jobs API, on the review page, in the manifest summary shown
there. They see the prompt's SHA-256 instead, so two people can still tell whether they mean the same one."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from photai_dam.jobs.models import Job

pytestmark = pytest.mark.django_db

PROMPT = "teaser for the unannounced Model Z launch"
NEGATIVE = "no competitor logos"


@pytest.fixture
def prompts_private(admin_member):
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings", {"share_prompts": False}, format="json"
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def secret_job(make_output, editor2):
    """An output of a generative job that editor2 asked for, with a prompt and a negative prompt."""
    output = make_output(prompt=PROMPT, kind="generative", creator=editor2)
    job = Job.objects.get(output_links__asset=output)
    Job.objects.filter(pk=job.pk).update(params={"negative_prompt": NEGATIVE, "steps": 4})
    return output, job


def _job(member, job_id):
    response = member.client.get(f"/api/v1/workspaces/acme/jobs/{job_id}")
    assert response.status_code == 200, response.content
    return response.json()


def _listed(member, job_id):
    response = member.client.get("/api/v1/workspaces/acme/jobs")
    assert response.status_code == 200, response.content
    return next(j for j in response.json()["results"] if j["id"] == str(job_id))


def test_reviewers_and_other_editors_get_only_the_prompts_hash(
    prompts_private, secret_job, brand_reviewer, legal_reviewer, editor
):
    _, job = secret_job

    for member in (brand_reviewer, legal_reviewer, editor):
        for body in (_job(member, job.pk), _listed(member, job.pk)):
            assert body["prompt"] is None
            assert body["prompt_sha256"] == hashlib.sha256(PROMPT.encode()).hexdigest()
            assert "negative_prompt" not in body["params"] and body["params"]["steps"] == 4
        raw = member.client.get("/api/v1/workspaces/acme/jobs").content.decode()
        assert PROMPT not in raw and NEGATIVE not in raw


def test_the_requester_and_admins_still_see_it(prompts_private, secret_job, editor2, admin_member):
    _, job = secret_job

    for member in (editor2, admin_member):
        body = _job(member, job.pk)
        assert body["prompt"] == PROMPT
        assert body["params"]["negative_prompt"] == NEGATIVE


def test_shared_prompts_are_shown_to_every_member(secret_job, brand_reviewer):
    _, job = secret_job

    body = _job(brand_reviewer, job.pk)

    assert body["prompt"] == PROMPT and body["params"]["negative_prompt"] == NEGATIVE


@pytest.fixture
def manifest_carries_prompts(workspace):
    """The workspace also writes prompts into the C2PA manifest (which the review page shows)."""
    workspace.settings = {**(workspace.settings or {}), "share_prompt_in_manifest": True}
    workspace.save()


def test_the_review_page_follows_the_same_rule(
    manifest_carries_prompts, prompts_private, secret_job, submit, brand_reviewer, editor2
):
    output, _ = secret_job
    assert output.provenance.manifest["generation"]["prompt"] == PROMPT
    review = submit(output).json()

    def page(member) -> str:
        client = Client()
        client.force_login(member.user)
        response = client.get(f"/reviews/acme/{review['id']}/")
        assert response.status_code == 200
        return response.content.decode()

    assert PROMPT not in page(brand_reviewer)
    assert hashlib.sha256(PROMPT.encode()).hexdigest() in page(brand_reviewer)
    assert PROMPT in page(editor2)


def test_without_a_prompt_sharing_policy_start_up_stops(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from photai_dam import ports

    monkeypatch.setattr(ports.workspace_shares_prompts, "implementation", None)

    with pytest.raises(SystemCheckError, match=r"photai\.E010.*workspace_shares_prompts"):
        call_command("check")
