from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from photai_dam.jobs.choices import InputRole, JobStatus


class Job(models.Model):
    """One edit or generation request, run by a Dramatiq worker; status, progress, log and error."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="jobs")
    operation = models.CharField(max_length=50)
    queue = models.CharField(max_length=20)
    params = models.JSONField(default=dict, blank=True)
    prompt = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    log = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What actually ran (filled by the worker): model identity and the seed used.
    model_key = models.CharField(max_length=100, blank=True)
    model_revision = models.CharField(max_length=100, blank=True)
    weights_hash = models.CharField(max_length=64, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return f"{self.operation} {self.id} ({self.status})"


class JobInput(models.Model):
    """An asset a job reads, with its role (source image or mask)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="inputs")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="job_inputs")
    role = models.CharField(max_length=20, choices=InputRole.choices, default=InputRole.SOURCE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_job_input_position")]

    def __str__(self) -> str:
        return f"{self.job_id}[{self.position}] {self.role}={self.asset_id}"


class JobOutput(models.Model):
    """The asset a job stored as its ``index``-th output; unique per index so retries never duplicate (I6)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="output_links")
    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, related_name="produced_by")
    index = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="unique_job_output_index")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index} -> {self.asset_id}"
