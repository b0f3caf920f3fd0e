"""Every error under /api/ and /hooks/ is the JSON envelope with a code (invariant I5), whatever produced it:
JSON nested too deep or with non-finite numbers, bodies over Django's limit, unknown routes, wrong
methods, CSRF refusals and exceptions nobody expected."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fixtures.images import image_bytes

pytestmark = pytest.mark.django_db


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body
    return body["error"]


@pytest.mark.parametrize("where", ["jobs", "licence", "policy"])
def test_json_nested_deeper_than_the_limit_is_a_400_not_a_recursion_error(
    where, editor, admin_member, upload
):
    # given a body nested 100 000 levels deep (the JSON module recursed per level: a 500 before)
    asset = upload()
    deep = '{"operation": "resize", "inputs": [], "params": {"width": ' + _deep(100_000) + "}}"
    requests = {
        "jobs": (editor, "post", "/api/v1/workspaces/acme/jobs"),
        "licence": (admin_member, "put", f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"),
        "policy": (admin_member, "put", "/api/v1/workspaces/acme/policy"),
    }
    member, method, url = requests[where]

    response = getattr(member.client, method)(url, deep, content_type="application/json")

    error = _error(response, 400, "json_too_deep")
    assert error["details"] == {"depth": 100_002, "limit": 32}  # the body, params, then the list


def test_the_upload_licence_field_has_the_same_depth_limit(editor):
    payload = {"file": SimpleUploadedFile("a.jpg", image_bytes("JPEG")), "licence": _deep(50_000)}

    response = editor.client.post("/api/v1/workspaces/acme/assets", payload, format="multipart")

    _error(response, 400, "json_too_deep")


def test_nesting_up_to_the_limit_is_parsed_as_usual(editor, upload):
    asset = upload()
    # 32 levels: the body is an object (1) holding params (2) ... the job is refused for its parameters,
    # by the operation's schema, not by the parser
    params = json.loads("{" + '"a": {' * 30 + "}" * 30 + "}")
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [asset["id"]], "params": params},
        format="json",
    )

    _error(response, 422, "invalid_params")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" * 5000])
def test_non_finite_and_out_of_range_numbers_are_a_400(number, editor, upload):
    asset = upload()
    params = f'{{"width": {number}, "height": 10}}'
    body = f'{{"operation": "resize", "inputs": ["{asset["id"]}"], "params": {params}}}'

    response = editor.client.post("/api/v1/workspaces/acme/jobs", body, content_type="application/json")

    _error(response, 400, "invalid_number")


def test_malformed_json_is_a_400_with_a_code(editor):
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs", '{"operation": ', content_type="application/json"
    )

    _error(response, 400, "invalid_json")


def test_a_body_over_djangos_limit_is_a_413_json(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"operation": "resize", "inputs": [], "prompt": "x" * 20_000})

    response = editor.client.post("/api/v1/workspaces/acme/jobs", body, content_type="application/json")

    error = _error(response, 413, "request_too_large")
    assert error["details"] == {"limit_bytes": 10_000}


def test_a_multipart_field_over_djangos_limit_is_a_413_json(settings, editor):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    payload = {"file": SimpleUploadedFile("a.jpg", image_bytes("JPEG")), "title": "x" * 5_000}

    response = editor.client.post("/api/v1/workspaces/acme/assets", payload, format="multipart")

    _error(response, 413, "request_too_large")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-thing", "/api/v2/", "/api/", "/hooks/not-a-uuid/", "/api/v1/workspaces/acme/x/y"],
)
def test_unknown_routes_under_api_and_hooks_are_404_json(path, editor):
    _error(editor.client.get(path), 404, "not_found")


def test_unknown_pages_for_people_stay_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_methods_are_405_json_with_allow(editor):
    error_api = editor.client.delete("/api/v1/verify")
    _error(error_api, 405, "method_not_allowed")

    response = Client().get(f"/hooks/{uuid.uuid4()}/")  # a plain Django view (require_POST)
    _error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_a_csrf_failure_on_the_api_is_a_403_json(editor):
    # session authentication (the web pages' login) without the CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor.user)

    response = client.post(
        "/api/v1/workspaces/acme/jobs", json.dumps({"operation": "resize"}), content_type="application/json"
    )

    _error(response, 403, "csrf_failed")


def test_an_unexpected_exception_is_a_500_json_without_a_traceback(editor, monkeypatch, caplog):
    from photai_dam.workspaces.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: /srv/photai/settings.py line 42")

    monkeypatch.setattr(views.MyWorkspacesView, "get", explode)
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/workspaces", headers={"Authorization": f"Token {editor.token}"})

    error = _error(response, 500, "internal_error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert error["details"] == {}
    # ... while the operator still gets the traceback in the log
    assert any("secret internals" in str(r.exc_info) for r in caplog.records if r.exc_info)
