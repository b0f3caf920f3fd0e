"""Read-side of reviews: whether an asset's bytes are approved, and a summary for pages and evidence."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from governance.reviews.choices import DecisionKind, ReviewStatus
from governance.reviews.models import Decision, Review

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset


def _approvals_by_stage(review: Review, decisions: list[Decision], sha256: str) -> dict[int, list[Decision]]:
    by_stage: dict[int, list[Decision]] = defaultdict(list)
    for d in decisions:
        if d.round == review.round and d.decision == DecisionKind.APPROVE and d.sha256 == sha256:
            by_stage[d.stage_index].append(d)
    return by_stage


def approved_review(asset: Asset) -> Review | None:
    """The approved review whose every stage has enough approvals of exactly ``asset.sha256``.

    Re-checks the decisions rather than trusting the status alone, so a row edited behind the workflow's
    back (or a decision bound to other bytes) never counts as an approval.
    """
    reviews = list(
        Review.objects.filter(
            asset_id=asset.pk, status=ReviewStatus.APPROVED, sha256=asset.sha256
        ).prefetch_related("decisions")
    )
    for review in reviews:
        by_stage = _approvals_by_stage(review, list(review.decisions.all()), asset.sha256)
        complete = all(
            len({d.reviewer_id for d in by_stage.get(i, []) if d.reviewer_id != review.requested_by_id})
            >= stage["approvals"]
            or (review.kind == "attestation" and by_stage.get(i))
            for i, stage in enumerate(review.stages)
        )
        if complete and review.stages:
            return review
    return None


def decision_dict(d: Decision) -> dict[str, Any]:
    return {
        "stage": d.stage_key,
        "round": d.round,
        "role": d.role,
        "reviewer": d.reviewer_label,
        "decision": d.decision,
        "comment": d.comment,
        "sha256": d.sha256,
        "at": d.created_at.isoformat(),
    }


def stage_states(review: Review, decisions: list[Decision]) -> list[dict[str, Any]]:
    by_stage = _approvals_by_stage(review, decisions, review.sha256)
    states = []
    for i, stage in enumerate(review.stages):
        approvers = [d.reviewer_label for d in by_stage.get(i, [])]
        if len(approvers) >= stage["approvals"]:
            state = "approved"
        elif review.status == ReviewStatus.OPEN and i == review.current_stage:
            state = "current"
        elif review.status == ReviewStatus.OPEN and i > review.current_stage:
            state = "waiting"
        else:
            state = "not_reached" if review.status != ReviewStatus.APPROVED else "approved"
        refused = [
            d
            for d in decisions
            if d.round == review.round and d.stage_index == i and d.decision != DecisionKind.APPROVE
        ]
        if refused:
            state = refused[-1].decision
        states.append(
            {
                "key": stage["key"],
                "role": stage["role"],
                "approvals_needed": stage["approvals"],
                "approved_by": approvers,
                "added_by": stage.get("added_by", "workflow"),
                "state": state,
            }
        )
    return states


def review_dict(review: Review) -> dict[str, Any]:
    decisions = list(review.decisions.all())
    return {
        "id": str(review.pk),
        "kind": review.kind,
        "status": review.status,
        "sha256": review.sha256,
        "round": review.round,
        "current_stage": review.current_stage_key or None,
        "requested_by": review.requested_by.get_username() if review.requested_by else None,
        "comment": review.comment,
        "created_at": review.created_at.isoformat(),
        "updated_at": review.updated_at.isoformat(),
        "closed_at": review.closed_at.isoformat() if review.closed_at else None,
        "stages": stage_states(review, decisions),
        "decisions": [decision_dict(d) for d in decisions],
    }


def summary(asset: Asset) -> dict[str, Any] | None:
    review = (
        Review.objects.filter(asset_id=asset.pk)
        .select_related("requested_by")
        .prefetch_related("decisions")
        .order_by("-created_at", "-id")
        .first()
    )
    if review is None:
        return None
    return {**review_dict(review), "approved": approved_review(asset) is not None}
