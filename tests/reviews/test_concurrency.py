"""Two reviewers deciding the same stage at once on PostgreSQL: exactly one wins, the other gets 409,
and the review, its decisions and the audit chain stay consistent."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from governance import reviews
from governance.audit.chain import verify_chain
from governance.reviews.models import Decision, Review
from tests.plugins.services import require_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_reviewers_deciding_one_stage_at_once(
    make_member, workspace, admin_member, make_output, submit, decide
):
    require_or_skip(connection.vendor == "postgresql", "row-level concurrency needs PostgreSQL")
    # one stage, so whichever decision wins closes the review and the other can only be a 409
    admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"stages": [{"key": "brand", "role": "brand_reviewer", "approvals": 1}]},
        format="json",
    )
    b1 = make_member(workspace, "b1", ["brand_reviewer"])
    b2 = make_member(workspace, "b2", ["brand_reviewer"])
    output = make_output()
    review_id = submit(output).json()["id"]

    for attempt in range(3):  # repeat: each run must end in exactly one winner
        responses = _race(
            [
                lambda rid=review_id, sha=output.sha256: decide(b1, rid, "approve", sha),
                lambda rid=review_id, sha=output.sha256: decide(b2, rid, "reject", sha),
            ]
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "invalid_transition"
        review = Review.objects.get(pk=review_id)
        winner = next(r for r in responses if r.status_code == 200).json()
        assert review.status == winner["status"]
        # only the winner's decision is stored: the loser's was rolled back with its transition
        assert Decision.objects.filter(review_id=review_id).count() == 1
        assert verify_chain() is None
        assert reviews.is_approved(output) is (review.status == "approved")
        output = make_output(seed=10 + attempt)
        review_id = submit(output).json()["id"]


def test_two_submissions_at_once_open_one_review(editor, editor2, make_output, submit):
    require_or_skip(connection.vendor == "postgresql", "row-level concurrency needs PostgreSQL")
    output = make_output()

    responses = _race([lambda: submit(output, member=editor), lambda: submit(output, member=editor2)])

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert Review.objects.filter(asset=output, status="open").count() == 1
