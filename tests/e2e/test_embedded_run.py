"""`make run`'s embedded default, as a user meets it: a fresh var/, the demo tokens, and a resize job
submitted over HTTP that completes with nothing else running (no broker, no separate worker)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fixtures.images import image_bytes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def embedded_server(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "BROKER_", "PHOTAI_", "DJANGO_SETTINGS"))
    }
    env.update(PHOTAI_VAR_DIR=str(tmp_path / "var"), PHOTAI_PORT=str(port), PYTHON=sys.executable)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "scripts/run-embedded.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError("server exited:\n" + (tmp_path / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError("server did not come up:\n" + (tmp_path / "server.log").read_text())
        output = (tmp_path / "server.log").read_text()
        tokens_line = next(line for line in output.splitlines() if line.startswith('{"workspace"'))
        yield base, json.loads(tokens_line)["tokens"], tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_resize_job_completes_on_the_embedded_default(embedded_server):
    base, tokens, tmp_path = embedded_server
    headers = {"Authorization": f"Token {tokens['editor']}"}

    upload = httpx.post(
        f"{base}/api/v1/workspaces/demo/assets",
        headers=headers,
        files={"file": ("p.jpg", image_bytes("JPEG", 640, 480), "image/jpeg")},
        timeout=30,
    )
    assert upload.status_code == 201, upload.text
    job = httpx.post(
        f"{base}/api/v1/workspaces/demo/jobs",
        headers=headers,
        json={
            "operation": "resize",
            "inputs": [upload.json()["id"]],
            "params": {"width": 320, "height": 320},
        },
        timeout=30,
    ).json()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{base}/api/v1/workspaces/demo/jobs/{job['id']}", headers=headers, timeout=10).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    output = httpx.get(f"{base}/api/v1/workspaces/demo/assets/{job['outputs'][0]}", headers=headers).json()
    assert (output["width"], output["height"]) == (320, 240)
    assert (tmp_path / "var" / "photai.sqlite3").exists()
