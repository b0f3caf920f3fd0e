"""Helpers for running catalog operations through the API on a real worker."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def submit(
    member: Any,
    operation: str,
    *,
    inputs: list[str] | None = None,
    params: dict[str, Any] | None = None,
    prompt: str = "",
) -> Any:
    return member.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": operation, "inputs": inputs or [], "params": params or {}, "prompt": prompt},
        format="json",
    )


def run_job(member: Any, wait_for_job: Any, operation: str, **request: Any) -> dict[str, Any]:
    """Submit a job through the API and wait for the worker to finish it; returns the job's JSON."""
    response = submit(member, operation, **request)
    assert response.status_code == 202, response.content
    return wait_for_job(member.client, response.json()["id"], timeout=120)


def asset(member: Any, asset_id: str) -> dict[str, Any]:
    response = member.client.get(f"/api/v1/workspaces/acme/assets/{asset_id}")
    assert response.status_code == 200, response.content
    return response.json()


def download(member: Any, asset_id: str) -> tuple[Image.Image, bytes]:
    """The stored bytes of an asset, decoded."""
    response = member.client.get(asset(member, asset_id)["download_url"])
    data = (
        b"".join(response.streaming_content) if hasattr(response, "streaming_content") else response.content
    )
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, data
