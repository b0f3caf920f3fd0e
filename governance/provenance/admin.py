"""Admin: workspaces' signing identities (editable) and provenance records (read-only evidence)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from governance.provenance.models import ProvenanceRecord, WorkspaceSigningIdentity


@admin.register(WorkspaceSigningIdentity)
class WorkspaceSigningIdentityAdmin(admin.ModelAdmin):
    list_display = ("workspace", "cert_chain_path", "alg", "enabled", "created_at")
    list_filter = ("enabled", "alg")


@admin.register(ProvenanceRecord)
class ProvenanceRecordAdmin(admin.ModelAdmin):
    list_display = ("asset", "validation_state", "watermark_status", "ai_lineage", "signer", "created_at")
    list_filter = ("validation_state", "watermark_status", "ai_lineage")
    search_fields = ("asset__id", "manifest_label", "signer")

    # What finalisation recorded is evidence: nobody edits or deletes it by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
