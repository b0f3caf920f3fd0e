"""Fixtures for the integrations tests: a real WordPress per session, contract servers, connections,
approved assets, and waiting for a publication to settle.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.plugins.services import require_or_skip

ROOT = Path(__file__).resolve().parents[2]
WORDPRESS_SCRIPT = ROOT / "scripts" / "wordpress-local.sh"
SETTLED = ("live", "failed", "unpublished", "removed_remotely")


@dataclass
class WordPressSite:
    """A throwaway real WordPress on loopback, with an Application Password for its admin."""

    url: str
    user: str
    app_password: str
    directory: Path

    def api(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}/wp-json{route}", auth=(self.user, self.app_password), timeout=30, **kwargs
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop_group(pid_file: Path) -> None:
    # The recipe starts PHP (which forks workers) and MariaDB each with setsid: the pid is the group id.
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def wordpress_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPressSite]:
    """Start WordPress (Debian package), MariaDB and PHP's built-in server once per test session."""
    missing = [tool for tool in ("php", "mariadbd", "mariadb-install-db", "bc") if shutil.which(tool) is None]
    if not Path("/usr/share/wordpress").is_dir():
        missing.append("/usr/share/wordpress")
    require_or_skip(
        not missing, f"a real WordPress needs {', '.join(missing)} (scripts/system-deps.sh installs them)"
    )
    directory = tmp_path_factory.mktemp("wordpress")
    env = {**os.environ, "D": str(directory), "PORT": str(_free_port())}
    try:
        started = subprocess.run(
            ["bash", str(WORDPRESS_SCRIPT)], env=env, capture_output=True, text=True, timeout=180, check=False
        )
        last = started.stdout.strip().splitlines()[-1] if started.stdout.strip() else ""
        values = dict(part.split("=", 1) for part in last.split() if "=" in part)
        require_or_skip(
            started.returncode == 0 and bool(values.get("WP_APP_PASSWORD")),
            f"WordPress did not start (rc={started.returncode}): {started.stderr[-2000:]}",
        )
        yield WordPressSite(
            url=values["WP_URL"],
            user=values["WP_USER"],
            app_password=values["WP_APP_PASSWORD"],
            directory=directory,
        )
    finally:
        _stop_group(directory / "run" / "php.pid")
        _stop_group(directory / "run" / "mariadbd.launcher.pid")


@pytest.fixture
def shopify_server() -> Iterator[Any]:
    from tests.integrations.contract_servers.shopify import ShopifyContractServer

    server = ShopifyContractServer().start()
    yield server
    server.stop()


@pytest.fixture
def contentful_server() -> Iterator[Any]:
    from tests.integrations.contract_servers.contentful import ContentfulContractServer

    server = ContentfulContractServer().start()
    yield server
    server.stop()


@pytest.fixture
def fast_integrations(settings: Any) -> Any:
    """Short waits so retries and polling take milliseconds; the vendor's own wait still applies."""
    settings.INTEGRATIONS_MIN_BACKOFF_MS = 20
    settings.INTEGRATIONS_MAX_BACKOFF_MS = 5000
    settings.INTEGRATIONS_POLL_INTERVAL_S = 0.01
    settings.INTEGRATIONS_POLL_TIMEOUT_S = 5
    settings.INTEGRATIONS_HTTP_TIMEOUT_S = 1
    settings.INTEGRATIONS_MAX_ATTEMPTS = 4
    return settings


@pytest.fixture
def make_connection(admin_member: Any) -> Callable[..., dict[str, Any]]:
    """Create a connection through the API as the workspace admin; returns its JSON."""

    def _make(kind: str, base_url: str, *, credentials: dict[str, Any], **fields: Any) -> dict[str, Any]:
        body = {"kind": kind, "name": fields.pop("name", f"{kind} test"), "base_url": base_url, **fields}
        body["credentials"] = credentials
        response = admin_member.client.post("/api/v1/workspaces/acme/connections", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return _make


@pytest.fixture
def approved_upload(
    upload: Callable[..., dict[str, Any]], admin_member: Any
) -> Callable[..., dict[str, Any]]:
    """Upload an image with an owned licence (every channel, worldwide) and have an admin approve it for
    use through the reviews API: the state the publish gate checks."""
    from fixtures import licences

    def _make(data: bytes | None = None, *, title: str = "Red bicycle") -> dict[str, Any]:
        asset = upload(data, title=title, licence=json.dumps(licences.owned()))
        response = admin_member.client.post(
            f"/api/v1/workspaces/acme/assets/{asset['id']}/reviews", {"approve_for_use": True}, format="json"
        )
        assert response.status_code in (200, 201), response.content
        return asset

    return _make


@pytest.fixture
def integrations_worker(worker: Any) -> Any:
    import integrations.tasks  # noqa: F401  (declares the integrations queue; the worker picks it up)

    return worker


def wait_for_publication(
    client: Any, publication_id: str, *, timeout: float = 30.0, until: tuple[str, ...] = SETTLED
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/workspaces/acme/publications/{publication_id}").json()
        if body.get("status") in until:
            return body
        time.sleep(0.05)
    raise AssertionError(f"publication did not settle within {timeout}s: {body}")


@pytest.fixture
def approved_ai_output(
    make_output: Any, submit: Any, decide: Any, brand_reviewer: Any, legal_reviewer: Any, admin_member: Any
) -> Callable[..., Any]:
    """A real AI output (finalised: watermark + C2PA) of a licensed source, made by a commercial
    model and approved by the brand and legal stages through the reviews API: publishable by the gate."""

    def _make() -> Any:
        from fixtures import licences
        from governance.licensing import record_licence
        from inference.models import ModelRecord
        from photai_dam.jobs.models import Job

        output = make_output(kind="generative", prompt="a red bicycle on a beach")
        source = output.parent_links.get().parent
        record_licence(asset=source, data=licences.owned(), actor=admin_member.user, source="api")
        ModelRecord.objects.get_or_create(
            key="sdxl-commercial",
            defaults={
                "name": "SDXL (test record)",
                "hub_repo_id": "example/sdxl",
                "pipeline_task": "image_to_image",
                "licence_id": "openrail++",
                "commercial_use_allowed": True,
            },
        )
        # What the runner records about the job that made it (the model that ran).
        Job.objects.filter(output_links__asset=output).update(model_key="sdxl-commercial")
        review = submit(output).json()
        for reviewer in (brand_reviewer, legal_reviewer):
            answer = decide(reviewer, review["id"], "approve", output.sha256)
            assert answer.status_code == 200, answer.content
        return output

    return _make
