"""Separation of duties follows lineage: nobody approves a derivative of their own upload or output,
whoever ran the last step — through the API, the queue, the e-mail to the stage and the review page."""

from __future__ import annotations

import pytest
from django.test import Client

from governance import reviews
from governance.reviews.models import Review
from governance.reviews.notify import stage_recipients
from photai_dam.assets.models import Asset

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(make_member, workspace):
    """Uploads sources, and also holds the brand role."""
    return make_member(workspace, "anna", ["editor", "brand_reviewer"])


@pytest.fixture
def carl(make_member, workspace):
    """Edits, and also holds the brand role."""
    return make_member(workspace, "carl", ["editor", "brand_reviewer"])


def _queue(member) -> set[str]:
    response = member.client.get("/api/v1/workspaces/acme/reviews?assigned_to_me=true")
    assert response.status_code == 200, response.content
    return {r["asset"]["id"] for r in response.json()["results"]}


def test_the_uploader_never_approves_what_someone_else_made_of_their_upload(
    anna, editor2, brand_reviewer, upload, make_output, submit, decide
):
    # given A uploads, B resizes it, and someone else submits the result
    source = Asset.objects.get(pk=upload(member=anna)["id"])
    output = make_output(source=source, creator=editor2)
    review = submit(output).json()

    # when A tries to approve
    response = decide(anna, review["id"], "approve", output.sha256)

    # then separation of duties refuses, and nothing was recorded
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "separation_of_duties"
    assert response.json()["error"]["details"]["rule"] == "lineage"
    assert reviews.review_summary(output)["decisions"] == []
    # and A is neither assigned the review nor mailed about it; an uninvolved reviewer is
    assert str(output.pk) not in _queue(anna)
    assert str(output.pk) in _queue(brand_reviewer)
    recipients = {u.username for u in stage_recipients(Review.objects.get(pk=review["id"]))}
    assert recipients == {"brand"}
    # the review page tells A why, and offers no decision
    client = Client()
    client.force_login(anna.user)
    html = client.get(f"/reviews/acme/{review['id']}/").content.decode()
    assert "lineage" in html and 'name="decision"' not in html


def test_every_step_of_a_longer_chain_counts(
    anna, carl, editor2, brand_reviewer, upload, make_output, submit, decide
):
    # given A uploads, B resizes, C edits B's resize
    source = Asset.objects.get(pk=upload(member=anna)["id"])
    resized = make_output(source=source, creator=editor2, seed=1)
    edited = make_output(source=resized, creator=carl, seed=2)
    review = submit(edited).json()

    # then neither the uploader nor an earlier step's author nor the last step's author approves
    for member, rule in ((anna, "lineage"), (carl, "job_creator")):
        response = decide(member, review["id"], "approve", edited.sha256)
        assert response.status_code == 403
        assert response.json()["error"]["details"]["rule"] == rule
    assert str(edited.pk) not in _queue(carl) | _queue(anna)
    # someone outside the lineage does
    assert decide(brand_reviewer, review["id"], "approve", edited.sha256).status_code == 200


def test_an_earlier_step_refuses_and_requests_changes_are_refused_too(
    make_member, workspace, anna, editor2, upload, make_output, submit, decide
):
    b_reviewer = make_member(workspace, "bea", ["editor", "brand_reviewer"])
    source = Asset.objects.get(pk=upload(member=anna)["id"])
    resized = make_output(source=source, creator=b_reviewer, seed=1)
    edited = make_output(source=resized, creator=editor2, seed=2)
    review = submit(edited).json()

    for decision in ("approve", "request_changes", "reject"):
        response = decide(b_reviewer, review["id"], decision, edited.sha256)
        assert response.status_code == 403, decision
        assert response.json()["error"]["details"]["rule"] == "lineage"


def test_an_admin_does_not_attest_their_own_upload(admin_member, upload, submit):
    own = Asset.objects.get(pk=upload(member=admin_member)["id"])

    response = submit(own, member=admin_member, approve_for_use=True)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "separation_of_duties"
    assert response.json()["error"]["details"]["rule"] == "lineage"
    assert reviews.is_approved(own) is False
