from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.licensing.choices import LicenceKind


class LicenceRecord(models.Model):
    """One version of an asset's licence; every change adds a row, the newest is ``is_current``."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="licence_records")
    version = models.PositiveIntegerField(default=1)
    # The normalised licence JSON (governance.licensing.schema); the columns below copy what queries need.
    data = models.JSONField(default=dict)
    kind = models.CharField(max_length=30, choices=LicenceKind.choices, default=LicenceKind.UNKNOWN)
    valid_from = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoked_reason = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)
    source = models.CharField(max_length=20, default="upload")  # upload | api | revoke | admin
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(is_current=True), name="one_current_licence"
            ),
            models.UniqueConstraint(fields=["asset", "version"], name="unique_licence_version"),
        ]

    def __str__(self) -> str:
        return f"licence v{self.version} of {self.asset_id} ({'current' if self.is_current else 'history'})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PromptPolicy(models.Model):
    """A workspace's prompt rules: blocked terms/patterns refuse a job; flagged ones add the legal stage."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="prompt_policy"
    )
    blocked_terms = models.JSONField(default=list, blank=True)
    blocked_patterns = models.JSONField(default=list, blank=True)
    flagged_terms = models.JSONField(default=list, blank=True)
    flagged_patterns = models.JSONField(default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "prompt policies"

    def __str__(self) -> str:
        return f"prompt policy of {self.workspace_id}"


class ExpiryWarning(models.Model):
    """An editor warning sent for an asset about one expiry moment; unique so each is sent once."""

    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.CASCADE, related_name="licence_expiry_warnings"
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "expires_at"], name="one_warning_per_expiry")]

    def __str__(self) -> str:
        return f"expiry warning for {self.asset_id} at {self.expires_at:%Y-%m-%d}"


class SweepSchedule(models.Model):
    """The lease of the self-rescheduling sweep actor: at most one chain of messages stays alive."""

    name = models.CharField(max_length=50, unique=True)
    next_run_at = models.DateTimeField()
    # The message that holds the lease: if the broker redelivers it (its worker died mid-sweep), it may
    # run again instead of mistaking itself for a duplicate chain and ending the schedule.
    holder_message_id = models.CharField(max_length=64, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at:%Y-%m-%d %H:%M})"
