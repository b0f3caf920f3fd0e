"""Secrets at rest: one key-handling module, purpose-separated keys, and FIELD_ENCRYPTION_KEY rotation
followed end to end as the README documents it (new key first, rotate_secrets, old key removed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from governance.audit.models import AuditEvent
from governance.reviews import notify
from governance.reviews.choices import DeliveryStatus
from governance.reviews.models import WebhookDelivery, WorkflowSettings
from integrations.models import Connection

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
SHOPIFY_SECRET = "shopify-client-secret-0123456789"
REVIEW_SECRET = "review-receiver-secret-0123456789"


class Receiver:
    """The workspace's review webhook endpoint: records what arrives."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                calls.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/photai"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def stored_secrets(settings, admin_member, shopify_server, receiver) -> dict[str, Any]:
    """A Shopify connection and the review webhook, saved through the API while the key is A."""
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    shop = admin_member.client.post(
        "/api/v1/workspaces/acme/connections",
        {
            "kind": "shopify",
            "name": "shop",
            "base_url": shopify_server.url,
            "credentials": {"access_token": shopify_server.access_token},
            "webhook_secret": SHOPIFY_SECRET,
        },
        format="json",
    )
    assert shop.status_code == 201, shop.content
    review = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"webhook_url": receiver.url, "webhook_secret": REVIEW_SECRET},
        format="json",
    )
    assert review.status_code == 200, review.content
    return {"connection": shop.json()["id"], "workspace": admin_member.user}


def _everything_works(admin_member, connection_id: str, receiver: Receiver, client) -> None:
    """What a user observes: the connector authenticates, Shopify webhooks verify with the stored client
    secret, and review webhooks go out signed with the stored secret."""
    tested = admin_member.client.post(f"/api/v1/workspaces/acme/connections/{connection_id}/test").json()
    assert tested["result"] == "reachable", tested

    body = json.dumps(
        {
            "shop_id": 1,
            "shop_domain": "contract-shop.myshopify.com",
            "customer": {"id": 7},
            "orders_requested": [],
        }
    ).encode()
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    hook = client.post(
        f"/hooks/{connection_id}/",
        body,
        content_type="application/json",
        headers={
            "X-Shopify-Topic": "customers/data_request",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": "contract-shop.myshopify.com",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        },
    )
    assert hook.status_code == 200, hook.content

    workspace = Connection.objects.get(pk=connection_id).workspace
    delivery = WebhookDelivery.objects.create(
        workspace=workspace, event="review.approved", payload={"event": "review.approved"}, url=receiver.url
    )
    before = len(receiver.calls)
    notify.deliver_webhook(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED, delivery.last_error
    headers, sent = receiver.calls[before]
    assert notify.verify_signature(
        REVIEW_SECRET, headers["X-PhotAI-Timestamp"], sent, headers["X-PhotAI-Signature"]
    )


def test_rotation_as_documented_keeps_every_secret(settings, stored_secrets, admin_member, receiver, client):
    connection_id = stored_secrets["connection"]
    _everything_works(admin_member, connection_id, receiver, client)

    # the new key first, the old one still listed: everything stored under A still works
    settings.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    _everything_works(admin_member, connection_id, receiver, client)

    # re-encrypt everything under the first key
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    report = out.getvalue()
    assert "integrations.Connection.credentials_encrypted: 1 re-encrypted" in report
    assert "integrations.Connection.webhook_secret_encrypted: 1 re-encrypted" in report
    assert "reviews.WorkflowSettings.webhook_secret_encrypted: 1 re-encrypted" in report
    # one event per value re-encrypted, naming the column and never the value
    rotated = AuditEvent.objects.filter(action="secrets.rotate")
    assert sorted(e.data["field"] for e in rotated) == [
        "credentials_encrypted",
        "webhook_secret_encrypted",
        "webhook_secret_encrypted",
    ]
    assert {e.workspace_slug for e in rotated} == {"acme"}

    # then the old key goes: nothing was lost
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    _everything_works(admin_member, connection_id, receiver, client)
    # and a second run has nothing left to do
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "0 re-encrypted" in out.getvalue() and " 1 re-encrypted" not in out.getvalue()


def test_without_the_old_key_values_not_yet_rotated_are_unreadable_and_the_command_says_so(
    settings, stored_secrets
):
    settings.FIELD_ENCRYPTION_KEY = KEY_B  # A dropped before rotate_secrets ran

    with pytest.raises(CommandError, match="3 stored secrets cannot be decrypted"):
        call_command("rotate_secrets", stdout=StringIO())
    # nothing was overwritten: with A back, the values still open
    settings.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    assert Connection.objects.get().webhook_secret == SHOPIFY_SECRET


def test_values_stored_by_the_earlier_code_stay_readable_and_are_re_encrypted(
    settings, admin_member, workspace, shopify_server, receiver, client
):
    # given rows written by the code before one key module: the connection's secrets under the
    # configured Fernet key itself, the review secret under sha256 of the whole setting
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    connection = Connection.objects.create(
        workspace=workspace,
        kind="shopify",
        name="legacy",
        base_url=shopify_server.url,
        channel="ecommerce",
        territory="worldwide",
        credentials_encrypted=Fernet(KEY_A.encode())
        .encrypt(json.dumps({"access_token": shopify_server.access_token}).encode())
        .decode(),
        webhook_secret_encrypted=Fernet(KEY_A.encode()).encrypt(json.dumps(SHOPIFY_SECRET).encode()).decode(),
    )
    legacy_review_key = base64.urlsafe_b64encode(
        hashlib.sha256(b"photai-dam/reviews/webhook-secret\x00" + KEY_A.encode()).digest()
    )
    WorkflowSettings.objects.create(
        workspace=workspace,
        webhook_url=receiver.url,
        webhook_secret_encrypted=Fernet(legacy_review_key).encrypt(REVIEW_SECRET.encode()).decode(),
    )

    # when the key is rotated as documented
    _everything_works(admin_member, str(connection.pk), receiver, client)
    settings.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    _everything_works(admin_member, str(connection.pk), receiver, client)
    call_command("rotate_secrets", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEY = KEY_B

    # then everything still works on B alone
    _everything_works(admin_member, str(connection.pk), receiver, client)


def test_each_purpose_has_its_own_key_derived_from_the_master_key(settings, workspace):
    from photai_dam import crypto

    settings.FIELD_ENCRYPTION_KEY = KEY_A
    connection = Connection(workspace=workspace, kind="shopify", name="x", base_url="https://x.example")
    connection.webhook_secret = "the-same-secret-value"
    connection.credentials = {"access_token": "shpat_123456789"}

    # neither the master key nor another purpose's key opens a value
    master = Fernet(KEY_A.encode())
    with pytest.raises(InvalidToken):
        master.decrypt(connection.webhook_secret_encrypted.encode())
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt("reviews.workflow.webhook_secret", connection.webhook_secret_encrypted)
    # the purpose key is HKDF-SHA256 over the raw master key, with the purpose in `info`
    expected = crypto.purpose_key(base64.urlsafe_b64decode(KEY_A), "integrations.connection.webhook_secret")
    assert (
        Fernet(expected).decrypt(connection.webhook_secret_encrypted.encode()) == b'"the-same-secret-value"'
    )


def test_without_a_configured_key_the_master_key_is_hkdf_of_the_secret_key(settings, workspace):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    settings.FIELD_ENCRYPTION_KEY = None
    connection = Connection(workspace=workspace, kind="shopify", name="x", base_url="https://x.example")
    connection.credentials = {"access_token": "shpat_123456789"}

    # derived independently: HKDF-SHA256 of SECRET_KEY, then the purpose's HKDF of that master key
    master = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"photai-dam/secrets/v2/master-from-secret-key"
    ).derive(settings.SECRET_KEY.encode())
    purpose = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"photai-dam/secrets/v2/integrations.connection.credentials",
    ).derive(master)
    token = connection.credentials_encrypted.encode()
    assert json.loads(Fernet(base64.urlsafe_b64encode(purpose)).decrypt(token)) == {
        "access_token": "shpat_123456789"
    }
    assert "shpat" not in connection.credentials_encrypted


def test_a_malformed_key_stops_start_up_with_a_named_check(settings):
    settings.FIELD_ENCRYPTION_KEY = f"{KEY_A},not-a-fernet-key"

    with pytest.raises(SystemCheckError, match=r"photai\.E004"):
        call_command("check")
