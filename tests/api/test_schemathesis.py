"""schemathesis against the OpenAPI schema (/api/schema/), as an admin, an editor and a reviewer.

Every documented operation is called with generated data (valid and invalid) on a workspace that holds an
upload, a signed output under review, a queued job and a connection. Three properties must hold for every
response: no server error, no status the schema does not document, and every error is the JSON envelope.

Bounded: ``MAX_EXAMPLES`` cases per operation and role, no shrinking (~2-3 min in all); outbound calls are
confined to loopback (any other address fails to resolve) and the connection points at a closed port.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(600)]

MAX_EXAMPLES = 25
CLOSED_PORT = 9  # discard: nothing listens there on a test machine


@pytest.fixture
def api_schema(transactional_db: None) -> Iterator[Any]:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from photai_dam.wsgi import application

    # As Django's test client does: the WSGI handler would otherwise close the test's database
    # connection (and its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing but loopback resolves: a generated URL can never make the service call out."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "127.0.0.1", "::1") and not name.startswith("127."):
            raise socket.gaierror(socket.EAI_NONAME, f"outbound to {name} blocked in the fuzz suite")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def world(editor, admin_member, brand_reviewer, upload, make_output, make_connection) -> dict[str, str]:
    """One of each thing the path parameters can name, so generated calls reach past the 404s."""

    source = upload()
    output = make_output()
    review = admin_member.client.post(
        f"/api/v1/workspaces/acme/assets/{output.pk}/reviews", {}, format="json"
    )
    job = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "resize", "inputs": [source["id"]], "params": {"width": 64, "height": 64}},
        format="json",
    )
    connection = make_connection(
        "wordpress",
        f"http://127.0.0.1:{CLOSED_PORT}",
        credentials={"username": "editor", "application_password": "abcd efgh ijkl mnop"},
    )
    assert job.status_code == 202 and review.status_code == 201, (job.content, review.content)
    return {
        "assets": str(output.pk),
        "jobs": job.json()["id"],
        "reviews": review.json()["id"],
        "connections": connection["id"],
    }


def _point_at(case: Any, world: dict[str, str]) -> None:
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = "acme"
    for key in ("id", "asset_id"):
        if key in params:
            collection = "assets" if key == "asset_id" else case.path.split("/")[5]
            if collection in world:
                params[key] = world[collection]


@schemathesis.check
def error_is_the_json_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    content_type = response.headers.get("Content-Type", response.headers.get("content-type", ""))
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/json"), f"{response.status_code} answered {content_type}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"], body
    return True


def test_every_operation_answers_as_documented(
    api_schema, world, brand_reviewer, editor, admin_member, loopback_only
):
    failures: dict[str, str] = {}
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case: Any) -> None:
            _point_at(case, world)
            # each generated request as a reviewer, an editor and an admin (least to most privileged)
            for member in (brand_reviewer, editor, admin_member):
                response = case.call_and_validate(
                    headers={"Authorization": f"Token {member.token}"},
                    checks=[
                        not_a_server_error,
                        status_code_conformance,
                        content_type_conformance,
                        error_is_the_json_envelope,
                    ],
                )
                statuses[response.status_code] += 1

        try:
            call()
        except Exception as exc:  # one operation's failure is recorded; the others still run
            failures[operation.label] = str(exc)[:2000]

    print(
        f"schemathesis: {sum(statuses.values())} calls on {len(operations)} operations, by status:", statuses
    )
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    # the generated data got past validation and authorisation too, not only into refusals
    assert statuses[200] + statuses[201] + statuses[202] + statuses[204] > 100, statuses
