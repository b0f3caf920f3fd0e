from __future__ import annotations

from django.contrib import admin

from photai_dam.assets.models import Asset, AssetParent


class ParentInline(admin.TabularInline):
    model = AssetParent
    fk_name = "child"
    extra = 0
    readonly_fields = ["parent", "relationship", "position"]
    can_delete = False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    """Read-mostly: stored bytes and their facts are never edited by hand (provenance depends on them)."""

    list_display = [
        "id",
        "workspace",
        "title",
        "origin",
        "status",
        "mime_type",
        "width",
        "height",
        "created_at",
    ]
    list_filter = ["workspace", "origin", "status", "mime_type"]
    search_fields = ["id", "title", "sha256"]
    readonly_fields = [
        "id",
        "workspace",
        "file",
        "sha256",
        "mime_type",
        "width",
        "height",
        "size",
        "origin",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [ParentInline]
