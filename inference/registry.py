"""The model registry: which model a job runs on, and whether it may.

Public contract (used by policy and provenance): :func:`get_model`, :func:`model_for_operation`,
:func:`default_model_key`, :func:`model_info`, :func:`job_model_keys`.

Adapters (LoRA, IP-Adapter) and segmentation models may belong to one workspace. A job of another workspace
that names one gets exactly the answer a key that does not exist gets (invariant I4): look-ups that serve a
job go through :func:`usable_model`, which takes the job's workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q, QuerySet

from inference.choices import TASKS_FOR_OPERATION, ModelKind
from inference.context import ModelInfo
from inference.models import ModelRecord

if TYPE_CHECKING:
    from photai_dam.workspaces.models import Workspace

# Job parameters that name a registry entry besides ``model`` (the base model or, for remove_background,
# the segmentation model), with the kind each must be.
REFERENCE_PARAMS: dict[str, tuple[str, ...]] = {
    "style": (ModelKind.LORA,),
    "ip_adapter": (ModelKind.IP_ADAPTER,),
    "refine_model": (ModelKind.BASE,),
    "upscale_model": (ModelKind.BASE,),
}


def get_model(key: str) -> ModelRecord | None:
    """The registered model with this key (enabled or not, any owner), or None."""
    if not key:
        return None
    return ModelRecord.objects.filter(key=key).first()


def visible_to(workspace: Workspace | int | None) -> QuerySet[ModelRecord]:
    """Models every workspace may use, plus those ``workspace`` owns."""
    if workspace is None:
        return ModelRecord.objects.filter(workspace__isnull=True)
    return ModelRecord.objects.filter(Q(workspace__isnull=True) | Q(workspace=workspace))


def usable_model(key: str, workspace: Workspace | int | None) -> ModelRecord | None:
    """The record ``key`` names for a job of ``workspace``; None when it does not exist *or* belongs to
    another workspace (the two must be indistinguishable)."""
    if not key:
        return None
    return visible_to(workspace).filter(key=key).first()


def default_model_key(operation: str) -> str | None:
    return settings.INFERENCE_DEFAULT_MODELS.get(operation)


def model_for_operation(operation: str, params: dict[str, object]) -> ModelRecord | None:
    """The model a job of ``operation`` with ``params`` runs on (``params.model``, else the default)."""
    key = params.get("model") or default_model_key(operation)
    return get_model(str(key)) if key else None


def model_errors(operation: str, key: str | None, workspace: Workspace | int | None = None) -> list[str]:
    """Why ``key`` cannot run ``operation`` for ``workspace`` (empty when it can)."""
    if not key:
        return [f"no model given and no default model is configured for {operation}"]
    record = usable_model(key, workspace)
    if record is None:
        return [f"there is no registered model {key!r}"]
    problems = []
    if not record.enabled:
        problems.append(f"model {key!r} is disabled")
    if record.kind != ModelKind.BASE:
        problems.append(f"model {key!r} is a {record.kind}, not a base model")
        return problems
    allowed = TASKS_FOR_OPERATION.get(operation, ())
    if record.pipeline_task not in allowed:
        problems.append(
            f"model {key!r} is a {record.pipeline_task} model; {operation} needs one of: {', '.join(allowed)}"
        )
    return problems


def reference_errors(
    param: str, key: str, workspace: Workspace | int | None, *, tasks: tuple[str, ...] = ()
) -> list[str]:
    """Why the registry entry ``key`` named by ``params[param]`` cannot be used (empty when it can)."""
    record = usable_model(key, workspace)
    noun = {"style": "style", "ip_adapter": "IP-Adapter"}.get(param, "model")
    if record is None:
        return [f"there is no registered {noun} {key!r}"]
    kinds = REFERENCE_PARAMS.get(param, ())
    problems = []
    if not record.enabled:
        problems.append(f"{noun} {key!r} is disabled")
    if kinds and record.kind not in kinds:
        problems.append(f"{key!r} is a {record.kind}; {param} takes a {' or '.join(kinds)}")
    elif tasks and record.pipeline_task not in tasks:
        problems.append(
            f"model {key!r} is a {record.pipeline_task} model; {param} needs {' or '.join(tasks)}"
        )
    return problems


def adapter_base_errors(adapter: ModelRecord, base: ModelRecord) -> list[str]:
    """An adapter loads only into a base model it was registered for."""
    bases = list(adapter.base_models.values_list("key", flat=True))
    if base.key not in bases:
        return [
            f"{adapter.kind} {adapter.key!r} applies to {', '.join(sorted(bases)) or 'no base model'}, "
            f"not to {base.key!r}"
        ]
    return []


def adapter_for_base(kind: str, base: ModelRecord, workspace: Workspace | int | None) -> ModelRecord | None:
    """The enabled adapter of ``kind`` for ``base`` a workspace would use by default: its own first."""
    candidates = list(visible_to(workspace).filter(kind=kind, enabled=True, base_models=base).order_by("key"))
    owned = [c for c in candidates if c.workspace_id is not None]
    return owned[0] if owned else (candidates[0] if candidates else None)


def segmentation_model_for(workspace: Workspace | int | None) -> ModelRecord | None:
    """The segmentation model background removal uses for ``workspace``: its own, else a shared one."""
    candidates = list(visible_to(workspace).filter(kind=ModelKind.SEGMENTATION, enabled=True).order_by("key"))
    owned = [c for c in candidates if c.workspace_id is not None]
    return owned[0] if owned else (candidates[0] if candidates else None)


def job_model_keys(operation: str, params: dict[str, Any], recorded: str = "") -> list[str]:
    """Every registry entry a job ran on (what licences derive through): the model the worker recorded,
    then its base or segmentation model and the adapters its parameters named, without repeats."""
    keys: list[str] = [recorded] if recorded else []
    if isinstance(params, dict):
        for param in ("model", *REFERENCE_PARAMS):
            value = params.get(param)
            if isinstance(value, str) and value:
                keys.append(value)
    return list(dict.fromkeys(keys))


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
