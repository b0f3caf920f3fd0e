from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.reviews.choices import DecisionKind, DeliveryStatus, ReviewKind, ReviewStatus
from photai_dam import crypto

# The photai_dam.crypto purpose of the review webhook secret (registered in ReviewsConfig.ready()).
WEBHOOK_SECRET = "reviews.workflow.webhook_secret"  # noqa: S105  (a purpose name, not a secret)


class WorkflowSettings(models.Model):
    """A workspace's review workflow: ordered stages, separation-of-duties options, outgoing webhook."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="review_settings"
    )
    # [{"key": "brand", "role": "brand_reviewer", "approvals": 1}, ...], validated by workflow.StageSpec.
    stages = models.JSONField(default=list)
    # By default one person approves at most one stage of a review (four eyes per stage).
    one_stage_per_person = models.BooleanField(default=True)
    # Reviewers see the prompt behind an output; when off they see only its sha256 (sensitive briefs).
    share_prompts = models.BooleanField(default=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    # Fernet token of the HMAC secret (photai_dam.crypto, purpose WEBHOOK_SECRET); never returned by the API.
    webhook_secret_encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"review workflow of {self.workspace_id}"

    @property
    def webhook_secret(self) -> str:
        return (
            crypto.decrypt(WEBHOOK_SECRET, self.webhook_secret_encrypted).decode()
            if self.webhook_secret_encrypted
            else ""
        )

    @webhook_secret.setter
    def webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(WEBHOOK_SECRET, value.encode()) if value else ""


def shares_prompts(workspace: Any) -> bool:
    """The workspace's ``share_prompts`` (on unless its review settings turned it off)."""
    value = (
        WorkflowSettings.objects.filter(workspace=workspace).values_list("share_prompts", flat=True).first()
    )
    return True if value is None else bool(value)


class Review(models.Model):
    """One request to approve one asset's exact bytes, moving stage by stage through the workflow."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="reviews")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=20, choices=ReviewKind.choices, default=ReviewKind.WORKFLOW)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    # The stages as they stood at submission (workflow + policy additions), so later setting changes
    # never alter a review in flight.
    stages = models.JSONField(default=list)
    current_stage = models.PositiveSmallIntegerField(default=0)
    # Denormalised from ``stages[current_stage]`` so queues filter on plain columns.
    current_stage_key = models.CharField(max_length=50, blank=True, db_index=True)
    current_role = models.CharField(max_length=50, blank=True)
    # A reopened review starts a new round; only decisions of the current round count.
    round = models.PositiveSmallIntegerField(default=1)
    # Bumped by every transition: the compare-and-swap token.
    version = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    one_stage_per_person = models.BooleanField(default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status="open"), name="one_open_review_per_asset"
            )
        ]
        indexes = [models.Index(fields=["workspace", "status", "current_role"])]

    def __str__(self) -> str:
        return f"review {self.id} of {self.asset_id} ({self.status})"

    @property
    def stage(self) -> dict[str, Any] | None:
        if self.status != ReviewStatus.OPEN or self.current_stage >= len(self.stages):
            return None
        stage: dict[str, Any] = self.stages[self.current_stage]
        return stage


class Decision(models.Model):
    """One reviewer's decision on one stage of a review, bound to the sha256 of the bytes they saw."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField()
    stage_index = models.PositiveSmallIntegerField()
    stage_key = models.CharField(max_length=50)
    role = models.CharField(max_length=50)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_label = models.CharField(max_length=150)
    decision = models.CharField(max_length=20, choices=DecisionKind.choices)
    comment = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "round", "stage_index", "reviewer"], name="one_decision_per_reviewer_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_label}: {self.decision} on {self.review_id} stage {self.stage_key}"


class StageNotification(models.Model):
    """Marks that a stage's reviewers were e-mailed, so a redelivered message never mails twice."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField()
    stage_index = models.PositiveSmallIntegerField()
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "round", "stage_index"], name="one_notification_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"notified {self.review_id} round {self.round} stage {self.stage_index}"


class WebhookDelivery(models.Model):
    """One signed outgoing webhook call about a review, delivered (with retries) by a Dramatiq actor."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event} -> {self.url} ({self.status})"
