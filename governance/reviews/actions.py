"""State changes of reviews: submit, decide, withdraw, reopen, revoke; and the workflow settings.

Every action has one shape: first it checks (permissions, the review's state, separation of duties, the
bytes' hash) and raises a typed error, with nothing changed; then it executes inside one
``transaction.atomic()``: a compare-and-swap on the review's ``version``, the audit event, and e-mail and
webhooks scheduled after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from governance import audit, ports
from governance.reviews import is_approved, tasks, workflow
from governance.reviews.choices import TRANSITIONS, DecisionKind, ReviewKind, ReviewStatus
from governance.reviews.models import Decision, Review, WebhookDelivery, WorkflowSettings
from governance.reviews.separation import excluded_by_lineage
from photai_dam import outbound
from photai_dam.api.errors import ApiError, Conflict, Unprocessable
from photai_dam.assets.choices import Origin
from photai_dam.assets.models import Asset
from photai_dam.workspaces.access import WorkspaceAccess
from photai_dam.workspaces.choices import Role


class SeparationOfDuties(ApiError):
    """403 ``separation_of_duties``: this person may not decide this review (I2); ``rule`` says why."""

    status_code = 403

    def __init__(self, rule: str, message: str) -> None:
        super().__init__("separation_of_duties", message, details={"rule": rule})


class InvalidReviewTransition(Conflict):
    """409 ``invalid_transition``: the review's status does not allow the change asked for."""

    def __init__(self, review: Review, wanted: str, message: str | None = None, **details: str) -> None:
        super().__init__(
            "invalid_transition",
            message or f"A review that is {review.status} cannot become {wanted}.",
            details={"status": review.status, "wanted": wanted, **details},
        )


def _transition(review: Review, new_status: str, **fields: Any) -> None:
    """Compare-and-swap ``review`` to ``new_status``; 409 when the table forbids it or someone was first."""
    if new_status not in TRANSITIONS[review.status]:
        raise InvalidReviewTransition(review, new_status)
    now = timezone.now()
    if new_status != ReviewStatus.OPEN and new_status != ReviewStatus.APPROVED:
        fields.setdefault("closed_at", now)
    if new_status != ReviewStatus.OPEN:
        fields.setdefault("current_stage_key", "")
        fields.setdefault("current_role", "")
    changed = Review.objects.filter(pk=review.pk, status=review.status, version=review.version).update(
        status=new_status, version=F("version") + 1, updated_at=now, **fields
    )
    if not changed:
        raise InvalidReviewTransition(
            review,
            new_status,
            "The review changed while this request was being handled; reload it and decide again.",
            reason="concurrent_change",
        )
    review.refresh_from_db()


def check_separation(review: Review, user: Any, decision: str) -> None:
    """403 ``separation_of_duties`` when ``user`` may not decide ``review`` (I2)."""
    if review.requested_by_id == user.pk:
        raise SeparationOfDuties("requester", "You asked for this review; someone else must decide it.")
    check_lineage(review.asset, user)
    if decision == DecisionKind.APPROVE and review.one_stage_per_person:
        approved_elsewhere = (
            Decision.objects.filter(
                review=review, round=review.round, reviewer=user, decision=DecisionKind.APPROVE
            )
            .exclude(stage_index=review.current_stage)
            .values_list("stage_key", flat=True)
            .first()
        )
        if approved_elsewhere:
            raise SeparationOfDuties(
                "one_stage_per_person",
                f"You already approved the {approved_elsewhere} stage; another person must approve this one.",
            )


def check_lineage(asset: Asset, user: Any) -> None:
    """403 when ``user`` uploaded or made ``asset`` or anything it derives from, or ran any step of it."""
    rule = excluded_by_lineage(asset).get(user.pk)
    if rule == "job_creator":
        raise SeparationOfDuties(
            "job_creator", "You created the job that made this asset; someone else must decide it."
        )
    if rule is not None:
        raise SeparationOfDuties(
            "lineage",
            "You uploaded or made an asset in this asset's lineage, or ran one of its steps; "
            "someone else must decide it.",
        )


# --- submit ---------------------------------------------------------------------------------------------


def submit_for_review(
    access: WorkspaceAccess, asset: Asset, *, comment: str = "", approve_for_use: bool = False
) -> Review:
    """Open a review of ``asset`` with the workflow's stages, or (admins, uploads) attest it approved."""
    access.require_role(Role.EDITOR, Role.ADMIN)
    if approve_for_use:
        return _attest_upload(access, asset, comment=comment)
    user = access.membership.user
    if is_approved(asset):
        raise Conflict(
            "already_approved", "These exact bytes are already approved.", details={"sha256": asset.sha256}
        )
    open_review = (
        Review.objects.filter(asset=asset, status=ReviewStatus.OPEN).values_list("pk", flat=True).first()
    )
    if open_review:
        raise Conflict(
            "review_open", "The asset already has an open review.", details={"review": str(open_review)}
        )
    stages, one_stage_per_person = workflow.stages_for(asset)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                workspace=access.workspace,
                asset=asset,
                stages=stages,
                current_stage=0,
                current_stage_key=stages[0]["key"],
                current_role=stages[0]["role"],
                sha256=asset.sha256,
                one_stage_per_person=one_stage_per_person,
                requested_by=user,
                comment=comment,
            )
            audit.record(
                review,
                "review.submit",
                actor=user,
                data={
                    "asset": str(asset.pk),
                    "sha256": asset.sha256,
                    "stages": [s["key"] for s in stages],
                    "policy_stages": [s["key"] for s in stages if s.get("added_by") == "policy"],
                },
            )
            _after_change(review, "review.submitted", notify_stage=True)
    except IntegrityError:
        # Two submissions raced; the partial unique constraint let only one open review exist.
        raise Conflict("review_open", "The asset already has an open review.") from None
    return review


def _attest_upload(access: WorkspaceAccess, asset: Asset, *, comment: str) -> Review:
    access.require_role(Role.ADMIN)
    if asset.origin != Origin.UPLOAD:
        raise Unprocessable(
            "review_required",
            "AI outputs and renditions must go through the review workflow.",
            details={"origin": asset.origin},
        )
    if is_approved(asset):
        raise Conflict(
            "already_approved", "These exact bytes are already approved.", details={"sha256": asset.sha256}
        )
    if Review.objects.filter(asset=asset, status=ReviewStatus.OPEN).exists():
        raise Conflict("review_open", "The asset has an open review; decide or withdraw it first.")
    user = access.membership.user
    check_lineage(asset, user)  # an attestation is an approval: never of one's own upload
    stage = {"key": "admin", "role": Role.ADMIN.value, "approvals": 1}
    with transaction.atomic():
        review = Review.objects.create(
            workspace=access.workspace,
            asset=asset,
            kind=ReviewKind.ATTESTATION,
            status=ReviewStatus.APPROVED,
            stages=[stage],
            sha256=asset.sha256,
            one_stage_per_person=False,
            requested_by=user,
            comment=comment,
        )
        Decision.objects.create(
            review=review,
            round=review.round,
            stage_index=0,
            stage_key="admin",
            role=Role.ADMIN,
            reviewer=user,
            reviewer_label=user.get_username(),
            decision=DecisionKind.APPROVE,
            comment=comment,
            sha256=asset.sha256,
        )
        audit.record(
            review,
            "review.attest",
            actor=user,
            data={"asset": str(asset.pk), "sha256": asset.sha256, "comment": comment},
        )
        _after_change(review, "review.approved")
    return review


# --- decide ---------------------------------------------------------------------------------------------


def decide(
    access: WorkspaceAccess, review: Review, *, decision: str, comment: str = "", sha256: str
) -> Review:
    """Record a reviewer's decision on the review's current stage and move the review on."""
    if decision not in DecisionKind.values:
        raise ApiError("invalid_decision", f"decision must be one of {DecisionKind.values}.")
    review = Review.objects.select_related("asset", "workspace").get(pk=review.pk)
    if (
        review.status == ReviewStatus.APPROVED
        and decision == DecisionKind.REJECT
        and access.has_role(Role.ADMIN)
    ):
        return revoke(access, review, comment=comment, sha256=sha256)
    stage = _check_decision(access, review, decision, sha256)
    user = access.membership.user
    with transaction.atomic():
        try:
            with transaction.atomic():
                Decision.objects.create(
                    review=review,
                    round=review.round,
                    stage_index=review.current_stage,
                    stage_key=stage["key"],
                    role=stage["role"],
                    reviewer=user,
                    reviewer_label=user.get_username(),
                    decision=decision,
                    comment=comment,
                    sha256=sha256,
                )
        except IntegrityError:
            raise Conflict(
                "already_decided", f"You already decided the {stage['key']} stage of this review."
            ) from None
        fields: dict[str, Any] = {}
        new_status: str
        event = f"review.{decision}"
        if decision == DecisionKind.APPROVE:
            approvals = Decision.objects.filter(
                review=review,
                round=review.round,
                stage_index=review.current_stage,
                decision=DecisionKind.APPROVE,
                sha256=review.asset.sha256,
            ).count()
            if approvals < stage["approvals"]:
                new_status, moved = ReviewStatus.OPEN, False
            elif review.current_stage + 1 < len(review.stages):
                following = review.stages[review.current_stage + 1]
                new_status, moved = ReviewStatus.OPEN, True
                fields.update(
                    current_stage=review.current_stage + 1,
                    current_stage_key=following["key"],
                    current_role=following["role"],
                )
            else:
                new_status, moved = ReviewStatus.APPROVED, False
        else:
            new_status, moved = _target_of(decision), False
        decided_stage = stage["key"]
        _transition(review, new_status, **fields)
        audit.record(
            review,
            event,
            actor=user,
            data={
                "asset": str(review.asset_id),
                "stage": decided_stage,
                "sha256": sha256,
                "comment": comment,
                "status": review.status,
                "next_stage": review.current_stage_key or None,
            },
        )
        webhook_event: str = {
            ReviewStatus.APPROVED: "review.approved",
            ReviewStatus.CHANGES_REQUESTED: "review.changes_requested",
            ReviewStatus.REJECTED: "review.rejected",
        }.get(ReviewStatus(review.status), "review.stage_approved" if moved else "review.decision")
        _after_change(review, webhook_event, notify_stage=moved)
    return review


def _check_decision(access: WorkspaceAccess, review: Review, decision: str, sha256: str) -> dict[str, Any]:
    """The open stage ``access``'s member may decide now; a typed error otherwise (nothing is written)."""
    if review.status != ReviewStatus.OPEN:
        raise InvalidReviewTransition(
            review, _target_of(decision), f"The review is {review.status}; it takes no decisions."
        )
    stage = review.stage
    if stage is None:  # an open review past its last stage: only a corrupted row gets here
        raise InvalidReviewTransition(review, _target_of(decision), "The review has no stage left to decide.")
    if not access.has_role(stage["role"]):
        raise ApiError(
            "permission_denied",
            f"The {stage['key']} stage is decided by the {stage['role']} role.",
            status_code=403,
            details={"required_roles": [stage["role"]], "stage": stage["key"]},
        )
    check_separation(review, access.membership.user, decision)
    _check_hash(review, sha256)
    return stage


def _target_of(decision: str) -> str:
    targets: dict[str, str] = {
        DecisionKind.APPROVE: ReviewStatus.APPROVED,
        DecisionKind.REQUEST_CHANGES: ReviewStatus.CHANGES_REQUESTED,
        DecisionKind.REJECT: ReviewStatus.REJECTED,
    }
    return targets[decision]


def _check_hash(review: Review, sha256: str) -> None:
    asset_sha = review.asset.sha256
    if sha256 != asset_sha or review.sha256 != asset_sha:
        raise Conflict(
            "hash_mismatch",
            "The decision names other bytes than the asset's current ones; reload and look again.",
            details={"expected": asset_sha, "got": sha256},
        )


# --- withdraw, reopen, revoke ---------------------------------------------------------------------------


def withdraw(access: WorkspaceAccess, review: Review, *, comment: str = "") -> Review:
    """The requester (or an admin) takes back an open review."""
    review = Review.objects.select_related("asset", "workspace").get(pk=review.pk)
    user = access.membership.user
    if review.requested_by_id != user.pk:
        access.require_role(Role.ADMIN)
    if review.status != ReviewStatus.OPEN:
        raise InvalidReviewTransition(review, ReviewStatus.WITHDRAWN)
    with transaction.atomic():
        _transition(review, ReviewStatus.WITHDRAWN)
        audit.record(
            review,
            "review.withdraw",
            actor=user,
            data={"asset": str(review.asset_id), "comment": comment},
        )
        _after_change(review, "review.withdrawn")
    return review


def revoke(
    access: WorkspaceAccess, review: Review, *, comment: str = "", sha256: str | None = None
) -> Review:
    """An admin rejects an approved review: the approval ends and the asset is unpublished everywhere."""
    access.require_role(Role.ADMIN)
    review = Review.objects.select_related("asset", "workspace").get(pk=review.pk)
    if review.status != ReviewStatus.APPROVED:
        raise InvalidReviewTransition(review, ReviewStatus.REJECTED)
    if sha256 is not None:
        _check_hash(review, sha256)
    user = access.membership.user
    with transaction.atomic():
        Decision.objects.create(
            review=review,
            round=review.round,
            stage_index=len(review.stages),  # beyond the workflow's stages: the admin's revocation
            stage_key="revocation",
            role=Role.ADMIN,
            reviewer=user,
            reviewer_label=user.get_username(),
            decision=DecisionKind.REJECT,
            comment=comment,
            sha256=review.asset.sha256,
        )
        _transition(review, ReviewStatus.REJECTED)
        unpublished = ports.withdraw_everywhere(
            review.asset, reason=f"approval revoked: {comment}".strip(": "), actor=user
        )
        audit.record(
            review,
            "review.revoke",
            actor=user,
            data={"asset": str(review.asset_id), "comment": comment, "unpublished": unpublished},
        )
        _after_change(review, "review.revoked")
    return review


def reopen(access: WorkspaceAccess, review: Review, *, comment: str = "") -> Review:
    """An admin sends an approved review back to its first stage for a new round of decisions."""
    access.require_role(Role.ADMIN)
    review = Review.objects.select_related("asset", "workspace").get(pk=review.pk)
    if review.kind != ReviewKind.WORKFLOW:
        raise Conflict("invalid_transition", "An admin attestation cannot be reopened; reject it instead.")
    if review.status != ReviewStatus.APPROVED:
        raise InvalidReviewTransition(review, ReviewStatus.OPEN)
    user = access.membership.user
    first = review.stages[0]
    try:
        with transaction.atomic():
            _transition(
                review,
                ReviewStatus.OPEN,
                round=review.round + 1,
                current_stage=0,
                current_stage_key=first["key"],
                current_role=first["role"],
                closed_at=None,
            )
            unpublished = ports.withdraw_everywhere(
                review.asset, reason=f"review reopened: {comment}".strip(": "), actor=user
            )
            audit.record(
                review,
                "review.reopen",
                actor=user,
                data={
                    "asset": str(review.asset_id),
                    "comment": comment,
                    "round": review.round,
                    "unpublished": unpublished,
                },
            )
            _after_change(review, "review.reopened", notify_stage=True)
    except IntegrityError:
        raise Conflict("review_open", "The asset already has another open review.") from None
    return review


# --- side effects ---------------------------------------------------------------------------------------


def _after_change(review: Review, event: str, *, notify_stage: bool = False) -> None:
    """Schedule (after commit) the e-mail to the current stage's reviewers and the workspace webhook."""
    if notify_stage and review.status == ReviewStatus.OPEN:
        review_id, round_, stage = str(review.pk), review.round, review.current_stage
        transaction.on_commit(lambda: tasks.notify_stage_reviewers.send(review_id, round_, stage))
    delivery = queue_webhook(review, event)
    if delivery is not None:
        delivery_id = str(delivery.pk)
        transaction.on_commit(lambda: tasks.send_webhook(delivery_id))


def webhook_payload(review: Review, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "workspace": review.workspace.slug,
        "occurred_at": timezone.now().isoformat(),
        "review": {
            "id": str(review.pk),
            "status": review.status,
            "asset": str(review.asset_id),
            "sha256": review.sha256,
            "stage": review.current_stage_key or None,
            "round": review.round,
        },
    }


def queue_webhook(review: Review, event: str) -> WebhookDelivery | None:
    config = WorkflowSettings.objects.filter(workspace_id=review.workspace_id).first()
    if config is None or not config.webhook_url or not config.webhook_secret_encrypted:
        return None
    return WebhookDelivery.objects.create(
        workspace_id=review.workspace_id,
        event=event,
        payload=webhook_payload(review, event),
        url=config.webhook_url,
    )


# --- workflow settings ----------------------------------------------------------------------------------


def _check_webhook_url(url: str) -> None:
    """422 ``outbound_address_refused`` for a URL the outbound policy refuses (checked again per call)."""
    try:
        outbound.check_url(url)
    except outbound.OutboundRefused as exc:
        raise Unprocessable(
            exc.code,
            f"webhook_url: {exc.message} Operators allow on-premise networks with "
            "PHOTAI_OUTBOUND_ALLOWED_NETWORKS.",
            details={"field": "webhook_url", **exc.details},
        ) from None


def update_settings(access: WorkspaceAccess, changes: dict[str, Any]) -> WorkflowSettings:
    """Change the workspace's stages, separation option or webhook (admins); the secret is write-only."""
    access.require_role(Role.ADMIN)
    if changes.get("webhook_url"):
        _check_webhook_url(changes["webhook_url"])  # resolves the name: before any row is locked
    stages = workflow.validate_stages(changes["stages"]) if "stages" in changes else None
    with transaction.atomic():
        config, _ = WorkflowSettings.objects.select_for_update().get_or_create(
            workspace=access.workspace, defaults={"stages": workflow.default_stages()}
        )
        url = (changes["webhook_url"] or "") if "webhook_url" in changes else config.webhook_url
        secret = (changes["webhook_secret"] or "") if "webhook_secret" in changes else None
        has_secret = bool(secret) if secret is not None else bool(config.webhook_secret_encrypted)
        if url and not has_secret:
            raise ApiError("webhook_secret_required", "A webhook URL needs a secret to sign its calls.")
        changed: dict[str, Any] = {}
        if stages is not None:
            config.stages = changed["stages"] = stages
        if "one_stage_per_person" in changes:
            config.one_stage_per_person = changed["one_stage_per_person"] = bool(
                changes["one_stage_per_person"]
            )
        if "share_prompts" in changes:
            config.share_prompts = changed["share_prompts"] = bool(changes["share_prompts"])
        if "webhook_url" in changes:
            config.webhook_url = changed["webhook_url"] = url
        if secret is not None:
            config.webhook_secret = secret
            # The audit log says that the secret changed, never what it is.
            changed["webhook_secret"] = "set" if secret else "cleared"
        config.save()
        audit.record(
            access.workspace, "settings.reviews", actor=access.membership.user, data={"changed": changed}
        )
    return config
