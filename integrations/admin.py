"""Read-only admin views of connections and publications (changes go through the API's actions, which
validate, encrypt and audit; the admin shows whether secrets are set, never the secrets)."""

from __future__ import annotations

from django.contrib import admin

from integrations.models import Connection, Publication
from photai_dam.admin_base import ReadOnlyAdmin


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "workspace", "channel", "territory", "is_active", "last_test_ok")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "base_url")
    exclude = ("credentials_encrypted", "webhook_secret_encrypted")
    readonly_fields = ("has_credentials", "has_webhook_secret")

    @admin.display(boolean=True)
    def has_credentials(self, obj: Connection) -> bool:
        return bool(obj.credentials_encrypted)

    @admin.display(boolean=True)
    def has_webhook_secret(self, obj: Connection) -> bool:
        return bool(obj.webhook_secret_encrypted)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("asset", "connection", "status", "remote_id", "published_at", "error_code")
    list_filter = ("status", "connection__kind")
    search_fields = ("remote_id", "asset__id")
    list_select_related = ("asset", "connection")
