"""Per-workspace licensing settings, kept under ``workspace.settings["licensing"]``.

Keys (all optional):
- ``allow_unknown`` (bool, default False): inputs whose licence is ``unknown`` (and models the registry
  does not know) no longer block publishing or AI editing; the derivation still names them.
- ``commercial`` (bool, default True): the workspace publishes for commercial advantage, so jobs with a
  model licensed for non-commercial use only are refused at creation.
- ``commercial_channels`` (list of channels, default advertising/ecommerce/email): the channels a
  non-commercial licence or model removes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, ValidationError

from governance.licensing.choices import ALL_CHANNELS, DEFAULT_COMMERCIAL_CHANNELS
from governance.licensing.schema import ChannelName
from photai_dam.api.errors import ApiError


def licensing_settings(workspace: Any) -> dict[str, Any]:
    raw = (workspace.settings or {}).get("licensing") if workspace is not None else None
    return raw if isinstance(raw, dict) else {}


def unknown_allowed(workspace: Any) -> bool:
    return bool(licensing_settings(workspace).get("allow_unknown", False))


def is_commercial(workspace: Any) -> bool:
    return bool(licensing_settings(workspace).get("commercial", True))


def commercial_channels(workspace: Any) -> frozenset[str]:
    configured = licensing_settings(workspace).get("commercial_channels")
    if isinstance(configured, list):
        return frozenset(c for c in configured if c in ALL_CHANNELS)
    default = getattr(settings, "LICENCE_COMMERCIAL_CHANNELS", DEFAULT_COMMERCIAL_CHANNELS)
    return frozenset(default)


class LicensingSettings(BaseModel):
    """The licensing settings' schema (unknown keys are refused)."""

    model_config = ConfigDict(extra="forbid")

    allow_unknown: bool = False
    commercial: bool = True
    commercial_channels: list[ChannelName] | None = None


def validate_settings(data: Any) -> dict[str, Any]:
    """The ``licensing`` settings as stored, or 400 ``invalid_policy`` with field errors."""
    if not isinstance(data, dict):
        raise ApiError(
            "invalid_policy",
            "licensing must be an object.",
            details={"fields": {"licensing": ["not an object"]}},
        )
    try:
        parsed = LicensingSettings.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            fields.setdefault("licensing." + ".".join(str(p) for p in error["loc"]), []).append(error["msg"])
        raise ApiError(
            "invalid_policy", "The licensing settings are not valid.", details={"fields": fields}
        ) from None
    return parsed.model_dump(exclude_none=True)
