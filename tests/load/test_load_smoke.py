"""The load script as a 60-second smoke: gunicorn + a separate Dramatiq worker on a database of its own
(created on the shared PostgreSQL and dropped after) and a Redis namespace of its own; 0 errors, and every
accepted upload and job reconciled (each job ended with its output, every asset reachable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.services import service_or_skip

pytestmark = [pytest.mark.load, pytest.mark.timeout(420)]

REPO = Path(__file__).resolve().parents[2]


def test_sixty_seconds_of_editors_lose_nothing():
    service_or_skip("PostgreSQL", "127.0.0.1", 5432)
    service_or_skip("Redis", "127.0.0.1", 6379)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL", "BROKER_NAMESPACE")}

    result = subprocess.run(
        [sys.executable, "bench/load.py", "--start", "--editors", "8", "--duration", "60", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )

    assert result.stdout.strip(), result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == 0, report["error_samples"]
    reconciliation = report["reconciliation"]
    assert reconciliation["ok"], reconciliation["problems"]
    assert reconciliation["uploads"] == reconciliation["jobs"] == reconciliation["outputs"] > 0
    assert reconciliation["assets_listed"] == 2 * reconciliation["uploads"]
    assert report["loops"] > 0
    assert result.returncode == 0
