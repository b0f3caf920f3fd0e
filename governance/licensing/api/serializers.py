from __future__ import annotations

from rest_framework import serializers

from governance.licensing.models import LicenceRecord


class LicenceRecordSerializer(serializers.ModelSerializer):
    licence = serializers.JSONField(source="data")
    created_by = serializers.SerializerMethodField()
    revoked = serializers.BooleanField(source="is_revoked")

    class Meta:
        model = LicenceRecord
        fields = [
            "version",
            "licence",
            "is_current",
            "revoked",
            "revoked_at",
            "revoked_reason",
            "source",
            "created_by",
            "created_at",
        ]

    def get_created_by(self, record: LicenceRecord) -> str | None:
        return record.created_by.username if record.created_by else None


class LicenceInputSerializer(serializers.Serializer):
    """Documentation of the licence body (validated by governance.licensing.schema, not here)."""

    kind = serializers.CharField()
    licensor = serializers.CharField(required=False)
    source_url = serializers.URLField(required=False)
    attribution_text = serializers.CharField(required=False)
    channels = serializers.ListField(child=serializers.CharField(), required=False)
    territories = serializers.ListField(child=serializers.CharField(), required=False)
    valid_from = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False)
    ai_editing_allowed = serializers.BooleanField(required=False)
    ai_training_allowed = serializers.BooleanField(required=False)
    model_release = serializers.CharField(required=False, help_text="yes | no | not_needed")
    property_release = serializers.CharField(required=False, help_text="yes | no | not_needed")
    documents = serializers.ListField(child=serializers.DictField(), required=False)


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PublishabilitySerializer(serializers.Serializer):
    publishable = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.DictField())
    checked_at = serializers.DateTimeField()
    channel = serializers.CharField()
    territory = serializers.CharField()


class PolicySerializer(serializers.Serializer):
    """Documentation of the policy body (validated by governance.licensing.prompts/settings)."""

    prompt_rules = serializers.DictField(
        required=False, help_text="blocked_terms, blocked_patterns, flagged_terms, flagged_patterns (lists)"
    )
    licensing = serializers.DictField(
        required=False, help_text="allow_unknown, commercial, commercial_channels"
    )
