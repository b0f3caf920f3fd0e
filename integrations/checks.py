"""System checks for the integrations settings (ids photai.E7xx)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from integrations import registry


@register()
def check_integrations(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    for kind in registry.kinds():
        try:
            registry.connector_class(kind)
        except ImportError as exc:
            problems.append(Error(f"The connector for {kind!r} cannot be imported: {exc}", id="photai.E702"))
    return problems
