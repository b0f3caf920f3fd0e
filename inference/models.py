from __future__ import annotations

from django.conf import settings
from django.db import models

from inference.choices import Dtype, PipelineTask


class ModelRecord(models.Model):
    """A registered diffusion model: where its weights come from, what it does, and its licence facts."""

    key = models.SlugField(max_length=100, unique=True, help_text="What jobs name in params.model.")
    name = models.CharField(max_length=200)
    # Exactly one source: a hub repository (with a revision) or a folder on the worker machines.
    hub_repo_id = models.CharField(
        max_length=200, blank=True, help_text="e.g. stabilityai/stable-diffusion-xl-base-1.0"
    )
    revision = models.CharField(
        max_length=100,
        blank=True,
        help_text="Hub branch, tag or commit (default main); a label for local folders.",
    )
    variant = models.CharField(max_length=20, blank=True, help_text="Weights variant on the hub, e.g. fp16.")
    local_path = models.CharField(
        max_length=500, blank=True, help_text="A diffusers folder under PHOTAI_MODEL_ROOTS."
    )
    pipeline_task = models.CharField(max_length=20, choices=PipelineTask.choices)
    licence_id = models.CharField(max_length=100, help_text="SPDX id or the licence's own short name.")
    licence_url = models.URLField(blank=True)
    commercial_use_allowed = models.BooleanField(
        help_text="Whether running this model for a business (as this service does) is allowed."
    )
    licence_notes = models.TextField(blank=True)
    default_params = models.JSONField(
        default=dict,
        blank=True,
        help_text="Defaults for jobs on this model (steps, guidance, width, height, ...).",
    )
    dtype = models.CharField(max_length=10, choices=Dtype.choices, default=Dtype.AUTO)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (~models.Q(hub_repo_id="") & models.Q(local_path=""))
                    | (models.Q(hub_repo_id="") & ~models.Q(local_path=""))
                ),
                name="model_has_exactly_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.name})"

    @property
    def source(self) -> str:
        """Where the weights come from, as ``from_pretrained`` takes it."""
        return self.hub_repo_id or self.local_path

    @property
    def is_local(self) -> bool:
        return bool(self.local_path)
