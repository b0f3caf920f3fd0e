from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rest_framework import serializers

from inference import pipelines, registry
from inference.choices import OWNABLE_KINDS, TASKS_FOR_OPERATION, Dtype, ModelKind, PipelineTask
from inference.models import ModelRecord
from inference.operations.generative import MODEL_DEFAULT_KEYS
from inference.segmentation import SegmentationFolderError, inspect_folder
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Membership, Workspace

_HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_NUMBER_KEYS = {
    "width",
    "height",
    "steps",
    "guidance",
    "strength",
    "noise_level",
    "style_scale",
    "ip_adapter_scale",
}
_WEIGHT_NAME = re.compile(r"^(?:[\w.-]+/)*[\w.-]+\.safetensors$")


class _AdminWorkspaceField(serializers.SlugRelatedField):
    """A workspace the requesting user administers; any other slug reads exactly like one that does not
    exist (I4)."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return Workspace.objects.none()
        if user.is_staff:
            return Workspace.objects.all()
        admin_of = [
            m.workspace_id
            for m in Membership.objects.filter(user_id=user.pk).only("workspace_id", "roles")
            if Role.ADMIN in (m.roles or [])
        ]
        return Workspace.objects.filter(pk__in=admin_of)


class _BaseModelsField(serializers.SlugRelatedField):
    """Base models an adapter applies to, by key: shared ones and the owning workspace's."""

    def get_queryset(self) -> Any:
        return ModelRecord.objects.filter(kind=ModelKind.BASE)


class ModelRecordSerializer(serializers.ModelSerializer):
    key = serializers.SlugField(max_length=100)
    kind = serializers.ChoiceField(choices=ModelKind.choices, default=ModelKind.BASE)
    pipeline_task = serializers.ChoiceField(choices=PipelineTask.choices, required=False, allow_blank=True)
    dtype = serializers.ChoiceField(choices=Dtype.choices, default=Dtype.AUTO)
    commercial_use_allowed = serializers.BooleanField()
    operations = serializers.SerializerMethodField()
    workspace = _AdminWorkspaceField(slug_field="slug", required=False, allow_null=True)
    base_models = _BaseModelsField(slug_field="key", many=True, required=False)
    trigger_words = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20
    )
    weight_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    weights_hash = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_blank=True)

    class Meta:
        model = ModelRecord
        fields = [
            "key",
            "name",
            "kind",
            "workspace",
            "base_models",
            "trigger_words",
            "weight_name",
            "weights_hash",
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
        if record.kind == ModelKind.LORA:
            return ["image_to_image", "style_transfer", "text_to_image"]
        if record.kind == ModelKind.IP_ADAPTER:
            return ["style_transfer"]
        if record.kind == ModelKind.SEGMENTATION:
            return ["remove_background"]
        found = {op for op, tasks in TASKS_FOR_OPERATION.items() if record.pipeline_task in tasks}
        if record.pipeline_task in (
            PipelineTask.TEXT_TO_IMAGE,
            PipelineTask.IMAGE_TO_IMAGE,
            PipelineTask.UPSCALING,
        ):
            found.add("restore")  # as its refinement or x4 upscale stage
        return sorted(found)

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
        return str(folder)

    def validate_weight_name(self, value: str) -> str:
        if value and (not _WEIGHT_NAME.match(value) or ".." in value.split("/")):
            raise serializers.ValidationError(
                "a relative path to a .safetensors file (pickled weights are never loaded)"
            )
        return value

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
        kind = attrs.get("kind", ModelKind.BASE)
        errors: dict[str, list[str]] = {}
        if kind == ModelKind.BASE:
            self._validate_base(attrs, errors)
        else:
            self._validate_other(kind, attrs, errors)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _validate_base(self, attrs: dict[str, Any], errors: dict[str, list[str]]) -> None:
        if not attrs.get("pipeline_task"):
            errors["pipeline_task"] = ["a base model needs its pipeline task"]
        for name in ("workspace", "base_models", "trigger_words", "weight_name"):
            if attrs.get(name):
                errors[name] = ["only adapters and segmentation models take this"]
        local = attrs.get("local_path")
        if local and not (Path(local) / "model_index.json").is_file():
            errors["local_path"] = ["no diffusers pipeline there (model_index.json is missing)"]

    def _validate_other(self, kind: str, attrs: dict[str, Any], errors: dict[str, list[str]]) -> None:
        if attrs.get("pipeline_task"):
            errors["pipeline_task"] = ["only base models have a pipeline task"]
        attrs["pipeline_task"] = ""
        if kind not in OWNABLE_KINDS:  # pragma: no cover - every non-base kind is ownable today
            errors["kind"] = [f"{kind} cannot be registered here"]
        workspace = attrs.get("workspace")
        local = attrs.get("local_path")
        if kind == ModelKind.SEGMENTATION:
            for name in ("base_models", "trigger_words", "weight_name"):
                if attrs.get(name):
                    errors[name] = ["segmentation models do not take this"]
            if local:
                labels = (attrs.get("default_params") or {}).get("background_labels")
                try:
                    inspect_folder(Path(local), labels if isinstance(labels, list) else None)
                except SegmentationFolderError as exc:
                    errors["local_path"] = [str(exc)]
                    return
                self._pin_hash(attrs, pipelines.weights_hash(Path(local)), errors)
            return
        # LoRA and IP-Adapter
        bases = attrs.get("base_models") or []
        if not bases:
            errors["base_models"] = ["an adapter names the base models it applies to"]
        foreign = [
            b.key
            for b in bases
            if b.workspace_id is not None and b.workspace_id != getattr(workspace, "pk", None)
        ]
        if foreign:  # pragma: no cover - base models have no owner (constraint); kept for the day they do
            errors["base_models"] = [f"unknown base models {foreign}"]
        if not attrs.get("weight_name"):
            errors["weight_name"] = ["the .safetensors file of the adapter"]
            return
        if local:
            path = Path(local) / attrs["weight_name"]
            if not path.is_file():
                errors["weight_name"] = [f"no {attrs['weight_name']} in the folder"]
                return
            if kind == ModelKind.IP_ADAPTER and not (path.parent / "image_encoder" / "config.json").is_file():
                errors["weight_name"] = ["an IP-Adapter needs its image_encoder folder beside the weights"]
                return
            self._pin_hash(attrs, pipelines.file_digest(path), errors)

    @staticmethod
    def _pin_hash(attrs: dict[str, Any], digest: str, errors: dict[str, list[str]]) -> None:
        given = attrs.get("weights_hash")
        if given and given != digest:
            errors["weights_hash"] = [f"the weights there hash to {digest}, not {given}"]
        attrs["weights_hash"] = digest
