"""System checks of the licensing settings (``manage.py check``): a typo must not silently widen use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from governance.licensing.choices import ALL_CHANNELS


def check_licensing_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    problems: list[Error] = []
    configured = list(getattr(settings, "LICENCE_COMMERCIAL_CHANNELS", []))
    unknown = [c for c in configured if c not in ALL_CHANNELS]
    if unknown:
        problems.append(
            Error(
                f"PHOTAI_LICENCE_COMMERCIAL_CHANNELS names unknown channels: {', '.join(unknown)}.",
                hint=f"Use channels from: {', '.join(ALL_CHANNELS)}.",
                id="licensing.E001",
            )
        )
    timeout = getattr(settings, "PROMPT_PATTERN_TIMEOUT_S", 0.05)
    if not isinstance(timeout, int | float) or not 0 < timeout <= 1:
        problems.append(
            Error(
                "PROMPT_PATTERN_TIMEOUT_S must be a number of seconds in (0, 1].",
                hint="A long timeout lets one prompt rule hold a web worker; 0.05 is the default.",
                id="licensing.E002",
            )
        )
    return problems
