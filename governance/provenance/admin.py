"""Admin: workspaces' signing identities (editable) and provenance records (read-only evidence)."""

from __future__ import annotations

from django.contrib import admin

from governance.provenance.models import ProvenanceRecord, WorkspaceSigningIdentity
from photai_dam.admin_base import ReadOnlyAdmin


@admin.register(WorkspaceSigningIdentity)
class WorkspaceSigningIdentityAdmin(admin.ModelAdmin):
    list_display = ("workspace", "cert_chain_path", "alg", "enabled", "created_at")
    list_filter = ("enabled", "alg")


@admin.register(ProvenanceRecord)
class ProvenanceRecordAdmin(ReadOnlyAdmin):
    """What finalisation recorded is evidence: nobody edits or deletes it by hand."""

    list_display = ("asset", "validation_state", "watermark_status", "ai_lineage", "signer", "created_at")
    list_filter = ("validation_state", "watermark_status", "ai_lineage")
    search_fields = ("asset__id", "manifest_label", "signer")
