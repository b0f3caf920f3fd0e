"""Webhooks in: signatures checked with known vectors, 401 on failure, de-duplication, and what each does.

The expected signatures are computed here from each vendor's documented algorithm (and, for the fixed
vectors, with ``openssl dgst -sha256 -hmac``), never with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from governance.audit.models import AuditEvent
from integrations.contentful.connector import sign as contentful_sign
from integrations.models import Connection, Publication, WebhookDelivery
from integrations.webhook_signing import base64_hmac, hex_hmac

pytestmark = pytest.mark.django_db

SHOPIFY_SECRET = "shopify-client-secret-0123456789"
CONTENTFUL_SECRET = "k" * 64
WORDPRESS_SECRET = "wordpress-plugin-secret-0123456789"

# Payloads as Shopify's webhook reference documents them, per topic.
FILE_DELETED = {"id": 7001, "admin_graphql_api_id": "gid://shopify/MediaImage/7001"}
SHOP_REDACT = {"shop_id": 1, "shop_domain": "contract-shop.myshopify.com"}
CUSTOMERS_REDACT = {
    "shop_id": 1,
    "shop_domain": "contract-shop.myshopify.com",
    "customer": {"id": 7, "email": "jo@example.com"},
    "orders_to_redact": [11],
}
DATA_REQUEST = {
    "shop_id": 1,
    "shop_domain": "contract-shop.myshopify.com",
    "customer": {"id": 7, "email": "jo@example.com"},
    "orders_requested": [11],
    "data_request": {"id": 9999},
}
UNINSTALLED = {
    "id": 1,
    "name": "Contract Shop",
    "domain": "shop.example.com",
    "myshopify_domain": "contract-shop.myshopify.com",
    "updated_at": "2026-11-29T10:00:00-05:00",
}
PRODUCT = {"id": 632910392, "title": "IPod Nano", "admin_graphql_api_id": "gid://shopify/Product/632910392"}


# --- known vectors (openssl dgst -sha256 -hmac <secret>) ---------------------------------------------------
def test_shopify_vector():
    body = b'{"id":7001,"admin_graphql_api_id":"gid://shopify/MediaImage/7001"}'
    assert base64_hmac("hush", body) == "wfIQQ80C0xK5DkKtTcorxXUcQwc+bl0ZYf7f6UlZYDE="


def test_contentful_canonical_request_vector():
    headers = {
        "X-Contentful-Timestamp": "1700000000000",
        "content-type": " application/vnd.contentful.management.v1+json ",  # trimmed and lower-cased keys
        "x-contentful-signed-headers": "content-type,x-contentful-signed-headers,x-contentful-timestamp",
    }
    signature = contentful_sign(
        CONTENTFUL_SECRET,
        "post",
        "/hooks/00000000-0000-4000-8000-000000000001/",
        headers,
        b'{"sys":{"id":"photai-x"}}',
    )
    assert signature == "f93fff4b8340ed9a05f2ff2ce77c2e2322f73be1f2676df3c014af5cc3f5fffa"


# --- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture
def client() -> Client:
    # CSRF checks on, as in production: the webhook view must be exempt.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def connect(make_connection: Any) -> Any:
    def _connect(kind: str) -> Connection:
        details = {
            "shopify": (
                "https://contract-shop.myshopify.com",
                {"access_token": "shpat_123456789"},
                SHOPIFY_SECRET,
                {},
            ),
            "contentful": (
                "https://api.contentful.com",
                {"cma_token": "CFPAT-123456789"},
                CONTENTFUL_SECRET,
                {"space_id": "space1"},
            ),
            "wordpress": (
                "https://blog.example.com",
                {"username": "editor", "application_password": "abcd efgh ijkl mnop"},
                WORDPRESS_SECRET,
                {},
            ),
        }[kind]
        body = make_connection(
            kind, details[0], credentials=details[1], webhook_secret=details[2], config=details[3]
        )
        return Connection.objects.get(pk=body["id"])

    return _connect


@pytest.fixture
def live_on(upload: Any) -> Any:
    """A publication in the live state with ``remote_id`` on ``connection`` (the state a publish leaves)."""

    def _live(connection: Connection, remote_id: str) -> Publication:
        asset_id = upload()["id"]
        return Publication.objects.create(
            workspace=connection.workspace,
            asset_id=asset_id,
            connection=connection,
            status="live",
            remote_id=remote_id,
            remote_url=f"https://cdn.example.com/{remote_id}",
            remote_state={"staged": "https://storage.example.com/tmp/abc"},
        )

    return _live


def _shopify(
    client: Client,
    connection: Connection,
    topic: str,
    payload: dict[str, Any],
    *,
    secret: str = SHOPIFY_SECRET,
    webhook_id: str | None = None,
    signature: str | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return client.post(
        f"/hooks/{connection.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": expected if signature is None else signature,
            "X-Shopify-Shop-Domain": "contract-shop.myshopify.com",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        },
    )


# --- Shopify --------------------------------------------------------------------------------------------
def test_shopify_file_deleted_in_the_shop_marks_the_publication_removed_remotely(client, connect, live_on):
    shop = connect("shopify")
    publication = live_on(shop, "gid://shopify/MediaImage/7001")

    response = _shopify(
        client, shop, "files/delete", {"id": 7001, "admin_graphql_api_id": "gid://shopify/MediaImage/7001"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["removed_remotely"] == 1
    publication.refresh_from_db()
    assert publication.status == "removed_remotely"


@pytest.mark.parametrize(
    "topic", ["files/delete", "customers/data_request", "customers/redact", "shop/redact"]
)
@pytest.mark.parametrize("how", ["wrong secret", "no signature", "tampered"])
def test_shopify_answers_401_to_a_bad_hmac_and_changes_nothing(client, connect, live_on, topic, how):
    shop = connect("shopify")
    publication = live_on(shop, "gid://shopify/MediaImage/7001")
    payload = {
        "admin_graphql_api_id": "gid://shopify/MediaImage/7001",
        "shop_domain": "contract-shop.myshopify.com",
    }
    if how == "wrong secret":
        response = _shopify(client, shop, topic, payload, secret="not-the-client-secret")
    elif how == "no signature":
        response = _shopify(client, shop, topic, payload, signature="")
    else:
        good = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), b"{}", hashlib.sha256).digest()).decode()
        response = _shopify(client, shop, topic, payload, signature=good)  # a valid HMAC of another body

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    publication.refresh_from_db()
    assert publication.status == "live"
    assert Connection.objects.get(pk=shop.pk).is_active is True
    assert not WebhookDelivery.objects.exists()


def test_shopify_redeliveries_are_handled_once(client, connect, live_on):
    shop = connect("shopify")
    live_on(shop, "gid://shopify/MediaImage/7001")
    payload = {"admin_graphql_api_id": "gid://shopify/MediaImage/7001"}

    first = _shopify(client, shop, "files/delete", payload, webhook_id="wh-1")
    second = _shopify(client, shop, "files/delete", payload, webhook_id="wh-1")

    assert first.json()["duplicate"] is False
    assert second.status_code == 200
    assert second.json() == {"duplicate": True}
    assert AuditEvent.objects.filter(action="publication.removed_remotely").count() == 1


def test_shop_redact_erases_the_shops_data_and_keeps_our_record(client, connect, live_on):
    shop = connect("shopify")
    publication = live_on(shop, "gid://shopify/MediaImage/7001")
    _shopify(client, shop, "customers/data_request", DATA_REQUEST, webhook_id="wh-0")

    response = _shopify(client, shop, "shop/redact", SHOP_REDACT, webhook_id="wh-9")

    assert response.status_code == 200
    shop.refresh_from_db()
    assert shop.credentials_encrypted == ""  # the access token is gone
    assert shop.is_active is False
    assert shop.webhook_secret == SHOPIFY_SECRET  # redeliveries of the request still verify ...
    # ... and de-duplicate (on the webhook id, and on the signed body's digest)
    kept = sorted(WebhookDelivery.objects.values_list("delivery_id", flat=True))
    assert kept[1] == "wh-9" and kept[0].startswith("body-sha256:") and len(kept) == 2
    publication.refresh_from_db()
    assert publication.status == "removed_remotely"
    assert (publication.remote_url, publication.remote_state) == ("", {})
    assert publication.remote_id == "gid://shopify/MediaImage/7001"  # which asset went where stays ours
    assert AuditEvent.objects.filter(action="connection.shop_redact").count() == 1
    assert _shopify(client, shop, "shop/redact", SHOP_REDACT, webhook_id="wh-9").json() == {"duplicate": True}


def test_customer_compliance_topics_are_acknowledged(client, connect):
    shop = connect("shopify")

    for topic, body in (("customers/data_request", DATA_REQUEST), ("customers/redact", CUSTOMERS_REDACT)):
        response = _shopify(client, shop, topic, body)
        assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(action="connection.customers_redact").count() == 1


def test_a_webhook_from_another_shop_is_refused_when_the_shop_is_configured(client, connect, admin_member):
    shop = connect("shopify")
    admin_member.client.patch(
        f"/api/v1/workspaces/acme/connections/{shop.pk}",
        {"config": {"shop_domain": "other-shop.myshopify.com"}},
        format="json",
    )

    response = _shopify(client, shop, "files/delete", {"id": 1})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "wrong_shop"


# --- Contentful -----------------------------------------------------------------------------------------
def _contentful(
    client: Client,
    connection: Connection,
    topic: str,
    payload: dict[str, Any],
    *,
    age_s: float = 0,
    tamper: bool = False,
    timestamp_ms: int | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    path = f"/hooks/{connection.pk}/"
    timestamp = str(timestamp_ms or int((time.time() - age_s) * 1000))
    signed = {
        "content-type": "application/vnd.contentful.management.v1+json",
        "x-contentful-signed-headers": ",".join(
            ["content-type", "x-contentful-signed-headers", "x-contentful-timestamp", "x-contentful-topic"]
        ),
        "x-contentful-timestamp": timestamp,
        "x-contentful-topic": topic,
    }
    # The documented canonical string, built here independently of integrations/contentful.
    canonical = "\n".join(
        ["POST", path, ";".join(f"{k}:{v}" for k, v in sorted(signed.items())), body.decode()]
    )
    signature = hmac.new(CONTENTFUL_SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return client.post(
        path,
        body + (b" " if tamper else b""),
        content_type=signed["content-type"],
        headers={
            "X-Contentful-Topic": topic,
            "X-Contentful-Signature": signature,
            "X-Contentful-Signed-Headers": signed["x-contentful-signed-headers"],
            "X-Contentful-Timestamp": timestamp,
        },
    )


def test_contentful_signed_asset_deletion_marks_the_publication_removed_remotely(client, connect, live_on):
    space = connect("contentful")
    publication = live_on(space, "photai-abc")

    response = _contentful(
        client, space, "ContentManagement.Asset.delete", {"sys": {"id": "photai-abc", "type": "DeletedAsset"}}
    )

    assert response.status_code == 200, response.content
    publication.refresh_from_db()
    assert publication.status == "removed_remotely"


@pytest.mark.parametrize(
    ("age_s", "tamper", "code"), [(31, False, "stale_webhook"), (0, True, "invalid_signature")]
)
def test_contentful_refuses_stale_or_tampered_requests(client, connect, live_on, age_s, tamper, code):
    space = connect("contentful")
    publication = live_on(space, "photai-abc")

    response = _contentful(
        client,
        space,
        "ContentManagement.Asset.delete",
        {"sys": {"id": "photai-abc"}},
        age_s=age_s,
        tamper=tamper,
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    publication.refresh_from_db()
    assert publication.status == "live"


def test_contentful_within_the_ttl_is_accepted(client, connect, live_on):
    space = connect("contentful")
    live_on(space, "photai-abc")

    response = _contentful(
        client, space, "ContentManagement.Asset.unpublish", {"sys": {"id": "photai-abc"}}, age_s=25
    )

    assert response.status_code == 200


# --- WordPress plugin -----------------------------------------------------------------------------------
def _wordpress(
    client: Client, connection: Connection, payload: dict[str, Any], *, secret: str = WORDPRESS_SECRET
) -> Any:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/hooks/{connection.pk}/",
        body,
        content_type="application/json",
        headers={"X-PhotAI-Signature": signature, "X-PhotAI-Delivery": str(uuid.uuid4())},
    )


def test_wordpress_plugin_reports_a_deleted_attachment(client, connect, live_on):
    site = connect("wordpress")
    publication = live_on(site, "42")

    response = _wordpress_signed(client, site, {"event": "attachment.deleted", "attachment_id": 42})

    assert response.status_code == 200, response.content
    publication.refresh_from_db()
    assert publication.status == "removed_remotely"


def test_wordpress_refuses_another_sites_secret(client, connect, live_on):
    site = connect("wordpress")
    publication = live_on(site, "42")

    response = _wordpress_signed(
        client, site, {"event": "attachment.deleted", "attachment_id": 42}, secret="another-sites-secret-0123"
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    publication.refresh_from_db()
    assert publication.status == "live"


# --- the endpoint itself --------------------------------------------------------------------------------
def test_bodies_over_the_limit_are_refused_before_parsing(client, connect, settings):
    shop = connect("shopify")
    settings.INTEGRATIONS_WEBHOOK_MAX_BYTES = 1024

    response = _shopify(client, shop, "files/delete", {"padding": "x" * 2000})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_only_post_and_only_known_connections(client, connect):
    shop = connect("shopify")

    assert client.get(f"/hooks/{shop.pk}/").status_code == 405
    assert client.post(f"/hooks/{uuid.uuid4()}/", b"{}", content_type="application/json").status_code == 404
    assert client.post("/hooks/not-a-uuid/", b"{}", content_type="application/json").status_code == 404


def test_app_uninstalled_deactivates_the_connection_and_erases_the_token(
    client, connect, live_on, editor, upload
):
    shop = connect("shopify")

    response = _shopify(client, shop, "app/uninstalled", UNINSTALLED)

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.is_active, shop.credentials_encrypted) == (False, "")
    # nothing can be published through it any more
    refused = editor.client.post(
        f"/api/v1/workspaces/acme/assets/{upload()['id']}/publications",
        {"connection": str(shop.pk)},
        format="json",
    )
    assert refused.json()["error"]["code"] == "connection_not_found"


def test_list_endpoints_use_a_constant_number_of_queries(
    connect, live_on, admin_member, django_assert_max_num_queries
):
    for kind in ("shopify", "contentful", "wordpress"):
        connection = connect(kind)
        for i in range(3):
            live_on(connection, f"{kind}-{i}")

    with django_assert_max_num_queries(6):
        publications = admin_member.client.get("/api/v1/workspaces/acme/publications")
    with django_assert_max_num_queries(5):
        connections = admin_member.client.get("/api/v1/workspaces/acme/connections")

    assert publications.json()["count"] == 9
    assert connections.json()["count"] == 3


# --- replay and topic swap -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("captured_topic", "captured", "sent_as"),
    [
        ("files/delete", FILE_DELETED, "app/uninstalled"),
        ("products/update", PRODUCT, "app/uninstalled"),
        ("customers/data_request", DATA_REQUEST, "app/uninstalled"),
        ("customers/redact", CUSTOMERS_REDACT, "shop/redact"),
        ("customers/data_request", DATA_REQUEST, "shop/redact"),
        ("app/uninstalled", UNINSTALLED, "shop/redact"),
        ("shop/redact", SHOP_REDACT, "app/uninstalled"),
        ("products/update", PRODUCT, "files/delete"),
        ("shop/redact", SHOP_REDACT, "customers/redact"),
    ],
)
def test_a_signed_body_resent_under_another_topic_is_refused(
    client, connect, live_on, captured_topic, captured, sent_as
):
    # given a body Shopify signed for one topic (the HMAC covers the body, not the topic header)
    shop = connect("shopify")
    publication = live_on(shop, "gid://shopify/MediaImage/7001")

    # when it is sent with a forged X-Shopify-Topic
    response = _shopify(client, shop, sent_as, captured)

    # then nothing happens: the body does not have that topic's documented shape
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "topic_mismatch"
    shop.refresh_from_db()
    assert shop.is_active is True and shop.credentials == {"access_token": "shpat_123456789"}
    publication.refresh_from_db()
    assert publication.status == "live"
    assert not AuditEvent.objects.filter(
        action__in=["connection.deactivate", "connection.shop_redact"]
    ).exists()


def test_a_body_for_another_shop_is_refused_even_when_the_header_says_ours(client, connect):
    shop = connect("shopify")

    response = _shopify(
        client, shop, "shop/redact", {"shop_id": 2, "shop_domain": "other-shop.myshopify.com"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "topic_mismatch"
    assert Connection.objects.get(pk=shop.pk).is_active is True


@pytest.mark.parametrize("topic", ["app/uninstalled", "shop/redact"])
def test_a_destructive_delivery_replayed_under_a_new_webhook_id_is_a_duplicate(client, connect, topic):
    shop = connect("shopify")
    body = UNINSTALLED if topic == "app/uninstalled" else SHOP_REDACT
    assert _shopify(client, shop, topic, body, webhook_id="wh-1").json()["duplicate"] is False
    # the shop installs the app again: a new token
    Connection.objects.filter(pk=shop.pk).update(is_active=True)
    shop.refresh_from_db()
    shop.credentials = {"access_token": "shpat_reinstalled_1"}
    shop.save()

    # the webhook id header is not signed: a replay simply brings a fresh one
    replay = _shopify(client, shop, topic, body, webhook_id="wh-forged-2")

    assert replay.status_code == 200
    assert replay.json() == {"duplicate": True}
    shop.refresh_from_db()
    assert shop.credentials == {"access_token": "shpat_reinstalled_1"}


def test_after_a_reinstall_the_next_shop_redact_is_acted_upon(client, connect, admin_member):
    shop = connect("shopify")
    assert "redacted" in _shopify(client, shop, "shop/redact", SHOP_REDACT, webhook_id="wh-1").json()
    # the shop installs the app again; the admin enters the new token
    reinstalled = admin_member.client.patch(
        f"/api/v1/workspaces/acme/connections/{shop.pk}",
        {"credentials": {"access_token": "shpat_reinstalled_1"}, "is_active": True},
        format="json",
    )
    assert reinstalled.status_code == 200, reinstalled.content

    # Shopify's shop/redact after the next uninstall has the very same body: it is acted upon
    again = _shopify(client, shop, "shop/redact", SHOP_REDACT, webhook_id="wh-2")

    assert again.json()["duplicate"] is False and "redacted" in again.json()
    shop.refresh_from_db()
    assert (shop.is_active, shop.credentials_encrypted) == (False, "")


def test_every_shopify_delivery_needs_its_webhook_id(client, connect):
    shop = connect("shopify")
    body = json.dumps(FILE_DELETED).encode()

    response = client.post(
        f"/hooks/{shop.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-Shopify-Topic": "files/delete",
            "X-Shopify-Hmac-Sha256": base64_hmac(SHOPIFY_SECRET, body),
            "X-Shopify-Shop-Domain": "contract-shop.myshopify.com",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_delivery_id"


def test_contentful_replays_within_the_signatures_ttl_are_handled_once(client, connect, live_on):
    space = connect("contentful")
    live_on(space, "photai-abc")
    body = {"sys": {"id": "photai-abc", "type": "DeletedAsset"}}

    signed_at = int(time.time() * 1000)
    first = _contentful(client, space, "ContentManagement.Asset.delete", body, timestamp_ms=signed_at)
    # the very same signed request, sent again within its 30 s
    replay = _contentful(client, space, "ContentManagement.Asset.delete", body, timestamp_ms=signed_at)

    assert first.json()["duplicate"] is False
    assert replay.status_code == 200 and replay.json() == {"duplicate": True}
    assert AuditEvent.objects.filter(action="publication.removed_remotely").count() == 1


def _wordpress_signed(
    client: Client,
    connection: Connection,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    timestamp: str | None = None,
    signed_delivery: str | None = None,
    signed_timestamp: str | None = None,
    secret: str = WORDPRESS_SECRET,
) -> Any:
    """A delivery as the plugin sends it: HMAC over "<delivery id>.<timestamp>.<body>"."""
    body = json.dumps(payload).encode()
    delivery = delivery or str(uuid.uuid4())
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    message = f"{signed_delivery or delivery}.{signed_timestamp or timestamp}.".encode() + body
    signature = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return client.post(
        f"/hooks/{connection.pk}/",
        body,
        content_type="application/json",
        headers={
            "X-PhotAI-Signature": signature,
            "X-PhotAI-Delivery": delivery,
            "X-PhotAI-Timestamp": timestamp,
        },
    )


def test_wordpress_signature_vector():
    # printf '%s' 'd-1.1700000000.{"event":"attachment.deleted","attachment_id":42}' |
    #   openssl dgst -sha256 -hmac wordpress-plugin-secret-0123456789
    message = b'd-1.1700000000.{"event":"attachment.deleted","attachment_id":42}'
    assert hex_hmac(WORDPRESS_SECRET, message) == (
        "24c94d10340173d570948750dd9fec0156092977872383e2449dbf38759aec06"
    )


def test_wordpress_deliveries_are_handled_once_per_signed_id(client, connect, live_on):
    site = connect("wordpress")
    live_on(site, "42")
    payload = {"event": "attachment.deleted", "attachment_id": 42}

    first = _wordpress_signed(client, site, payload, delivery="5d1c8a3e-0b8e-4cf4-9a57-9d8f5f0e4a11")
    replay = _wordpress_signed(client, site, payload, delivery="5d1c8a3e-0b8e-4cf4-9a57-9d8f5f0e4a11")
    # the id is signed: the same delivery under another id no longer verifies
    renamed = _wordpress_signed(
        client,
        site,
        payload,
        delivery="00000000-0000-4000-8000-000000000000",
        signed_delivery="5d1c8a3e-0b8e-4cf4-9a57-9d8f5f0e4a11",
    )

    assert first.json()["duplicate"] is False
    assert replay.json() == {"duplicate": True}
    assert renamed.status_code == 401 and renamed.json()["error"]["code"] == "invalid_signature"
    assert AuditEvent.objects.filter(action="publication.removed_remotely").count() == 1


@pytest.mark.parametrize(
    ("timestamp", "code"),
    [
        ("NaN", "invalid_timestamp"),
        ("nan", "invalid_timestamp"),
        ("Infinity", "invalid_timestamp"),
        ("1e400", "invalid_timestamp"),
        ("1700000000.5", "invalid_timestamp"),
        ("-1", "invalid_timestamp"),
        ("", "invalid_timestamp"),
        ("17000000000000000000000", "invalid_timestamp"),
        ("1700000000", "stale_webhook"),
        ("future", "stale_webhook"),
    ],
)
def test_wordpress_refuses_timestamps_that_are_not_recent_whole_seconds(
    client, connect, live_on, timestamp, code
):
    site = connect("wordpress")
    publication = live_on(site, "42")
    if timestamp == "future":
        timestamp = str(int(time.time()) + 3600)

    response = _wordpress_signed(
        client, site, {"event": "attachment.deleted", "attachment_id": 42}, timestamp=timestamp
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    publication.refresh_from_db()
    assert publication.status == "live"


def test_a_signature_over_the_body_alone_is_no_longer_enough(client, connect, live_on):
    # what plugin 1.0 sent: sent_at inside the body, the delivery id unsigned; "NaN" passed the age check
    site = connect("wordpress")
    publication = live_on(site, "42")

    response = _wordpress(
        client, site, {"event": "attachment.deleted", "attachment_id": 42, "sent_at": "NaN"}
    )

    assert response.status_code == 401
    publication.refresh_from_db()
    assert publication.status == "live"
