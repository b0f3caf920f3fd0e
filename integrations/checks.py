"""System checks for the integrations settings (ids photai.E7xx)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from integrations import crypto, registry


@register()
def check_integrations(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    why = crypto.check_key(settings.FIELD_ENCRYPTION_KEY)
    if why:
        problems.append(
            Error(
                f"FIELD_ENCRYPTION_KEY is not a list of Fernet keys: {why}",
                hint="Generate one with cryptography.fernet.Fernet.generate_key().",
                id="photai.E701",
            )
        )
    for kind in registry.kinds():
        try:
            registry.connector_class(kind)
        except ImportError as exc:
            problems.append(Error(f"The connector for {kind!r} cannot be imported: {exc}", id="photai.E702"))
    return problems
