"""The model registry: which model a job runs on, and whether it may.

Public contract (used by policy and provenance): :func:`get_model`, :func:`model_for_operation`,
:func:`default_model_key`, :func:`model_info`.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from inference.choices import TASKS_FOR_OPERATION
from inference.context import ModelInfo
from inference.models import ModelRecord


def get_model(key: str) -> ModelRecord | None:
    """The registered model with this key (enabled or not), or None."""
    if not key:
        return None
    return ModelRecord.objects.filter(key=key).first()


def default_model_key(operation: str) -> str | None:
    return settings.INFERENCE_DEFAULT_MODELS.get(operation)


def model_for_operation(operation: str, params: dict[str, object]) -> ModelRecord | None:
    """The model a job of ``operation`` with ``params`` runs on (``params.model``, else the default)."""
    key = params.get("model") or default_model_key(operation)
    return get_model(str(key)) if key else None


def model_errors(operation: str, key: str | None) -> list[str]:
    """Why ``key`` cannot run ``operation`` (empty when it can)."""
    if not key:
        return [f"no model given and no default model is configured for {operation}"]
    record = get_model(key)
    if record is None:
        return [f"there is no registered model {key!r}"]
    problems = []
    if not record.enabled:
        problems.append(f"model {key!r} is disabled")
    allowed = TASKS_FOR_OPERATION.get(operation, ())
    if record.pipeline_task not in allowed:
        problems.append(
            f"model {key!r} is a {record.pipeline_task} model; {operation} needs one of: {', '.join(allowed)}"
        )
    return problems


def model_info(record: ModelRecord, *, revision: str, weights_hash: str) -> ModelInfo:
    return ModelInfo(
        key=record.key,
        name=record.name,
        revision=revision,
        weights_hash=weights_hash,
        licence=record.licence_id,
    )


def allowed_local_path(path: str) -> Path | None:
    """The resolved folder when ``path`` lies inside one of PHOTAI_MODEL_ROOTS, else None (no traversal)."""
    try:
        resolved = Path(path).expanduser().resolve(strict=False)
    except (OSError, RuntimeError):
        return None
    for root in settings.INFERENCE_MODEL_ROOTS:
        root_path = Path(root).expanduser().resolve(strict=False)
        if resolved == root_path or root_path in resolved.parents:
            return resolved
    return None
