from __future__ import annotations

from django.contrib import admin

from inference.models import ModelRecord


@admin.register(ModelRecord)
class ModelRecordAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "name",
        "kind",
        "workspace",
        "pipeline_task",
        "licence_id",
        "commercial_use_allowed",
        "dtype",
        "enabled",
    ]
    list_filter = ["kind", "pipeline_task", "commercial_use_allowed", "enabled", "dtype"]
    search_fields = ["key", "name", "hub_repo_id", "licence_id"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    filter_horizontal = ["base_models"]
    fieldsets = [
        (None, {"fields": ["key", "name", "kind", "workspace", "pipeline_task", "enabled"]}),
        ("Adapter", {"fields": ["base_models", "trigger_words"]}),
        (
            "Source",
            {"fields": ["hub_repo_id", "revision", "variant", "local_path", "weight_name", "weights_hash"]},
        ),
        ("Licence", {"fields": ["licence_id", "licence_url", "commercial_use_allowed", "licence_notes"]}),
        ("Running", {"fields": ["dtype", "default_params"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
