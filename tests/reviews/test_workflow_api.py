"""The review workflow through the API: stages in order, separation of duties, hash binding, every
403 and 409 path, withdraw, reopen and revoke (which unpublish), admin attestation of uploads."""

from __future__ import annotations

import pytest

from governance import ports, reviews
from governance.audit.models import AuditEvent
from photai_dam.assets.models import Asset

pytestmark = pytest.mark.django_db


def _error(response) -> str:
    return response.json()["error"]["code"]


def test_an_output_passes_brand_then_legal_and_only_then_is_approved(
    editor, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    # given an output of a job that editor2 ran, submitted by the editor
    output = make_output()
    response = submit(output, comment="hero banner")
    assert response.status_code == 201, response.content
    review = response.json()
    assert review["status"] == "open"
    assert review["current_stage"] == "brand"
    assert [s["key"] for s in review["stages"]] == ["brand", "legal"]
    assert reviews.is_approved(output) is False

    # when brand approves
    response = decide(brand_reviewer, review["id"], "approve", output.sha256, "on brand")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "open"
    assert response.json()["current_stage"] == "legal"
    assert reviews.is_approved(output) is False

    # and legal approves
    response = decide(legal_reviewer, review["id"], "approve", output.sha256)
    assert response.status_code == 200

    # then the exact bytes are approved and the summary names who approved each stage
    body = response.json()
    assert body["status"] == "approved"
    assert reviews.is_approved(output) is True
    summary = reviews.review_summary(output)
    assert summary is not None and summary["approved"] is True
    assert [(s["key"], s["approved_by"]) for s in summary["stages"]] == [
        ("brand", ["brand"]),
        ("legal", ["legal"]),
    ]
    actions = list(AuditEvent.objects.filter(object_id=review["id"]).values_list("action", flat=True))
    assert actions == ["review.submit", "review.approve", "review.approve"]


def test_list_filters_by_status_stage_and_assigned_to_me(
    editor, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    first, second = make_output(seed=1), make_output(seed=2)
    r1 = submit(first).json()
    submit(second)
    decide(brand_reviewer, r1["id"], "approve", first.sha256)

    def ids(member, query):
        response = member.client.get(f"/api/v1/workspaces/acme/reviews?{query}")
        assert response.status_code == 200, response.content
        return {r["asset"]["id"] for r in response.json()["results"]}

    assert ids(brand_reviewer, "stage=legal") == {str(first.pk)}
    assert ids(brand_reviewer, "stage=brand") == {str(second.pk)}
    assert ids(brand_reviewer, "assigned_to_me=true") == {str(second.pk)}
    assert ids(legal_reviewer, "assigned_to_me=true") == {str(first.pk)}
    assert ids(editor, "assigned_to_me=true") == set()  # the requester is never assigned
    assert ids(editor, "status=open") == {str(first.pk), str(second.pk)}
    assert ids(editor, "status=approved") == set()
    response = editor.client.get("/api/v1/workspaces/acme/reviews?status=bogus")
    assert response.status_code == 400 and _error(response) == "invalid_filter"


def test_the_requester_never_approves_their_own_request(make_member, workspace, make_output, submit, decide):
    # given an editor who also holds the brand role submits an output
    both = make_member(workspace, "ed-brand", ["editor", "brand_reviewer"])
    output = make_output()
    review = submit(output, member=both).json()

    # when they try to approve it
    response = decide(both, review["id"], "approve", output.sha256)

    # then separation of duties refuses, and nothing was recorded
    assert response.status_code == 403
    assert _error(response) == "separation_of_duties"
    assert response.json()["error"]["details"]["rule"] == "requester"
    assert reviews.review_summary(output)["decisions"] == []


def test_whoever_created_the_job_never_approves_its_output(
    make_member, workspace, make_output, submit, decide
):
    creator = make_member(workspace, "maker", ["editor", "brand_reviewer"])
    output = make_output(creator=creator)
    review = submit(output).json()  # submitted by someone else

    response = decide(creator, review["id"], "approve", output.sha256)

    assert response.status_code == 403
    assert response.json()["error"]["details"]["rule"] == "job_creator"


def test_one_person_approves_at_most_one_stage_by_default(
    make_member, workspace, make_output, submit, decide
):
    both = make_member(workspace, "two-hats", ["brand_reviewer", "legal_reviewer"])
    output = make_output()
    review = submit(output).json()
    assert decide(both, review["id"], "approve", output.sha256).status_code == 200

    response = decide(both, review["id"], "approve", output.sha256)

    assert response.status_code == 403
    assert response.json()["error"]["details"]["rule"] == "one_stage_per_person"
    assert reviews.is_approved(output) is False


def test_one_stage_per_person_can_be_turned_off(
    admin_member, make_member, workspace, make_output, submit, decide
):
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings", {"one_stage_per_person": False}, format="json"
    )
    assert response.status_code == 200 and response.json()["one_stage_per_person"] is False
    both = make_member(workspace, "two-hats", ["brand_reviewer", "legal_reviewer"])
    output = make_output()
    review = submit(output).json()

    assert decide(both, review["id"], "approve", output.sha256).status_code == 200
    assert decide(both, review["id"], "approve", output.sha256).json()["status"] == "approved"
    assert reviews.is_approved(output) is True


def test_a_member_without_the_stage_role_gets_403(
    editor2, legal_reviewer, admin_member, make_output, submit, decide
):
    output = make_output()
    review = submit(output).json()
    for member in (legal_reviewer, admin_member, editor2):
        response = decide(member, review["id"], "approve", output.sha256)
        assert response.status_code == 403, member.user.username
        assert _error(response) in ("permission_denied", "separation_of_duties")
    assert _error(decide(legal_reviewer, review["id"], "approve", output.sha256)) == "permission_denied"


def test_a_decision_about_other_bytes_is_409_hash_mismatch(brand_reviewer, make_output, submit, decide):
    output = make_output()
    review = submit(output).json()

    response = decide(brand_reviewer, review["id"], "approve", "0" * 64)

    assert response.status_code == 409
    assert _error(response) == "hash_mismatch"
    assert response.json()["error"]["details"]["expected"] == output.sha256
    assert reviews.review_summary(output)["current_stage"] == "brand"


def test_deciding_a_closed_review_is_409_invalid_transition(
    brand_reviewer, legal_reviewer, make_output, submit, decide
):
    output = make_output()
    review = submit(output).json()
    assert (
        decide(brand_reviewer, review["id"], "request_changes", output.sha256, "logo too small").json()[
            "status"
        ]
        == "changes_requested"
    )

    response = decide(legal_reviewer, review["id"], "approve", output.sha256)

    assert response.status_code == 409
    assert _error(response) == "invalid_transition"


def test_a_second_decision_by_the_same_reviewer_on_a_stage_is_409(
    make_member, workspace, make_output, submit, decide, admin_member
):
    admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"stages": [{"key": "brand", "role": "brand_reviewer", "approvals": 2}]},
        format="json",
    )
    reviewer = make_member(workspace, "b1", ["brand_reviewer"])
    output = make_output()
    review = submit(output).json()
    assert decide(reviewer, review["id"], "approve", output.sha256).json()["status"] == "open"

    response = decide(reviewer, review["id"], "approve", output.sha256)

    assert response.status_code == 409
    assert _error(response) == "already_decided"


def test_a_stage_that_needs_two_approvals_waits_for_two_people(
    make_member, workspace, admin_member, make_output, submit, decide
):
    admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"stages": [{"key": "brand", "role": "brand_reviewer", "approvals": 2}]},
        format="json",
    )
    b1 = make_member(workspace, "b1", ["brand_reviewer"])
    b2 = make_member(workspace, "b2", ["brand_reviewer"])
    output = make_output()
    review = submit(output).json()
    assert [s["key"] for s in review["stages"]] == ["brand"]

    assert decide(b1, review["id"], "approve", output.sha256).json()["status"] == "open"
    assert reviews.is_approved(output) is False
    assert decide(b2, review["id"], "approve", output.sha256).json()["status"] == "approved"
    assert reviews.is_approved(output) is True


def test_at_most_one_open_review_per_asset(editor, editor2, make_output, submit):
    output = make_output()
    assert submit(output).status_code == 201

    response = submit(output, member=editor2)

    assert response.status_code == 409
    assert _error(response) == "review_open"


def test_the_partial_unique_constraint_holds_even_behind_the_actions(editor, make_output, submit):
    from django.db import IntegrityError, transaction

    from governance.reviews.models import Review

    output = make_output()
    submit(output)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(workspace=output.workspace, asset=output, sha256=output.sha256, stages=[])


def test_an_approved_asset_cannot_be_submitted_again(
    brand_reviewer, legal_reviewer, make_output, submit, decide
):
    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)

    response = submit(output)

    assert response.status_code == 409
    assert _error(response) == "already_approved"


def test_the_requester_withdraws_and_may_then_resubmit(
    editor, editor2, brand_reviewer, make_output, submit, decide
):
    output = make_output()
    review = submit(output).json()
    url = f"/api/v1/workspaces/acme/reviews/{review['id']}/withdraw"

    # another editor may not withdraw someone else's request
    response = editor2.client.post(url, {}, format="json")
    assert response.status_code == 403 and _error(response) == "permission_denied"

    response = editor.client.post(url, {"comment": "wrong crop"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"

    # withdrawing twice, or deciding a withdrawn review, is an invalid transition
    assert _error(editor.client.post(url, {}, format="json")) == "invalid_transition"
    assert decide(brand_reviewer, review["id"], "approve", output.sha256).status_code == 409
    # and the asset can be submitted afresh
    assert submit(output).status_code == 201


def test_an_admin_revoking_an_approval_unpublishes_the_asset(
    monkeypatch, admin_member, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    calls = []

    def unpublish_asset(asset, *, reason, actor=None):
        calls.append((asset.pk, reason, actor.username if actor else None))
        return 2

    # integrations implements governance's withdrawal port; the test observes that revocation calls it
    monkeypatch.setattr(ports.withdraw_everywhere, "implementation", unpublish_asset)
    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)
    assert reviews.is_approved(output)

    # a reviewer cannot revoke; an admin can
    assert decide(legal_reviewer, review["id"], "reject", output.sha256).status_code == 409
    response = decide(admin_member, review["id"], "reject", output.sha256, "model licence withdrawn")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert reviews.is_approved(output) is False
    assert calls == [(output.pk, "approval revoked: model licence withdrawn", "boss")]
    event = AuditEvent.objects.filter(action="review.revoke").get()
    assert event.data["unpublished"] == 2


def test_an_admin_reopens_an_approved_review_for_a_new_round(
    monkeypatch, admin_member, editor, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    calls = []
    monkeypatch.setattr(
        ports.withdraw_everywhere,
        "implementation",
        lambda asset, *, reason, actor=None: calls.append(reason) or 0,
    )
    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)
    url = f"/api/v1/workspaces/acme/reviews/{review['id']}/reopen"

    response = editor.client.post(url, {}, format="json")
    assert response.status_code == 403

    response = admin_member.client.post(url, {"comment": "new guidelines"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["round"], body["current_stage"]) == ("open", 2, "brand")
    assert reviews.is_approved(output) is False
    assert calls == ["review reopened: new guidelines"]
    # the previous round's approvals do not count: brand must approve again
    assert decide(brand_reviewer, review["id"], "approve", output.sha256).json()["current_stage"] == "legal"
    # reopening an open review is an invalid transition
    assert admin_member.client.post(url, {}, format="json").status_code == 409


def test_admins_may_mark_uploads_approved_for_use_but_not_ai_outputs(
    admin_member, editor, upload, make_output, submit
):
    uploaded = Asset.objects.get(pk=upload()["id"])

    response = submit(uploaded, member=editor, approve_for_use=True)
    assert response.status_code == 403

    response = submit(uploaded, member=admin_member, approve_for_use=True, comment="stock, licensed")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["kind"] == "attestation"
    assert reviews.is_approved(uploaded) is True

    output = make_output()
    response = submit(output, member=admin_member, approve_for_use=True)
    assert response.status_code == 422
    assert _error(response) == "review_required"
    assert reviews.is_approved(output) is False


def test_policy_can_add_a_stage(monkeypatch, editor, legal_reviewer, admin_member, make_output, submit):
    from governance import policy

    admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"stages": [{"key": "brand", "role": "brand_reviewer", "approvals": 1}]},
        format="json",
    )
    output = make_output()
    monkeypatch.setattr(
        policy, "extra_review_stages", lambda asset: ["legal_reviewer"] if asset.pk == output.pk else []
    )

    review = submit(output).json()

    assert [(s["key"], s["added_by"]) for s in review["stages"]] == [
        ("brand", "workflow"),
        ("legal", "policy"),
    ]


def test_outsiders_get_404_for_everything(outsider, make_output, submit):
    output = make_output()
    review = submit(output).json()
    base = "/api/v1/workspaces/acme"
    assert outsider.client.get(f"{base}/reviews").status_code == 404
    assert outsider.client.get(f"{base}/reviews/{review['id']}").status_code == 404
    response = outsider.client.post(
        f"{base}/reviews/{review['id']}/decisions",
        {"decision": "approve", "sha256": output.sha256},
        format="json",
    )
    assert response.status_code == 404
    assert outsider.client.post(f"{base}/assets/{output.pk}/reviews", {}, format="json").status_code == 404
    # and another workspace's review id is not found from one's own workspace either
    assert outsider.client.get(f"/api/v1/workspaces/globex/reviews/{review['id']}").status_code == 404


def test_bad_decision_bodies_are_400(brand_reviewer, make_output, submit):
    output = make_output()
    review = submit(output).json()
    url = f"/api/v1/workspaces/acme/reviews/{review['id']}/decisions"
    response = brand_reviewer.client.post(url, {"decision": "maybe", "sha256": output.sha256}, format="json")
    assert response.status_code == 400 and _error(response) == "invalid"
    response = brand_reviewer.client.post(url, {"decision": "approve", "sha256": "short"}, format="json")
    assert response.status_code == 400


def test_settings_are_admin_only_and_the_webhook_secret_is_never_returned(admin_member, editor):
    url = "/api/v1/workspaces/acme/review-settings"
    assert editor.client.get(url).status_code == 403
    assert editor.client.put(url, {"one_stage_per_person": False}, format="json").status_code == 403

    response = admin_member.client.put(
        url,
        {"webhook_url": "https://cms.example/hooks/photai", "webhook_secret": "s3cret-s3cret-s3cret"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["webhook_secret_set"] is True
    assert "s3cret" not in response.content.decode()
    assert "s3cret" not in admin_member.client.get(url).content.decode()
    event = AuditEvent.objects.filter(action="settings.reviews").last()
    assert event.data["changed"]["webhook_secret"] == "set"
    assert "s3cret" not in str(event.data)

    response = admin_member.client.put(url, {"stages": [{"key": "Brand!", "role": "nobody"}]}, format="json")
    assert response.status_code == 400 and _error(response) == "invalid_stages"


def test_revoking_takes_a_live_publication_down(
    admin_member, brand_reviewer, legal_reviewer, make_output, submit, decide, live_publication
):
    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)
    publication = live_publication(output)

    response = decide(admin_member, review["id"], "reject", output.sha256, "wrong model")

    assert response.status_code == 200
    publication.refresh_from_db()
    assert publication.status == "unpublishing"
    assert publication.unpublish_reason == "approval revoked: wrong model"
    assert AuditEvent.objects.filter(action="review.revoke").get().data["unpublished"] == 1
    assert AuditEvent.objects.filter(action="publication.unpublish", object_id=str(publication.pk)).exists()


def test_an_approval_is_bound_to_the_bytes_it_was_given_for(
    brand_reviewer, legal_reviewer, make_output, submit, decide
):
    from photai_dam.assets.models import Asset as AssetModel

    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)
    assert reviews.is_approved(output) is True

    # when the asset's bytes are no longer those that were approved (e.g. the file was replaced)
    AssetModel.objects.filter(pk=output.pk).update(sha256="e" * 64)
    output.refresh_from_db()

    # then the approval no longer counts
    assert reviews.is_approved(output) is False
    assert reviews.review_summary(output)["approved"] is False


def test_attestations_cannot_be_repeated_or_reopened(admin_member, upload, submit):
    uploaded = Asset.objects.get(pk=upload()["id"])
    review = submit(uploaded, member=admin_member, approve_for_use=True).json()

    response = submit(uploaded, member=admin_member, approve_for_use=True)
    assert response.status_code == 409 and _error(response) == "already_approved"
    response = admin_member.client.post(
        f"/api/v1/workspaces/acme/reviews/{review['id']}/reopen", {}, format="json"
    )
    assert response.status_code == 409 and _error(response) == "invalid_transition"


def test_revoking_names_the_bytes_too(
    admin_member, brand_reviewer, legal_reviewer, make_output, submit, decide
):
    output = make_output()
    review = submit(output).json()
    decide(brand_reviewer, review["id"], "approve", output.sha256)
    decide(legal_reviewer, review["id"], "approve", output.sha256)

    response = decide(admin_member, review["id"], "reject", "1" * 64)

    assert response.status_code == 409 and _error(response) == "hash_mismatch"
    assert reviews.is_approved(output) is True


def test_the_review_list_costs_the_same_queries_for_many_reviews(brand_reviewer, make_output, submit, decide):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = brand_reviewer.client.get("/api/v1/workspaces/acme/reviews?assigned_to_me=true")
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()["count"]

    for seed in range(2):
        submit(make_output(seed=seed))
    few, count_few = queries_for_list()
    for seed in range(2, 6):
        review = submit(make_output(seed=seed)).json()
    decide(brand_reviewer, review["id"], "request_changes", review["sha256"])
    many, count_many = queries_for_list()

    assert (count_few, count_many) == (2, 5)
    assert many == few


def test_someone_who_approved_one_stage_is_not_assigned_the_next(
    make_member, workspace, make_output, submit, decide
):
    both = make_member(workspace, "two-hats", ["brand_reviewer", "legal_reviewer"])
    output = make_output()
    review = submit(output).json()
    url = "/api/v1/workspaces/acme/reviews?assigned_to_me=true"
    assert both.client.get(url).json()["count"] == 1

    decide(both, review["id"], "approve", output.sha256)

    assert both.client.get(url).json()["count"] == 0  # legal must be someone else
