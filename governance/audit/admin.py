from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from governance.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the admin may look at the chain, never change it."""

    list_display = ["id", "timestamp", "actor_label", "workspace_slug", "action", "object_type", "object_id"]
    list_filter = ["action", "workspace_slug"]
    search_fields = ["object_id", "actor_label", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
