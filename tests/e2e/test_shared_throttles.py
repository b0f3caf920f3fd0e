"""Limits hold across processes: two gunicorn servers on one deployment share the sign-in throttle and the
verify rate, whether the cache is the embedded default's folder, the database, or Redis.

Each server is its own process with its own memory; requests alternate between them. A per-process cache
(Django's default before the cache was configured) lets every server count only its own half.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.images import image_bytes
from tests.plugins.outbound import LOOPBACK_ALLOWED_ENV
from tests.plugins.services import require_or_skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "shared-throttles-test-secret-key-0123456789"
PASSWORD = "pw-demo-shared-throttles"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(var: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "BROKER_", "PHOTAI_", "DJANGO_SETTINGS", "SECRET_KEY"))
    }
    env.update(
        PHOTAI_VAR_DIR=str(var),
        SECRET_KEY=SECRET_KEY,
        PYTHONPATH=str(ROOT),
        PHOTAI_VERIFY_RATE="3/min",
        PHOTAI_LOGIN_RATE_ACCOUNT="4/15m",
        PHOTAI_LOGIN_RATE_ADDRESS="100/15m",
        **LOOPBACK_ALLOWED_ENV,
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One migrated SQLite deployment with the demo users (migrated with the database cache configured,
    so `migrate` also made the cache table)."""
    var = tmp_path_factory.mktemp("deployment") / "var"
    env = _environment(var, PHOTAI_CACHE_URL="db://")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    seeded = subprocess.run(
        [*manage, "seed_demo", "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(x for x in seeded.stdout.splitlines() if x.startswith('{"workspace"'))
    return {"var": var, "tokens": json.loads(line)["tokens"]}


def _redis(tmp: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    require_or_skip(binary is not None, "redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=["embedded-default-folder", "database", "redis"])
def two_servers(request, deployment, tmp_path) -> Iterator[tuple[list[str], Path]]:
    """Two gunicorn processes (one worker each) on one copy of the deployment and one cache."""
    var = tmp_path / "var"
    shutil.copytree(deployment["var"], var)
    extra: dict[str, str] = {}
    redis: Iterator[str] | None = None
    if request.param == "database":
        extra["PHOTAI_CACHE_URL"] = "db://"
    elif request.param == "redis":
        redis = _redis(tmp_path)
        extra["PHOTAI_CACHE_URL"] = next(redis)
    # else: no PHOTAI_CACHE_URL, the embedded default (a folder under var/)
    env = _environment(var, **extra)
    processes, urls = [], []
    for index in range(2):
        port = _free_port()
        log = (tmp_path / f"gunicorn-{index}.log").open("w")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "photai_dam.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process, index in zip(urls, processes, range(2), strict=True):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise AssertionError((tmp_path / f"gunicorn-{index}.log").read_text())
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise AssertionError(
                    "gunicorn did not come up: " + (tmp_path / f"gunicorn-{index}.log").read_text()
                )
        yield urls, var
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        if redis is not None:
            redis.close()


def _sign_in(base: str, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text
        return client.post(
            "/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        )


def test_the_sign_in_throttle_holds_across_processes(two_servers):
    (first, second), var = two_servers
    # four failed sign-ins, alternating between the two processes (the limit is 4 per account)
    for base in (first, second, first, second):
        assert _sign_in(base, "demo-brand-reviewer", "wrong-password").status_code == 200

    # then both refuse even the right password
    for base in (first, second):
        refused = _sign_in(base, "demo-brand-reviewer", PASSWORD)
        assert refused.status_code == 429, refused.text[:500]
    # while another account still signs in (302 to the queue)
    assert _sign_in(second, "demo-legal-reviewer", PASSWORD).status_code == 302

    # and the audit log (not a workspace's: sign-ins belong to none) has every failed and throttled one
    with sqlite3.connect(var / "photai.sqlite3") as db:
        rows = db.execute(
            "SELECT action, object_id FROM audit_auditevent WHERE action LIKE 'auth.login%' ORDER BY id"
        ).fetchall()
    assert (
        rows
        == [("auth.login_failed", "demo-brand-reviewer")] * 4
        + [("auth.login_throttled", "demo-brand-reviewer")] * 2
    )


def test_the_verify_rate_holds_across_processes(two_servers, deployment):
    (first, second), _ = two_servers
    headers = {"Authorization": f"Token {deployment['tokens']['editor']}"}
    data = image_bytes("PNG", 64, 64)

    def verify(base: str) -> int:
        files = {"file": ("x.png", data, "image/png")}
        return httpx.post(f"{base}/api/v1/verify", headers=headers, files=files, timeout=60).status_code

    # PHOTAI_VERIFY_RATE=3/min for the user, wherever the requests land
    assert [verify(base) for base in (first, second, first, second)] == [200, 200, 200, 429]
    assert verify(first) == 429
