from __future__ import annotations

from django.contrib import admin

from governance.audit.models import AuditEvent
from photai_dam.admin_base import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the admin may look at the chain, never change it."""

    list_display = ["id", "timestamp", "actor_label", "workspace_slug", "action", "object_type", "object_id"]
    list_filter = ["action", "workspace_slug"]
    search_fields = ["object_id", "actor_label", "action"]
