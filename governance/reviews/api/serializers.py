from __future__ import annotations

from typing import Any

from rest_framework import serializers

from governance.reviews.choices import DecisionKind
from governance.reviews.models import Review, WorkflowSettings
from governance.reviews.summary import review_dict


class ReviewSerializer(serializers.Serializer):
    """A review with its stages (who approved each) and every decision, as in ``review_summary``.

    The fields document the shape for the OpenAPI schema; the representation is ``review_dict``'s.
    """

    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    round = serializers.IntegerField(read_only=True)
    current_stage = serializers.CharField(read_only=True, allow_null=True)
    requested_by = serializers.CharField(read_only=True, allow_null=True)
    comment = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    stages = serializers.ListField(child=serializers.DictField(), read_only=True)
    decisions = serializers.ListField(child=serializers.DictField(), read_only=True)
    asset = serializers.DictField(read_only=True)

    def to_representation(self, review: Review) -> dict[str, Any]:
        data = review_dict(review)
        asset = review.asset
        data["asset"] = {
            "id": str(asset.pk),
            "title": asset.title,
            "origin": asset.origin,
            "sha256": asset.sha256,
            "mime_type": asset.mime_type,
        }
        return data


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    approve_for_use = serializers.BooleanField(required=False, default=False)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", help_text="The sha256 of the bytes the reviewer looked at."
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class StageSerializer(serializers.Serializer):
    key = serializers.CharField()
    role = serializers.CharField()
    approvals = serializers.IntegerField(min_value=1)


class WorkflowSettingsSerializer(serializers.Serializer):
    """The workspace's workflow. ``webhook_secret`` is write-only: reads say only whether one is set."""

    stages = serializers.ListField(child=serializers.DictField(), required=False)
    one_stage_per_person = serializers.BooleanField(required=False)
    share_prompts = serializers.BooleanField(required=False)
    webhook_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    webhook_secret = serializers.CharField(
        required=False, allow_blank=True, write_only=True, min_length=16, max_length=200
    )

    def validate_webhook_url(self, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Only http and https URLs are allowed.")
        return value

    @staticmethod
    def describe(config: WorkflowSettings | None, default_stages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "stages": (config.stages if config and config.stages else default_stages),
            "one_stage_per_person": config.one_stage_per_person if config else True,
            "share_prompts": config.share_prompts if config else True,
            "webhook_url": config.webhook_url if config else "",
            "webhook_secret_set": bool(config and config.webhook_secret_encrypted),
        }
