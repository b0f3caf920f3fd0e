"""System checks for misconfiguration, run at start-up (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from photai_dam.ports import declared_ports


@register()
def check_deployment_basics(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    broker = settings.BROKER_URL
    if settings.DATABASE_URL and settings.DATABASE_URL.startswith("postgres") and broker.startswith("stub"):
        problems.append(
            Warning(
                "PostgreSQL is configured but the broker is the in-process stub.",
                hint="Set BROKER_URL to redis://… or amqp://… so separate workers receive jobs.",
                id="photai.W001",
            )
        )
    if not settings.EMBEDDED_WORKER and broker.startswith("stub"):
        problems.append(
            Error(
                "The stub broker without the embedded worker: jobs would never run.",
                hint="Set PHOTAI_EMBEDDED_WORKER=1 or BROKER_URL to a real broker.",
                id="photai.E001",
            )
        )
    if settings.UPLOAD_MAX_PIXELS > 178_956_970:
        problems.append(
            Error(
                "PHOTAI_UPLOAD_MAX_PIXELS is above Pillow's hard decompression-bomb limit.",
                hint="Use at most 178956970 pixels.",
                id="photai.E002",
            )
        )
    return problems


@register()
def check_ports(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every declared port (photai_dam.ports, governance.ports) has its implementation registered."""
    return [
        Error(
            f"The port {p.name} has no implementation.",
            hint=f"{p.provider} registers it in its AppConfig.ready(); is that app in INSTALLED_APPS?",
            obj=p.name,
            id="photai.E010",
        )
        for p in declared_ports()
        if not p.registered
    ]
