from __future__ import annotations

from django.conf import settings
from django.db import models

from inference.choices import Dtype, ModelKind, PipelineTask


class ModelRecord(models.Model):
    """A registered model or adapter: where its weights come from, what it does, and its licence facts."""

    key = models.SlugField(
        max_length=100, unique=True, help_text="What jobs name (params.model, params.style, ...)."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ModelKind.choices, default=ModelKind.BASE)
    # Adapters and segmentation models may belong to one workspace: only its members see and use them.
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="models",
        help_text="The owning workspace; empty for models every workspace may use.",
    )
    base_models = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="adapters",
        help_text="Adapters: the base models these weights were trained for (and may be loaded into).",
    )
    trigger_words = models.JSONField(
        default=list, blank=True, help_text="Adapters: words the prompt must contain to evoke the style."
    )
    weight_name = models.CharField(
        max_length=300,
        blank=True,
        help_text="Adapters: the .safetensors file inside the folder or hub repository.",
    )
    weights_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="sha256 of the weights as registered (adapters, segmentation); loading refuses others.",
    )
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
    pipeline_task = models.CharField(
        max_length=20, choices=PipelineTask.choices, blank=True, help_text="Base models: what they do."
    )
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
            ),
            models.CheckConstraint(
                condition=(
                    (models.Q(kind=ModelKind.BASE) & ~models.Q(pipeline_task=""))
                    | (~models.Q(kind=ModelKind.BASE) & models.Q(pipeline_task=""))
                ),
                name="model_task_only_for_base_models",
            ),
            models.CheckConstraint(
                condition=models.Q(workspace__isnull=True) | ~models.Q(kind=ModelKind.BASE),
                name="model_owner_only_for_adapters_and_segmentation",
            ),
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

    @property
    def is_adapter(self) -> bool:
        return self.kind in (ModelKind.LORA, ModelKind.IP_ADAPTER)
