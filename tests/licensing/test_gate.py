"""The one publish gate: licence (channel, territory, moment), review, provenance and asset status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fixtures import licences
from governance.gate import publishability
from photai_dam.assets.models import Asset
from photai_dam.workspaces.access import workspace_access
from tests.licensing.conftest import T0

LICENCE_OR_REVIEW = ("licence_", "review_", "asset_not_active", "model_")


def _approve_upload(admin_member, asset):
    from governance.reviews.actions import submit_for_review

    submit_for_review(workspace_access(admin_member.user, "acme"), asset, approve_for_use=True)


@pytest.fixture
def approved_stock(admin_member, make_asset):
    """An uploaded stock photo (web/social/advertising in US+GB, until T0+30d) that an admin approved."""
    asset = make_asset(licences.stock(expires_at=T0 + timedelta(days=30)))
    _approve_upload(admin_member, asset)
    return asset


def test_an_approved_asset_with_a_licence_for_that_use_is_publishable(approved_stock, frozen_clock):
    answer = publishability(approved_stock, channel="web", territory="US")

    assert answer.publishable is True, answer.reasons
    assert answer.reasons == []
    assert answer.checked_at == T0


def test_channel_territory_and_moment_are_each_checked_and_named(approved_stock, frozen_clock):
    src = f"asset:{approved_stock.pk}"

    assert [
        (r.code, r.source) for r in publishability(approved_stock, channel="print", territory="US").reasons
    ] == [("licence_channel_not_allowed", src)]
    assert [
        (r.code, r.source) for r in publishability(approved_stock, channel="web", territory="FR").reasons
    ] == [("licence_territory_not_allowed", src)]
    # a site without geo-blocking needs a worldwide licence
    assert publishability(approved_stock, channel="web", territory="worldwide").publishable is False
    # the moment: valid one second before expiry, expired at it
    expiry = T0 + timedelta(days=30)
    assert publishability(
        approved_stock, channel="web", territory="US", at=expiry - timedelta(seconds=1)
    ).publishable
    late = publishability(approved_stock, channel="web", territory="US", at=expiry)
    assert [(r.code, r.source) for r in late.reasons] == [("licence_expired", src)]
    # and "now" is the governance clock's now
    frozen_clock.set(expiry + timedelta(days=1))
    assert [r.code for r in publishability(approved_stock, channel="web", territory="US").reasons] == [
        "licence_expired"
    ]


def test_a_licence_that_starts_later_is_not_yet_publishable(admin_member, make_asset):
    asset = make_asset(
        licences.rights_managed(expires_at="2030-01-01T00:00:00Z", valid_from="2029-01-01T00:00:00Z")
    )
    _approve_upload(admin_member, asset)

    assert [r.code for r in publishability(asset, channel="web", territory="DE", at=T0).reasons] == [
        "licence_not_yet_valid"
    ]


def test_an_unreviewed_asset_is_not_publishable(make_asset):
    asset = make_asset(licences.owned())

    assert [r.code for r in publishability(asset, channel="web", territory="US").reasons] == [
        "review_not_approved"
    ]


def test_an_asset_the_sweep_marked_is_not_publishable(approved_stock):
    Asset.objects.filter(pk=approved_stock.pk).update(status="licence_revoked")
    approved_stock.refresh_from_db()

    assert "asset_not_active" in [
        r.code for r in publishability(approved_stock, channel="web", territory="US").reasons
    ]


def test_an_ai_output_reports_licence_model_review_and_provenance_together(make_asset, make_model):
    # given an output of a non-commercial model from a photo without a licence, never reviewed or signed
    make_model("nc-model", commercial=False)
    source = make_asset(None)
    output = make_asset(parents=(source,), model_key="nc-model")

    answer = publishability(output, channel="advertising", territory="US")

    codes = [r.code for r in answer.reasons]
    assert answer.publishable is False
    assert {"licence_unknown", "model_non_commercial", "review_not_approved"} <= set(codes)
    # the output carries no manifest or watermark, so the provenance part refuses too
    assert [c for c in codes if not c.startswith(LICENCE_OR_REVIEW)]


def test_the_endpoint_takes_channel_and_territory(editor, approved_stock):
    url = f"/api/v1/workspaces/acme/assets/{approved_stock.pk}/publishability"

    ok = editor.client.get(url, {"channel": "web", "territory": "gb"}).json()
    refused = editor.client.get(url, {"channel": "ecommerce", "territory": "US"}).json()

    assert ok["publishable"] is True and ok["territory"] == "GB"
    assert refused == {
        "publishable": False,
        "reasons": [
            {
                "code": "licence_channel_not_allowed",
                "message": refused["reasons"][0]["message"],
                "source": f"asset:{approved_stock.pk}",
            }
        ],
        "checked_at": refused["checked_at"],
        "channel": "ecommerce",
        "territory": "US",
    }
    bad = editor.client.get(url, {"channel": "tv", "territory": "Narnia"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]["fields"]) == {"channel", "territory"}


def test_the_endpoint_takes_a_connection_of_the_workspace(editor, approved_stock, workspace, other_workspace):
    from integrations.models import Connection

    shop = Connection.objects.create(
        workspace=workspace,
        kind="shopify",
        name="shop",
        base_url="https://shop.example.com",
        channel="social",
        territory="GB",
    )
    foreign = Connection.objects.create(
        workspace=other_workspace,
        kind="wordpress",
        name="wp",
        base_url="https://wp.example.com",
        channel="web",
        territory="US",
    )
    url = f"/api/v1/workspaces/acme/assets/{approved_stock.pk}/publishability"

    answer = editor.client.get(url, {"connection": str(shop.pk)}).json()
    assert (answer["publishable"], answer["channel"], answer["territory"]) == (True, "social", "GB")
    assert editor.client.get(url, {"connection": str(foreign.pk)}).status_code == 404
    assert editor.client.get(url, {"connection": "not-a-uuid"}).status_code == 404
