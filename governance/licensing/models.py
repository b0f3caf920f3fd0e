from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LicenceRecord(models.Model):
    """One version of an asset's licence; every change adds a row, the newest is ``is_current``."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="licence_records")
    data = models.JSONField(default=dict)
    is_current = models.BooleanField(default=True)
    source = models.CharField(max_length=20, default="upload")  # upload | api | derived
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["asset"], condition=Q(is_current=True), name="one_current_licence")
        ]

    def __str__(self) -> str:
        return f"licence of {self.asset_id} ({'current' if self.is_current else 'history'})"
