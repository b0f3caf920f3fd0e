"""Which real services the run uses, and storage isolated per test.

With DATABASE_URL / BROKER_URL set (CI sets them, with PHOTAI_REQUIRE_SERVICES=1) the suite runs on
PostgreSQL with a real Redis broker; without them it falls back to SQLite + Dramatiq's stub broker.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REQUIRE_SERVICES = os.environ.get("PHOTAI_REQUIRE_SERVICES") == "1"


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.BROKER_URL.split("://", 1)[0]
    line = f"photai: database={db} broker={broker} require_services={REQUIRE_SERVICES}"
    if db == "sqlite3" or broker == "stub":
        line += "  (fallback: set DATABASE_URL and BROKER_URL to run on PostgreSQL + Redis)"
    return [line]


def service_or_skip(name: str, host: str, port: int) -> None:
    """Skip when a service is not reachable — or fail, when the run requires services (CI)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError:
        message = f"{name} is not reachable on {host}:{port}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and PHOTAI_REQUIRE_SERVICES=1")
        pytest.skip(message)


def require_or_skip(condition: bool, reason: str) -> None:
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(reason + " and PHOTAI_REQUIRE_SERVICES=1")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def isolated_media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test stores files in its own folder, never in var/."""
    media = tmp_path / "media"
    if settings.STORAGE_BACKEND == "local":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": media},
            },
        }
    yield media


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The run's own shared cache: a folder, as in the embedded default (never var/cache, never the
    shared Redis, which clearing would flush). Subprocesses that must share it get ``PHOTAI_CACHE_URL``."""
    from django.test.utils import override_settings

    from photai_dam.env import cache_from_url

    folder = tmp_path_factory.mktemp("cache")
    with override_settings(CACHES={"default": cache_from_url(f"file://{folder}")}):
        yield folder


@pytest.fixture(autouse=True)
def fresh_cache(isolated_cache: Path) -> Iterator[None]:
    """Rate limits and other cached state never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
