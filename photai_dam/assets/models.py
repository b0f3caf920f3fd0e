from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from photai_dam.assets.choices import AssetStatus, Origin, Relationship


def asset_upload_to(instance: Asset, filename: str) -> str:
    # Never the client's filename: the path is made of ids only (no traversal, no collisions).
    return f"workspaces/{instance.workspace_id}/assets/{instance.id}{filename[filename.rfind('.') :]}"


class Asset(models.Model):
    """An image in a workspace: an upload, an AI output or a rendition, with its exact stored bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="assets")
    title = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to=asset_upload_to, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    mime_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    origin = models.CharField(max_length=20, choices=Origin.choices)
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    parents = models.ManyToManyField(
        "self", through="AssetParent", symmetrical=False, related_name="children", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["workspace", "origin", "status"])]

    def __str__(self) -> str:
        return self.title or str(self.id)

    @property
    def is_ai(self) -> bool:
        return self.origin in (Origin.AI_GENERATED, Origin.AI_EDITED)


class AssetParent(models.Model):
    """Lineage: ``child`` was derived from ``parent`` (C2PA ingredient relationship)."""

    child = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="child_links")
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.PARENT_OF
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["child", "parent"], name="unique_asset_parent")]

    def __str__(self) -> str:
        return f"{self.child_id} <- {self.parent_id} ({self.relationship})"
