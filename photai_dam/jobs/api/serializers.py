from __future__ import annotations

from typing import Any

from rest_framework import serializers

from photai_dam.jobs import prompts
from photai_dam.jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    """A job. ``prompt`` is null (and ``negative_prompt`` left out of ``params``) for members the workspace
    does not share prompts with (photai_dam.jobs.prompts); ``prompt_sha256`` is there for everyone."""

    prompt = serializers.CharField(read_only=True, allow_null=True)
    prompt_sha256 = serializers.SerializerMethodField()
    inputs = serializers.SerializerMethodField()
    outputs = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "operation",
            "queue",
            "status",
            "progress",
            "error",
            "inputs",
            "outputs",
            "params",
            "prompt",
            "prompt_sha256",
            "model",
            "seed",
            "attempts",
            "log",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def to_representation(self, job: Job) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(job)
        access = self.context.get("access")
        if access is None or not prompts.prompt_visible(
            job, access, shared=self.context.get("prompts_shared")
        ):
            data["prompt"] = None
            data["params"] = prompts.without_prompt(data["params"] or {})
        return data

    def get_prompt_sha256(self, job: Job) -> str | None:
        return prompts.prompt_hash(job.prompt)

    def get_inputs(self, job: Job) -> list[dict[str, str]]:
        return [{"asset": str(i.asset_id), "role": i.role} for i in job.inputs.all()]

    def get_outputs(self, job: Job) -> list[str]:
        return [str(o.asset_id) for o in job.output_links.all()]

    def get_error(self, job: Job) -> dict[str, str] | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_created_by(self, job: Job) -> str | None:
        return job.created_by.username if job.created_by else None

    def get_model(self, job: Job) -> dict[str, str] | None:
        if not job.model_key:
            return None
        return {"key": job.model_key, "revision": job.model_revision, "weights_hash": job.weights_hash}


class JobCreateSerializer(serializers.Serializer):
    operation = serializers.CharField(max_length=50)
    inputs = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=8
    )
    params = serializers.JSONField(required=False, default=dict)
    prompt = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
