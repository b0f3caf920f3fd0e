from __future__ import annotations

from django.db import models

from governance.provenance.choices import ValidationState, WatermarkStatus


class ProvenanceRecord(models.Model):
    """What finalisation put into a stored output: its watermark id and a summary of its C2PA manifest."""

    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, related_name="provenance")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # 48-bit id carried by the watermark; null only when no watermark could be embedded (see status).
    watermark_id = models.BigIntegerField(null=True, blank=True, unique=True)
    watermark_status = models.CharField(max_length=30, choices=WatermarkStatus.choices)
    # True for AI outputs and anything derived from one: these must carry a watermark.
    ai_lineage = models.BooleanField(default=False)
    manifest_label = models.CharField(max_length=200)
    manifest = models.JSONField(default=dict)  # summary: actions, ingredients, assertions we wrote
    digital_source_type = models.CharField(max_length=200, blank=True)
    signer = models.CharField(max_length=500, blank=True)  # the signing certificate's subject / issuer
    signer_source = models.CharField(max_length=100, blank=True)  # settings | workspace:<slug> | callback
    validation_state = models.CharField(max_length=20, choices=ValidationState.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"provenance of {self.asset_id} ({self.validation_state}, watermark {self.watermark_status})"


class WorkspaceSigningIdentity(models.Model):
    """A workspace's own C2PA signing identity: paths to its PEM chain and key (the key stays on disk)."""

    workspace = models.OneToOneField(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="signing_identity"
    )
    # Paths, not the PEM text: the private key stays in a file (or secret mount) readable by the workers,
    # never in the database.
    cert_chain_path = models.CharField(max_length=500)
    private_key_path = models.CharField(max_length=500)
    alg = models.CharField(max_length=10, default="es256")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"signing identity of {self.workspace_id}"
