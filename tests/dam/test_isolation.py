"""Invariant I4: a member of one workspace can neither see nor change another's data (404, not 403)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from fixtures.images import image_bytes
from photai_dam.assets.models import Asset
from photai_dam.jobs.models import Job

METHODS = ["get", "post", "put", "patch", "delete"]


@pytest.fixture
def acme_objects(editor, upload):
    asset = upload()
    job = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [asset["id"]], "params": {"width": 10, "height": 10}},
        format="json",
    ).json()
    return {"asset": asset["id"], "job": job["id"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "assets"),
        ("post", "assets"),
        ("get", "assets/{asset}"),
        ("get", "assets/{asset}/download"),
        ("delete", "assets/{asset}"),
        ("get", "jobs"),
        ("post", "jobs"),
        ("get", "jobs/{job}"),
        ("post", "jobs/{job}/cancel"),
    ],
)
def test_outsiders_get_404_on_core_endpoints_and_nothing_changes(
    outsider, editor, acme_objects, method, path
):
    url = "/api/v1/workspaces/acme/" + path.format(**acme_objects)
    # the member sees the object (so a 404 below is isolation, not absence)
    if method == "get":
        assert editor.client.get(url).status_code == 200

    response = getattr(outsider.client, method)(url, {}, format="json")

    assert response.status_code == 404, (url, response.content)
    assert response.json()["error"]["code"] == "not_found"
    assert Asset.objects.filter(pk=acme_objects["asset"]).exists()
    assert Job.objects.get(pk=acme_objects["job"]).status == "queued"


def test_an_outsider_cannot_use_another_workspaces_asset_as_a_job_input(outsider, acme_objects):
    response = outsider.client.post(
        "/api/v1/workspaces/globex/jobs",
        {"operation": "resize", "inputs": [acme_objects["asset"]], "params": {"width": 10, "height": 10}},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "input_not_found"
    assert Job.objects.filter(workspace__slug="globex").count() == 0


def test_the_outsider_lists_only_their_own_workspace(outsider, acme_objects):
    assert [w["slug"] for w in outsider.client.get("/api/v1/workspaces").json()["results"]] == ["globex"]
    assert outsider.client.get("/api/v1/workspaces/globex/assets").json()["count"] == 0


def _workspace_routes() -> list[str]:
    """Every API route under /api/v1/workspaces/<slug>/, across all packages, as a regex string."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            regex = prefix + str(
                p.pattern.regex.pattern if hasattr(p.pattern, "regex") else p.pattern
            ).lstrip("^")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, regex.rstrip("$"))
            elif isinstance(p, URLPattern) and "workspaces/" in regex and "slug" in regex:
                found.append(regex)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def _fill(regex: str) -> str | None:
    if "format" in regex:
        return None
    path = re.sub(r"\(\?P<slug>[^)]*\)", "acme", regex)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(uuid.uuid4()), path)
    path = path.replace("\\", "").replace("$", "").replace("/?", "").replace("^", "")
    if re.search(r"[()\[\]*+?]", path):
        return None
    return "/" + path


def test_every_workspace_route_answers_404_to_non_members(outsider, workspace):
    routes = [p for p in (_fill(r) for r in _workspace_routes()) if p]
    assert any(r.endswith("/assets") for r in routes)

    for path in routes:
        for method in METHODS:
            response = getattr(outsider.client, method)(path, {}, format="json")
            assert response.status_code == 404, (method, path, response.status_code)


def test_anonymous_callers_learn_nothing(client, workspace, upload):
    asset = upload()
    response = client.get(f"/api/v1/workspaces/acme/assets/{asset['id']}")
    assert response.status_code in (401, 403)
    assert asset["id"] not in response.content.decode()


def test_upload_into_a_foreign_workspace_stores_nothing(outsider, workspace, isolated_media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = outsider.client.post(
        "/api/v1/workspaces/acme/assets",
        {"file": SimpleUploadedFile("x.jpg", image_bytes())},
        format="multipart",
    )
    assert response.status_code == 404
    assert Asset.objects.count() == 0
