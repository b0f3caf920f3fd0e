"""Settings from the environment fail loudly on bad values; the demo seed is idempotent JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from photai_dam.env import (
    ConfigurationError,
    broker_from_url,
    cache_from_url,
    env_bool,
    env_int,
    env_str,
    parse_database_url,
)

ROOT = Path(__file__).resolve().parents[2]


def test_database_urls_are_parsed():
    pg = parse_database_url("postgres://u:p%40ss@db.example:6543/photai?sslmode=require")
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u",
        "p@ss",
        "db.example",
        "6543",
        "photai",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    assert parse_database_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"
    with pytest.raises(ConfigurationError):
        parse_database_url("mysql://root@localhost/db")
    with pytest.raises(ConfigurationError):
        parse_database_url("postgres://localhost")


def test_brokers_are_chosen_by_url_scheme():
    assert broker_from_url("redis://h:6379/0", "ns")["OPTIONS"] == {
        "url": "redis://h:6379/0",
        "namespace": "ns",
    }
    assert broker_from_url("amqp://g:g@h:5672/%2F")["BROKER"].endswith("RabbitmqBroker")
    assert broker_from_url("stub://")["BROKER"].endswith("StubBroker")
    with pytest.raises(ConfigurationError):
        broker_from_url("kafka://h")


def test_caches_are_chosen_by_url_scheme():
    assert cache_from_url("redis://h:6379/2", "ns") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://h:6379/2",
        "KEY_PREFIX": "ns",
    }
    assert cache_from_url("db://")["LOCATION"] == "photai_cache"
    assert cache_from_url("db://throttles")["LOCATION"] == "throttles"
    assert cache_from_url("file:///srv/photai/cache")["LOCATION"] == "/srv/photai/cache"
    assert cache_from_url("locmem://")["BACKEND"].endswith("LocMemCache")
    for bad in ("memcached://h:11211", "file://relative/path", "cache"):
        with pytest.raises(ConfigurationError, match="PHOTAI_CACHE_URL"):
            cache_from_url(bad)


def test_a_cache_of_one_process_is_warned_about(settings):
    from django.core.checks import run_checks

    settings.CACHES = {"default": cache_from_url("locmem://")}

    assert "photai.W002" in {message.id for message in run_checks()}


def test_typed_readers_refuse_bad_values(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "12MB")
    with pytest.raises(ConfigurationError, match="X_BOOL"):
        env_bool("X_BOOL")
    with pytest.raises(ConfigurationError, match="X_INT"):
        env_int("X_INT", 1)
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"


def _start_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "photai_dam.settings",
            "PHOTAI_VAR_DIR": env.pop("VAR"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_service_refuses_to_start_on_a_bad_setting(tmp_path):
    result = _start_settings(VAR=str(tmp_path), PHOTAI_UPLOAD_MAX_BYTES="lots")
    assert result.returncode != 0
    assert "PHOTAI_UPLOAD_MAX_BYTES='lots' is not an integer" in result.stderr
    short = _start_settings(VAR=str(tmp_path), SECRET_KEY="short")
    assert "SECRET_KEY must be at least 32 characters" in short.stderr


def test_seed_demo_prints_tokens_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = json.loads(capsys.readouterr().out)
    call_command("seed_demo")
    second = json.loads(capsys.readouterr().out)

    assert first["workspace"] == "demo"
    assert set(first["tokens"]) == {"editor", "brand_reviewer", "legal_reviewer", "admin"}
    assert first == second


def test_the_demo_editor_token_works_on_the_api(db, capsys, client):
    call_command("seed_demo")
    token = json.loads(capsys.readouterr().out)["tokens"]["editor"]

    response = client.get("/api/v1/workspaces/demo/assets", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200


def test_openapi_schema_and_docs_are_served(db, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/workspaces/{slug}/assets" in schema.content
    assert client.get("/api/docs/").status_code == 200
