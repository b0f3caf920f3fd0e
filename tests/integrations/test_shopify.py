"""Publishing to Shopify through a real Dramatiq worker, against the Shopify contract server."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from integrations.models import Publication
from tests.integrations.helpers import publish, stored_bytes
from tests.plugins.integrations import wait_for_publication

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(make_connection: Any, shopify_server: Any) -> dict[str, Any]:
    return make_connection(
        "shopify",
        shopify_server.url,
        credentials={"access_token": shopify_server.access_token},
        territory="worldwide",
        webhook_secret="shopify-client-secret-0123456789",
    )


def test_publish_stages_uploads_creates_polls_until_ready_and_attaches_to_the_product(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    # given an approved image and a Shopify connection (channel ecommerce)
    asset = approved_upload()
    assert shop["channel"] == "ecommerce"

    # when the editor publishes it to a product
    response = publish(
        editor,
        asset["id"],
        shop["id"],
        alt_text="Red bicycle",
        target={"product_id": "gid://shopify/Product/1001"},
    )
    assert response.status_code == 202, response.content
    publication = wait_for_publication(editor.client, response.json()["id"])

    # then it is live with Shopify's file id and CDN URL, the exact stored bytes behind it
    assert publication["status"] == "live", publication
    assert publication["remote_id"].startswith("gid://shopify/MediaImage/")
    remote = shopify_server.files[publication["remote_id"]]
    assert remote["data"] == stored_bytes(asset["id"])
    assert hashlib.sha256(httpx.get(publication["remote_url"]).content).hexdigest() == asset["sha256"]
    assert remote["alt"] == "Red bicycle"  # an upload carries no AI disclosure
    assert remote["references"] == ["gid://shopify/Product/1001"]
    # the documented sequence, once each, with polling through the processing states
    assert shopify_server.count("stagedUploadsCreate") == 1
    assert shopify_server.count("stagedUpload", "201") == 1
    assert shopify_server.count("fileCreate") == 1
    assert shopify_server.count("node") >= 2
    assert shopify_server.count("fileUpdate") == 1


def test_publishing_again_returns_the_existing_publication_and_uploads_nothing(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    asset = approved_upload()
    first = publish(editor, asset["id"], shop["id"])
    wait_for_publication(editor.client, first.json()["id"])

    again = publish(editor, asset["id"], shop["id"])

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "live"
    assert shopify_server.count("fileCreate") == 1
    assert len(shopify_server.files) == 1


@pytest.mark.parametrize(
    ("operation", "fault", "code"),
    [
        ("fileCreate", {"throttle": True}, "THROTTLED"),
        ("stagedUploadsCreate", {"status": 503}, "http_503"),
        ("stagedUpload", {"status": 500}, "http_500"),
        ("node", {"status": 502}, "http_502"),
        # the file is created but the answer comes after our timeout: the retry must find it, not re-create
        ("fileCreate", {"lose_answer": 1.6}, "timeout"),
    ],
)
def test_transient_failures_are_retried_without_a_second_file(
    editor, approved_upload, shop, shopify_server, integrations_worker, operation, fault, code
):
    asset = approved_upload()
    shopify_server.inject(operation, **fault)

    response = publish(editor, asset["id"], shop["id"])
    publication = wait_for_publication(editor.client, response.json()["id"])

    assert publication["status"] == "live", publication
    assert publication["attempts"] == 2
    assert [entry["code"] for entry in publication["log"]] == [code]
    assert publication["log"][0]["retryable"] is True
    assert len(shopify_server.files) == 1
    assert shopify_server.count("fileCreate", "ok") == 1
    assert shopify_server.files[publication["remote_id"]]["data"] == stored_bytes(asset["id"])


def test_throttling_waits_for_the_bucket_to_refill(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    # the contract server answers THROTTLED with 60 requested, 10 available, restoring 50/s: wait 1 s
    asset = approved_upload()
    shopify_server.inject("fileCreate", throttle=True)

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])

    entry = publication["log"][0]
    assert entry["vendor_wait_s"] == pytest.approx(1.0)
    assert entry["retry_in_ms"] >= 1000


def test_a_file_that_fails_processing_fails_the_publication_with_shopifys_code(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    asset = approved_upload()
    shopify_server.fail_processing = True

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])

    assert publication["status"] == "failed"
    assert publication["error_code"] == "IMAGE_PROCESSING_FAILURE"
    assert shopify_server.files == {}  # the failed file was removed from the shop


def test_a_permanent_error_fails_at_once_with_the_vendor_code(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    asset = approved_upload()

    response = publish(editor, asset["id"], shop["id"], target={"product_id": "gid://shopify/Product/999"})
    publication = wait_for_publication(editor.client, response.json()["id"])

    assert publication["status"] == "failed"
    assert publication["error_code"] == "REFERENCE_TARGET_DOES_NOT_EXIST"
    assert publication["attempts"] == 1


def test_retries_stop_after_the_attempt_budget(
    editor, approved_upload, shop, shopify_server, integrations_worker
):
    asset = approved_upload()
    for _ in range(4):
        shopify_server.inject("stagedUploadsCreate", status=503)

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])

    assert publication["status"] == "failed"
    assert publication["error_code"] == "http_503"
    assert publication["attempts"] == 4
    assert "gave up after 4 attempts" in publication["error_message"]
    assert shopify_server.files == {}


def test_unpublish_deletes_the_file(editor, approved_upload, shop, shopify_server, integrations_worker):
    asset = approved_upload()
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])

    response = editor.client.post(
        f"/api/v1/workspaces/acme/publications/{publication['id']}/unpublish",
        {"reason": "campaign over"},
        format="json",
    )
    assert response.status_code == 202
    done = wait_for_publication(editor.client, publication["id"], until=("unpublished", "live"))

    assert done["status"] == "unpublished"
    assert done["unpublish_reason"] == "campaign over"
    assert shopify_server.files == {}
    assert Publication.objects.get(pk=publication["id"]).unpublished_at is not None


def test_slow_processing_is_resumed_by_the_retry_not_created_again(
    editor, approved_upload, shop, shopify_server, integrations_worker, settings
):
    settings.INTEGRATIONS_POLL_TIMEOUT_S = 0  # one poll per attempt
    shopify_server.polls_until_ready = 3
    asset = approved_upload()

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])

    assert publication["status"] == "live", publication
    assert {entry["code"] for entry in publication["log"]} == {"PROCESSING"}
    assert shopify_server.count("stagedUploadsCreate") == 1
    assert shopify_server.count("fileCreate") == 1
    assert len(shopify_server.files) == 1


@pytest.mark.parametrize(
    "name", ["Q_SHOP", "Q_FIND", "Q_NODE", "M_STAGE", "M_CREATE", "M_UPDATE", "M_DELETE"]
)
def test_every_document_the_connector_sends_is_valid_against_shopifys_admin_schema(name):
    # (the variables it sends are checked by the contract server on every call of the publish tests)
    from graphql import parse, validate

    from integrations.shopify import connector
    from tests.integrations.contract_servers.shopify import admin_schema

    assert [e.message for e in validate(admin_schema(), parse(getattr(connector, name)))] == []


def test_a_query_shopify_would_refuse_fails_the_call_permanently(shopify_server, settings):
    from integrations.base import PermanentError
    from integrations.shopify.connector import ShopifyConnector

    connector = ShopifyConnector(
        base_url=shopify_server.url, config={}, credentials={"access_token": shopify_server.access_token}
    )

    with pytest.raises(PermanentError) as refused:
        connector.gql("query { shop { name noSuchField } }")

    assert refused.value.code == "GRAPHQL_VALIDATION_FAILED"
    assert "noSuchField" in refused.value.message
