"""Typed readers for configuration from the environment that fail loudly on a bad value.

Every reader also accepts ``NAME_FILE`` pointing at a file that holds the value (for secrets mounted by
an orchestrator), the same convention as the official Docker images.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigurationError(RuntimeError):
    """A setting from the environment is present but unusable."""


_MISSING = object()


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_database_url(url: str) -> dict[str, object]:
    """Turn ``postgres://user:pass@host:5432/name`` or ``sqlite:///path`` into a Django DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs/path.db -> "/abs/path.db"
        path = unquote(parts.path)[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or ":memory:"}
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigurationError(f"DATABASE_URL {url!r} names no database")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        config: dict[str, object] = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
        if options:
            config["OPTIONS"] = options
        return config
    raise ConfigurationError(
        f"DATABASE_URL scheme {scheme!r} is not supported (use postgres:// or sqlite://)"
    )


def broker_from_url(url: str, namespace: str = "dramatiq") -> dict[str, object]:
    """Map ``redis://…``, ``amqp://…`` or ``stub://`` onto django_dramatiq's DRAMATIQ_BROKER setting."""
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return {
            "BROKER": "photai_dam.brokers.RedisBroker",
            "OPTIONS": {"url": url, "namespace": namespace},
        }
    if scheme in {"amqp", "amqps"}:
        return {"BROKER": "photai_dam.brokers.RabbitmqBroker", "OPTIONS": {"url": url}}
    if scheme == "stub":
        return {"BROKER": "photai_dam.brokers.StubBroker", "OPTIONS": {}}
    raise ConfigurationError(
        f"BROKER_URL scheme {scheme!r} is not supported (use redis://, amqp:// or stub://)"
    )


def cache_from_url(url: str, key_prefix: str = "photai") -> dict[str, object]:
    """``redis://…`` (production), ``db://[table]`` (the database), ``file:///path`` or ``locmem://``."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
        }
    if scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or "photai_cache"
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "KEY_PREFIX": key_prefix,
        }
    if scheme == "file":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            raise ConfigurationError(f"PHOTAI_CACHE_URL {url!r}: use file:///absolute/path")
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": path,
            "KEY_PREFIX": key_prefix,
            # Rate-limit windows are short-lived keys; culling a third at 300 entries would forget them.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": key_prefix}
    raise ConfigurationError(
        f"PHOTAI_CACHE_URL scheme {scheme!r} is not supported (use redis://, db://, file:/// or locmem://)"
    )
