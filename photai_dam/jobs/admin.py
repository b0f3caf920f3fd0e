from __future__ import annotations

from django.contrib import admin

from photai_dam.jobs.models import Job, JobInput, JobOutput


class InputInline(admin.TabularInline):
    model = JobInput
    extra = 0
    readonly_fields = ["asset", "role", "position"]
    can_delete = False


class OutputInline(admin.TabularInline):
    model = JobOutput
    extra = 0
    readonly_fields = ["asset", "index"]
    can_delete = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs change state only through their actions; the admin shows them."""

    list_display = [
        "id",
        "workspace",
        "operation",
        "status",
        "progress",
        "model_key",
        "created_by",
        "created_at",
    ]
    list_filter = ["workspace", "operation", "status", "queue"]
    search_fields = ["id", "prompt", "model_key"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [InputInline, OutputInline]

    def has_add_permission(self, request: object) -> bool:
        return False
