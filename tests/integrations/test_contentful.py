"""Publishing to Contentful through a real Dramatiq worker, against the Contentful contract server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integrations.helpers import publish, stored_bytes
from tests.plugins.integrations import wait_for_publication

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def space(make_connection: Any, contentful_server: Any) -> dict[str, Any]:
    return make_connection(
        "contentful",
        contentful_server.url,
        credentials={"cma_token": contentful_server.token},
        config={"space_id": "space1", "environment_id": "master", "locale": "en-US"},
        territory="worldwide",
        webhook_secret="s" * 64,
    )


def test_publish_uploads_creates_processes_polls_and_publishes(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    asset = approved_upload(title="Hero bicycle")

    response = publish(editor, asset["id"], space["id"], alt_text="A red bicycle")
    assert response.status_code == 202
    publication = wait_for_publication(editor.client, response.json()["id"])

    assert publication["status"] == "live", publication
    remote = contentful_server.assets[publication["remote_id"]]
    assert remote["sys"]["publishedVersion"] is not None
    assert remote["fields"]["title"] == {"en-US": "A red bicycle"}
    # the processed file serves the exact stored bytes
    served = httpx.get(publication["remote_url"].replace("https://", "http://", 1)).content
    assert served == stored_bytes(asset["id"])
    assert contentful_server.count("upload") == 1
    assert contentful_server.count("put_asset") == 1
    assert contentful_server.count("process") == 1
    assert contentful_server.count("publish") == 1


def test_linking_to_an_entry_field_republishes_the_entry(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    asset = approved_upload()

    response = publish(editor, asset["id"], space["id"], target={"entry_id": "hero-entry", "field": "image"})
    publication = wait_for_publication(editor.client, response.json()["id"])

    entry = contentful_server.entries["hero-entry"]
    assert entry["fields"]["image"]["en-US"]["sys"] == {
        "type": "Link",
        "linkType": "Asset",
        "id": publication["remote_id"],
    }
    assert entry["sys"]["publishedVersion"] == entry["sys"]["version"] - 1  # published, nothing pending


def test_an_entry_without_its_field_partner_is_refused_at_the_edge(editor, approved_upload, space):
    asset = approved_upload()

    response = publish(editor, asset["id"], space["id"], target={"entry_id": "hero-entry"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_target"


def test_rate_limit_waits_for_the_reset_header(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    asset = approved_upload()
    contentful_server.inject("upload", rate_limit=1)

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])

    assert publication["status"] == "live", publication
    assert publication["log"][0]["code"] == "rate_limited"
    assert publication["log"][0]["vendor_wait_s"] == 1.0
    assert publication["log"][0]["retry_in_ms"] >= 1000
    assert contentful_server.count("upload", "201") == 1
    assert len(contentful_server.assets) == 1


@pytest.mark.parametrize(
    ("operation", "fault", "code"),
    [
        ("publish", {"status": 503}, "ServerError"),
        ("process", {"status": 500}, "ServerError"),
        # the asset is created but the answer is lost: the retry finds it by its id, never creates a second
        ("put_asset", {"lose_answer": 1.6}, "timeout"),
        ("upload", {"lose_answer": 1.6}, "timeout"),
    ],
)
def test_transient_failures_are_retried_without_a_second_asset(
    editor, approved_upload, space, contentful_server, integrations_worker, operation, fault, code
):
    asset = approved_upload()
    contentful_server.inject(operation, **fault)

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])

    assert publication["status"] == "live", publication
    assert [entry["code"] for entry in publication["log"]] == [code]
    assert len(contentful_server.assets) == 1
    assert contentful_server.count("put_asset", "201") == 1


def test_a_bad_token_fails_the_publication_with_contentfuls_code(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    asset = approved_upload()
    contentful_server.token = "rotated-elsewhere"

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])

    assert publication["status"] == "failed"
    assert publication["error_code"] == "AccessTokenInvalid"
    assert publication["attempts"] == 1


def test_unpublish_deletes_the_published_version(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    asset = approved_upload()
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])

    editor.client.post(
        f"/api/v1/workspaces/acme/publications/{publication['id']}/unpublish", {}, format="json"
    )
    done = wait_for_publication(editor.client, publication["id"], until=("unpublished", "live"))

    assert done["status"] == "unpublished"
    assert contentful_server.assets[publication["remote_id"]]["sys"]["publishedVersion"] is None
    assert contentful_server.count("unpublish", "200") == 1


def test_slow_processing_is_resumed_by_the_retry_not_requested_again(
    editor, approved_upload, space, contentful_server, integrations_worker, settings
):
    # given processing that takes longer than one attempt polls for
    settings.INTEGRATIONS_POLL_TIMEOUT_S = 0  # one poll per attempt
    contentful_server.polls_until_processed = 3
    asset = approved_upload()

    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])

    # then later attempts resume polling from the checkpoint: one upload, one asset, one process request
    assert publication["status"] == "live", (publication["error_code"], publication["log"])
    assert {entry["code"] for entry in publication["log"]} == {"processing"}
    assert contentful_server.count("upload") == 1
    assert contentful_server.count("put_asset") == 1
    assert contentful_server.count("process") == 1


def test_revoking_the_licence_unpublishes_through_the_sweep(
    editor, approved_upload, space, contentful_server, integrations_worker
):
    # given an asset live on Contentful
    asset = approved_upload()
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], space["id"]).json()["id"])
    assert publication["status"] == "live"

    # when its licence is revoked (enforced at once, through governance's withdrawal port)
    response = editor.client.post(
        f"/api/v1/workspaces/acme/assets/{asset['id']}/licence/revoke",
        {"reason": "photographer withdrew"},
        format="json",
    )
    assert response.status_code in (200, 201), response.content

    # then the published version is taken down
    done = wait_for_publication(editor.client, publication["id"], until=("unpublished",))
    assert done["unpublish_reason"].startswith("licence_revoked")
    assert contentful_server.assets[publication["remote_id"]]["sys"]["publishedVersion"] is None
