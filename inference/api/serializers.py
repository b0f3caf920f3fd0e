from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from inference import registry
from inference.choices import TASKS_FOR_OPERATION, Dtype, PipelineTask
from inference.models import ModelRecord
from inference.operations.generative import MODEL_DEFAULT_KEYS

_HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_NUMBER_KEYS = {"width", "height", "steps", "guidance", "strength", "noise_level"}


class ModelRecordSerializer(serializers.ModelSerializer):
    key = serializers.SlugField(max_length=100)
    pipeline_task = serializers.ChoiceField(choices=PipelineTask.choices)
    dtype = serializers.ChoiceField(choices=Dtype.choices, default=Dtype.AUTO)
    commercial_use_allowed = serializers.BooleanField()
    operations = serializers.SerializerMethodField()

    class Meta:
        model = ModelRecord
        fields = [
            "key",
            "name",
            "hub_repo_id",
            "revision",
            "variant",
            "local_path",
            "pipeline_task",
            "operations",
            "licence_id",
            "licence_url",
            "commercial_use_allowed",
            "licence_notes",
            "default_params",
            "dtype",
            "enabled",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_operations(self, record: ModelRecord) -> list[str]:
        return sorted(op for op, tasks in TASKS_FOR_OPERATION.items() if record.pipeline_task in tasks)

    def to_representation(self, instance: ModelRecord) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("can_manage"):
            # Worker file system layout is for the people who manage models.
            data["local_path"] = "" if not instance.local_path else "(local)"
        return data

    def validate_hub_repo_id(self, value: str) -> str:
        if value and not _HUB_REPO.match(value):
            raise serializers.ValidationError("expected a hub repository id such as owner/name")
        return value

    def validate_local_path(self, value: str) -> str:
        if not value:
            return value
        folder = registry.allowed_local_path(value)
        if folder is None:
            raise serializers.ValidationError("the folder must be inside one of PHOTAI_MODEL_ROOTS")
        if not (folder / "model_index.json").is_file():
            raise serializers.ValidationError("no diffusers pipeline there (model_index.json is missing)")
        return str(folder)

    def validate_default_params(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("must be an object")
        unknown = sorted(set(value) - MODEL_DEFAULT_KEYS)
        if unknown:
            raise serializers.ValidationError(
                f"unknown keys {unknown}; allowed: {sorted(MODEL_DEFAULT_KEYS)}"
            )
        for name in _NUMBER_KEYS & set(value):
            if isinstance(value[name], bool) or not isinstance(value[name], int | float) or value[name] < 0:
                raise serializers.ValidationError(f"{name} must be a non-negative number")
        if "negative_prompt" in value and not isinstance(value["negative_prompt"], str):
            raise serializers.ValidationError("negative_prompt must be a string")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        hub, local = attrs.get("hub_repo_id", ""), attrs.get("local_path", "")
        if bool(hub) == bool(local):
            raise serializers.ValidationError({"source": ["give exactly one of hub_repo_id and local_path"]})
        if hub and not attrs.get("revision"):
            attrs["revision"] = "main"
        return attrs
