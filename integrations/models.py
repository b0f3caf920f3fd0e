"""Connections to CMSs, publications of assets through them, and webhook deliveries we have seen."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from integrations.choices import ConnectionKind, PublicationStatus
from photai_dam import crypto

# Purposes of photai_dam.crypto (each its own derived key), registered in IntegrationsConfig.ready().
CREDENTIALS = "integrations.connection.credentials"
WEBHOOK_SECRET = "integrations.connection.webhook_secret"  # noqa: S105  (a purpose name, not a secret)


class Connection(models.Model):
    """A workspace's account on one CMS: for which channel and territory, with what secrets."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="connections"
    )
    kind = models.CharField(max_length=20, choices=ConnectionKind.choices)
    name = models.CharField(max_length=100)
    # Every connector calls this base URL (never a hard-coded vendor host), so tests point it at a
    # contract server and self-hosted sites work.
    base_url = models.URLField(max_length=300)
    channel = models.CharField(max_length=40)
    territory = models.CharField(max_length=10)
    # Non-secret settings, validated by the kind's pydantic schema (integrations/<kind>/schema.py).
    config = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_error = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_connection_name")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def credentials(self) -> dict[str, Any]:
        return crypto.decrypt_json(CREDENTIALS, self.credentials_encrypted) or {}

    @credentials.setter
    def credentials(self, value: dict[str, Any]) -> None:
        self.credentials_encrypted = crypto.encrypt_json(CREDENTIALS, value) if value else ""

    @property
    def webhook_secret(self) -> str:
        return crypto.decrypt_json(WEBHOOK_SECRET, self.webhook_secret_encrypted) or ""

    @webhook_secret.setter
    def webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt_json(WEBHOOK_SECRET, value) if value else ""


class Publication(models.Model):
    """One asset on one connection: its state, the remote id and URL, and what the last attempt met."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="publications"
    )
    # PROTECT: an asset that was published keeps its record; deleting it answers 409 (assets.actions).
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="publications")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="publications")
    status = models.CharField(
        max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.PENDING, db_index=True
    )
    target = models.JSONField(default=dict, blank=True)
    alt_text = models.CharField(max_length=500, blank=True)
    disclosure = models.TextField(blank=True)
    # The sha256 of the bytes uploaded (the asset's at the time; reviews bind approvals to it).
    sha256 = models.CharField(max_length=64, blank=True)
    remote_id = models.CharField(max_length=200, blank=True, db_index=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    # Checkpoints of a multi-step upload (staged target, upload id, file id...), written as soon as the
    # remote side has them, so a retry resumes instead of uploading a second copy (I6).
    remote_state = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Held by the worker running an attempt, so a redelivered message never uploads in parallel (I6).
    lease_until = models.DateTimeField(null=True, blank=True)
    unpublish_attempts = models.PositiveSmallIntegerField(default=0)
    # One line per attempt that met an error (code, message, the wait before the next one): the retries,
    # visible through the API.
    log = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    unpublish_reason = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            # One row per asset and connection: publishing again reuses it, so nothing is uploaded twice.
            models.UniqueConstraint(fields=["asset", "connection"], name="unique_publication_per_connection"),
        ]
        indexes = [models.Index(fields=["connection", "remote_id"])]

    def __str__(self) -> str:
        return f"{self.asset_id} on {self.connection_id} ({self.status})"


class WebhookDelivery(models.Model):
    """A webhook delivery id already handled for a connection (vendors redeliver; we act once)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhook_deliveries")
    delivery_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "delivery_id"], name="unique_webhook_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.delivery_id}"
