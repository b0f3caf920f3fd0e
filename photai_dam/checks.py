"""System checks for misconfiguration, run at start-up (``manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from photai_dam import crypto, outbound
from photai_dam.ports import declared_ports
from photai_dam.ratelimit import Rate


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
def check_outbound_policy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(problem, hint="Use CIDRs such as 10.20.0.0/16 and ports such as 443.", id="photai.E003")
        for problem in outbound.setting_problems(
            settings.OUTBOUND_ALLOWED_NETWORKS, settings.OUTBOUND_ALLOWED_PORTS
        )
    ]


@register()
def check_field_encryption_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    why = crypto.check_key(settings.FIELD_ENCRYPTION_KEY)
    if why is None:
        return []
    return [
        Error(
            f"FIELD_ENCRYPTION_KEY is not a comma-separated list of Fernet keys: {why}",
            hint="Generate one with cryptography.fernet.Fernet.generate_key().",
            id="photai.E004",
        )
    ]


@register()
def check_rate_limits(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Malformed sign-in rates stop start-up; a cache not shared by processes multiplies every limit."""
    problems: list[CheckMessage] = []
    for name, value in (
        ("PHOTAI_LOGIN_RATE_ACCOUNT", settings.LOGIN_RATE_ACCOUNT),
        ("PHOTAI_LOGIN_RATE_ADDRESS", settings.LOGIN_RATE_ADDRESS),
    ):
        try:
            Rate.parse(value)
        except ValueError as exc:
            problems.append(Error(f"{name}: {exc}", id="photai.E006"))
    backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
    if backend in ("LocMemCache", "DummyCache"):
        problems.append(
            Warning(
                f"The cache ({backend}) is not shared between processes: each web process keeps its own "
                "sign-in and verify counts, so every limit is multiplied by the number of processes.",
                hint="Set PHOTAI_CACHE_URL to redis://…, db:// or file:///….",
                id="photai.W002",
            )
        )
    elif backend == "FileBasedCache" and str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"):
        problems.append(
            Warning(
                "The cache is a folder on this machine: web servers on other machines keep their own counts.",
                hint="With more than one web machine, set PHOTAI_CACHE_URL=redis://… (or db://).",
                id="photai.W003",
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
