"""State changes of the model registry. The API and the admin's users go through these."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction

from governance import audit
from inference.models import ModelRecord
from photai_dam.api.errors import ApiError, Conflict
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Membership


def can_manage_models(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff, or an admin of at least one workspace.

    The registry is shared by every workspace (weights live on shared GPU workers), and registering a model
    is an admin's job (a brand fine-tune, a newly licensed model). Workspace admins may register; what a
    workspace may *use* is then decided by policy from each model's licence facts. Adapters and
    segmentation models may instead belong to one workspace, registered by its admins (the serializer
    only accepts workspaces the user administers).
    """
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    return any(
        Role.ADMIN in roles
        for roles in Membership.objects.filter(user_id=user.pk).values_list("roles", flat=True)
    )


def register_model(user: Any, data: dict[str, Any]) -> ModelRecord:
    """Register a model from validated fields; 403 for non-admins, 409 when the key is taken."""
    if not can_manage_models(user):
        raise ApiError(
            "permission_denied",
            "Registering models needs staff status or the admin role in a workspace.",
            status_code=403,
        )
    if ModelRecord.objects.filter(key=data["key"]).exists():
        # Keys are global (jobs name them): a taken key is a conflict whoever owns it. The answer names no
        # owner, so another workspace's adapters stay invisible.
        raise Conflict("model_exists", f"A model with key {data['key']!r} is already registered.")
    data = dict(data)
    base_models = data.pop("base_models", [])
    try:
        with transaction.atomic():
            record = ModelRecord.objects.create(created_by=user, **data)
            if base_models:
                record.base_models.set(base_models)
            audit.record(
                "model.register",
                actor=user,
                workspace=record.workspace,
                object_type="model",
                object_id=record.key,
                data={
                    "name": record.name,
                    "kind": record.kind,
                    "workspace": record.workspace.slug if record.workspace else None,
                    "source": record.source,
                    "revision": record.revision,
                    "pipeline_task": record.pipeline_task,
                    "base_models": sorted(b.key for b in base_models),
                    "weights_hash": record.weights_hash,
                    "licence_id": record.licence_id,
                    "commercial_use_allowed": record.commercial_use_allowed,
                },
            )
    except IntegrityError:
        # Two admins registering the same key at once: the unique constraint decides.
        raise Conflict("model_exists", f"A model with key {data['key']!r} is already registered.") from None
    return record
