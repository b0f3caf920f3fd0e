"""Webhook bodies are parsed with the same limits as the API: a signed body with a number out of range or
nested too deep is a 400 with a code, never a 500, and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

import pytest
from django.test import Client

from integrations.models import Connection, Publication

pytestmark = pytest.mark.django_db

WORDPRESS_SECRET = "wordpress-plugin-secret-0123456789"


@pytest.fixture
def site(make_connection) -> Connection:
    body = make_connection(
        "wordpress",
        "https://blog.example.com",
        credentials={"username": "editor", "application_password": "abcd efgh ijkl mnop"},
        webhook_secret=WORDPRESS_SECRET,
    )
    return Connection.objects.get(pk=body["id"])


@pytest.fixture
def publication(site: Connection, upload) -> Publication:
    """Attachment 42 on the site, live (the state a publish leaves)."""
    return Publication.objects.create(
        workspace=site.workspace, asset_id=upload()["id"], connection=site, status="live", remote_id="42"
    )


def _signed_wordpress(connection, body: bytes):
    """Post ``body`` exactly as given, signed as the PhotAI DAM WordPress plugin signs deliveries
    (HMAC over "<delivery id>.<timestamp>.<body>")."""
    delivery, timestamp = str(uuid.uuid4()), str(int(time.time()))
    message = f"{delivery}.{timestamp}.".encode() + body
    signature = "sha256=" + hmac.new(WORDPRESS_SECRET.encode(), message, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(
        f"/hooks/{connection.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-PhotAI-Signature": signature,
            "X-PhotAI-Delivery": delivery,
            "X-PhotAI-Timestamp": timestamp,
        },
    )


@pytest.mark.parametrize(
    ("attachment_id", "status", "code"),
    [
        ("1e400", 400, "invalid_number"),
        ("NaN", 400, "invalid_number"),
        ("4.5", 400, "invalid_payload"),
        ("true", 400, "invalid_payload"),
        ("-42", 400, "invalid_payload"),
        ('"42; DROP"', 400, "invalid_payload"),
    ],
)
def test_a_signed_wordpress_webhook_with_a_bad_attachment_id_is_a_400(
    site, publication, attachment_id, status, code
):
    body = b'{"event": "attachment.deleted", "attachment_id": %s, "sent_at": %d}' % (
        attachment_id.encode(),
        int(time.time()),
    )

    response = _signed_wordpress(site, body)

    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    publication.refresh_from_db()
    assert publication.status == "live"


def test_a_wordpress_attachment_id_as_a_decimal_string_still_works(site, publication):
    body = b'{"event": "attachment.deleted", "attachment_id": "42", "sent_at": %d}' % int(time.time())

    response = _signed_wordpress(site, body)

    assert response.status_code == 200, response.content
    publication.refresh_from_db()
    assert publication.status == "removed_remotely"


def test_a_webhook_nested_too_deep_is_a_400_before_anything_reads_it(site):
    body = b'{"event": "attachment.deleted", "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"

    response = _signed_wordpress(site, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "json_too_deep"
