"""The workspace's review workflow: its stages (validated) and the stages one asset's review needs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from governance import policy
from governance.reviews.models import WorkflowSettings
from photai_dam.api.errors import ApiError
from photai_dam.workspaces.choices import Role

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

logger = logging.getLogger(__name__)


class StageSpec(BaseModel):
    """One stage of a workflow: who decides it and how many distinct approvals it needs."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")
    role: str
    approvals: int = Field(default=1, ge=1, le=10)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in Role.values:
            raise ValueError(f"role must be one of {Role.values}")
        return value


def validate_stages(raw: Any) -> list[dict[str, Any]]:
    """Validate a list of stages from the API or settings; 400 ``invalid_stages`` with every problem."""
    if not isinstance(raw, list) or not raw:
        raise ApiError("invalid_stages", "stages must be a non-empty list.")
    try:
        stages = [StageSpec.model_validate(item).model_dump() for item in raw]
    except ValidationError as exc:
        problems = [{"loc": list(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise ApiError("invalid_stages", "A stage is not valid.", details={"problems": problems}) from None
    keys = [s["key"] for s in stages]
    if len(set(keys)) != len(keys):
        raise ApiError("invalid_stages", "Stage keys must be unique.", details={"keys": keys})
    return stages


def default_stages() -> list[dict[str, Any]]:
    return [StageSpec.model_validate(s).model_dump() for s in settings.REVIEW_DEFAULT_STAGES]


def workspace_stages(workspace: Workspace) -> tuple[list[dict[str, Any]], bool]:
    """The workspace's configured stages and its one-stage-per-person option (defaults when unset)."""
    config = WorkflowSettings.objects.filter(workspace=workspace).first()
    if config is None or not config.stages:
        return default_stages(), config.one_stage_per_person if config else True
    return [dict(s) for s in config.stages], config.one_stage_per_person


def policy_extra_roles(asset: Asset) -> list[str]:
    """Roles that policy adds for this asset (e.g. legal for a flagged prompt term); [] without rules."""
    roles = list(policy.extra_review_stages(asset))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValueError(f"policy asked for unknown review roles {unknown}")
    return roles


def stages_for(asset: Asset) -> tuple[list[dict[str, Any]], bool]:
    """The stages a new review of ``asset`` must pass: the workflow's, then any that policy adds."""
    stages, one_stage_per_person = workspace_stages(asset.workspace)
    have_roles = {s["role"] for s in stages}
    for role in policy_extra_roles(asset):
        if role in have_roles:
            continue
        key = role.removesuffix("_reviewer")
        while key in {s["key"] for s in stages}:
            key += "_policy"
        stages.append({"key": key, "role": role, "approvals": 1, "added_by": "policy"})
        have_roles.add(role)
    return stages, one_stage_per_person
