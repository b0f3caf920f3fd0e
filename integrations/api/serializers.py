from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from governance.licensing.choices import Channel
from integrations import registry
from integrations.models import Connection, Publication


class ConnectionSerializer(serializers.ModelSerializer):
    """A connection as the API shows it: never its credentials or webhook secret, only whether set."""

    has_credentials = serializers.SerializerMethodField()
    has_webhook_secret = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "kind",
            "name",
            "base_url",
            "channel",
            "territory",
            "config",
            "is_active",
            "has_credentials",
            "has_webhook_secret",
            "webhook_url",
            "last_tested_at",
            "last_test_ok",
            "last_test_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_credentials(self, obj: Connection) -> bool:
        return bool(obj.credentials_encrypted)

    def get_has_webhook_secret(self, obj: Connection) -> bool:
        return bool(obj.webhook_secret_encrypted)

    def get_webhook_url(self, obj: Connection) -> str:
        return f"{(settings.PUBLIC_BASE_URL or '').rstrip('/')}/hooks/{obj.pk}/"


# "worldwide" (a site without geo-blocking) or an ISO 3166-1 alpha-2 code: what the licence gate takes.
_TERRITORY = r"^([A-Za-z]{2}|[Ww][Oo][Rr][Ll][Dd][Ww][Ii][Dd][Ee])$"


class ConnectionWriteSerializer(serializers.Serializer):
    """What an admin sends; secrets are write-only and validated by the kind's schema in the action."""

    kind = serializers.ChoiceField(choices=[])
    name = serializers.CharField(max_length=100)
    base_url = serializers.URLField(max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    territory = serializers.RegexField(
        _TERRITORY, required=False, default="worldwide", help_text="ISO 3166-1 alpha-2 code, or worldwide"
    )
    config = serializers.DictField(required=False, default=dict)
    credentials = serializers.DictField(write_only=True)
    webhook_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.kinds()  # type: ignore[attr-defined]
        if self.partial:
            self.fields["kind"].read_only = True


class PublicationSerializer(serializers.ModelSerializer):
    connection_kind = serializers.CharField(source="connection.kind", read_only=True)
    connection_name = serializers.CharField(source="connection.name", read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "asset",
            "connection",
            "connection_kind",
            "connection_name",
            "status",
            "target",
            "alt_text",
            "disclosure",
            "sha256",
            "remote_id",
            "remote_url",
            "attempts",
            "error_code",
            "error_message",
            "unpublish_reason",
            "log",
            "created_at",
            "updated_at",
            "published_at",
            "unpublished_at",
        ]
        read_only_fields = fields


class PublicationCreateSerializer(serializers.Serializer):
    connection = serializers.UUIDField()
    target = serializers.DictField(required=False, default=dict)
    alt_text = serializers.CharField(required=False, allow_blank=True, max_length=500)


class UnpublishSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
