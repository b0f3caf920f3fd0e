"""The publish API and the public functions: the gate (I2), isolation (I4), idempotency (I6), revocation."""

from __future__ import annotations

from typing import Any

import pytest

import integrations
from integrations import actions
from integrations.models import Publication
from photai_dam.assets.models import Asset
from tests.integrations.helpers import publish
from tests.plugins.integrations import wait_for_publication


@pytest.fixture
def shop(make_connection: Any, shopify_server: Any) -> dict[str, Any]:
    return make_connection(
        "shopify", shopify_server.url, credentials={"access_token": shopify_server.access_token}
    )


@pytest.mark.django_db
def test_an_asset_nobody_approved_gets_422_with_the_gates_reasons(editor, upload, shop, shopify_server):
    asset = upload()  # no licence, no review

    response = publish(editor, asset["id"], shop["id"])

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "not_publishable"
    codes = {r["code"] for r in error["details"]["reasons"]}
    assert "review_not_approved" in codes
    assert any(code.startswith("licence_") for code in codes)
    assert (error["details"]["channel"], error["details"]["territory"]) == ("ecommerce", "worldwide")
    assert not Publication.objects.exists()
    assert shopify_server.calls == []


@pytest.mark.django_db
def test_a_licence_that_excludes_the_connections_territory_is_refused(
    editor, upload, admin_member, make_connection
):
    import json

    from fixtures import licences

    asset = upload(licence=json.dumps(licences.stock()))  # web/social/advertising in US and GB
    admin_member.client.post(
        f"/api/v1/workspaces/acme/assets/{asset['id']}/reviews", {"approve_for_use": True}, format="json"
    )
    site = make_connection(
        "wordpress",
        "https://blog.example.fr",
        credentials={"username": "ed", "application_password": "abcd efgh ijkl mnop"},
        territory="FR",
    )

    response = publish(editor, asset["id"], site["id"])

    assert response.status_code == 422
    assert [r["code"] for r in response.json()["error"]["details"]["reasons"]] == [
        "licence_territory_not_allowed"
    ]


@pytest.mark.django_db
def test_isolation_roles_and_bad_input(
    editor, brand_reviewer, outsider, approved_upload, shop, make_member, other_workspace
):
    asset = approved_upload()

    # another workspace's member sees neither the asset nor its publications (404, I4)
    assert publish(outsider, asset["id"], shop["id"]).status_code == 404
    assert (
        outsider.client.get(f"/api/v1/workspaces/acme/assets/{asset['id']}/publications").status_code == 404
    )
    # a connection id from another workspace is indistinguishable from a missing one
    foreign = publish(editor, asset["id"], "00000000-0000-4000-8000-000000000000")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (422, "connection_not_found")
    # reviewers do not publish
    assert publish(brand_reviewer, asset["id"], shop["id"]).status_code == 403
    # bad input: a clear 400 with a machine-readable code
    assert publish(editor, asset["id"], "not-a-uuid").json()["error"]["code"] == "invalid"
    bad_target = publish(editor, asset["id"], shop["id"], target={"product_id": "42"})
    assert (bad_target.status_code, bad_target.json()["error"]["code"]) == (400, "invalid_target")
    assert (
        editor.client.post(
            "/api/v1/workspaces/acme/assets/not-a-uuid/publications", {}, format="json"
        ).status_code
        == 404
    )
    assert not Publication.objects.exists()


@pytest.mark.django_db
def test_a_published_asset_cannot_be_deleted(editor, approved_upload, shop):
    asset = approved_upload()
    assert publish(editor, asset["id"], shop["id"]).status_code == 202

    response = editor.client.delete(f"/api/v1/workspaces/acme/assets/{asset['id']}")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "asset_in_use"
    assert Asset.objects.filter(pk=asset["id"]).exists()


@pytest.mark.django_db
def test_the_gate_is_asked_again_when_the_worker_uploads(editor, approved_upload, shop, shopify_server):
    # given a publication accepted by the gate, still waiting for a worker
    asset = approved_upload()
    publication_id = publish(editor, asset["id"], shop["id"]).json()["id"]

    # when the licence sweep marks the asset revoked before the worker runs
    Asset.objects.filter(pk=asset["id"]).update(status="licence_revoked")
    actions.run_publish(publication_id)

    # then nothing is uploaded and the publication says why
    publication = Publication.objects.get(pk=publication_id)
    assert (publication.status, publication.error_code) == ("failed", "not_publishable")
    assert "asset_not_active" in publication.error_message
    assert shopify_server.calls == []


@pytest.mark.django_db
def test_unpublish_asset_withdraws_a_publication_still_waiting(editor, approved_upload, shop, shopify_server):
    asset = approved_upload()
    publication_id = publish(editor, asset["id"], shop["id"]).json()["id"]

    count = integrations.unpublish_asset(Asset.objects.get(pk=asset["id"]), reason="licence revoked")
    actions.run_publish(publication_id)  # the queued message arrives afterwards

    assert count == 1
    publication = Publication.objects.get(pk=publication_id)
    assert (publication.status, publication.error_code) == ("failed", "withdrawn")
    assert shopify_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_revoking_the_approval_unpublishes_everywhere_and_publishing_again_reuses_the_row(
    editor, admin_member, approved_upload, shop, shopify_server, integrations_worker
):
    # given an asset live on Shopify
    asset = approved_upload()
    publication = wait_for_publication(editor.client, publish(editor, asset["id"], shop["id"]).json()["id"])
    assert publication["status"] == "live"

    # when an admin revokes the approval through the reviews API (which calls integrations.unpublish_asset)
    review = admin_member.client.get(f"/api/v1/workspaces/acme/reviews?asset={asset['id']}").json()[
        "results"
    ][0]
    response = admin_member.client.post(
        f"/api/v1/workspaces/acme/reviews/{review['id']}/decisions",
        {"decision": "reject", "sha256": asset["sha256"], "comment": "model release withdrawn"},
        format="json",
    )
    assert response.status_code in (200, 201), response.content

    # then the file is deleted from the shop and the record says why
    done = wait_for_publication(editor.client, publication["id"], until=("unpublished",))
    assert done["unpublish_reason"] == "approval revoked: model release withdrawn"
    assert shopify_server.files == {}
    listed = integrations.publications_for(Asset.objects.get(pk=asset["id"]))
    assert [(p["id"], p["status"], p["connection"]["kind"]) for p in listed] == [
        (publication["id"], "unpublished", "shopify")
    ]
    # and publishing needs a fresh approval: refused now ...
    assert publish(editor, asset["id"], shop["id"]).status_code == 422
    # ... and after a new approval the same row is published again, with a new upload
    admin_member.client.post(
        f"/api/v1/workspaces/acme/assets/{asset['id']}/reviews", {"approve_for_use": True}, format="json"
    )
    again = publish(editor, asset["id"], shop["id"])
    assert (again.status_code, again.json()["id"]) == (202, publication["id"])
    assert wait_for_publication(editor.client, publication["id"])["status"] == "live"
    assert len(shopify_server.files) == 1
    assert shopify_server.count("fileCreate", "ok") == 2


@pytest.mark.django_db
def test_unpublish_asset_counts_only_what_it_schedules(editor, approved_upload, shop):
    asset = Asset.objects.get(pk=approved_upload()["id"])
    assert integrations.unpublish_asset(asset, reason="nothing there") == 0
    assert integrations.publications_for(asset) == []


@pytest.mark.django_db
def test_a_second_worker_waits_for_the_lease_instead_of_uploading_in_parallel(
    editor, approved_upload, shop, shopify_server
):
    from datetime import timedelta

    from django.utils import timezone

    asset = approved_upload()
    publication_id = publish(editor, asset["id"], shop["id"]).json()["id"]
    # another worker is in the middle of an attempt (a redelivered message arrives meanwhile)
    Publication.objects.filter(pk=publication_id).update(lease_until=timezone.now() + timedelta(seconds=30))

    with pytest.raises(actions.RetryLater) as later:
        actions.run_publish(publication_id)

    assert 25_000 <= later.value.delay_ms <= 30_000
    assert Publication.objects.get(pk=publication_id).status == "pending"
    assert shopify_server.calls == []


@pytest.mark.django_db
def test_a_publication_withdrawn_between_two_attempts_uploads_nothing(
    editor, approved_upload, shop, shopify_server
):
    # given a publication whose first attempt met a 503 before anything reached the shop
    asset = approved_upload()
    publication_id = publish(editor, asset["id"], shop["id"]).json()["id"]
    shopify_server.inject("files", status=503)
    with pytest.raises(actions.RetryLater):
        actions.run_publish(publication_id)

    # when the approval is revoked before the retry runs
    assert integrations.unpublish_asset(Asset.objects.get(pk=asset["id"]), reason="approval revoked") == 1
    actions.run_publish(publication_id)

    # then the retry stops without uploading
    publication = Publication.objects.get(pk=publication_id)
    assert (publication.status, publication.error_code) == ("failed", "withdrawn")
    assert shopify_server.count("stagedUploadsCreate") == 0
    assert shopify_server.files == {}
