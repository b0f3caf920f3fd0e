"""Django admin for licence records (read-mostly history) and prompt policies (with rule validation)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction

from governance import audit
from governance.licensing.models import ExpiryWarning, LicenceRecord, PromptPolicy
from governance.licensing.prompts import validate_rules
from photai_dam.api.errors import ApiError


@admin.register(LicenceRecord)
class LicenceRecordAdmin(admin.ModelAdmin):
    list_display = [
        "asset",
        "version",
        "kind",
        "expires_at",
        "revoked_at",
        "is_current",
        "source",
        "created_at",
    ]
    list_filter = ["kind", "is_current", "source"]
    search_fields = ["asset__id", "asset__title"]
    # History is evidence: versions are added through the API, never edited in place.
    readonly_fields = [f.name for f in LicenceRecord._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


RULE_FIELDS = ("blocked_terms", "blocked_patterns", "flagged_terms", "flagged_patterns")


class PromptPolicyForm(forms.ModelForm):
    class Meta:
        model = PromptPolicy
        fields = ["workspace", *RULE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        rules = {k: cleaned.get(k) or [] for k in RULE_FIELDS}
        try:
            cleaned.update(validate_rules(rules))
        except ApiError as exc:
            for name, messages in exc.details.get("fields", {}).items():
                field = name.split(".", 1)[0]
                self.add_error(field if field in self.fields else None, "; ".join(messages))
        return cleaned


@admin.register(PromptPolicy)
class PromptPolicyAdmin(admin.ModelAdmin):
    form = PromptPolicyForm
    list_display = ["workspace", "updated_at", "updated_by"]

    def save_model(self, request: Any, obj: PromptPolicy, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                obj.workspace,
                "policy.update",
                actor=request.user,
                data={
                    "prompt_rules": {k: getattr(obj, k) for k in RULE_FIELDS},
                    "via": "admin",
                },
            )


@admin.register(ExpiryWarning)
class ExpiryWarningAdmin(admin.ModelAdmin):
    list_display = ["asset", "expires_at", "sent_at"]
    readonly_fields = ["asset", "expires_at", "sent_at"]
