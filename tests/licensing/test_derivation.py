"""The effective licence of an AI output: each derivation rule, and the explanation the API shows."""

from __future__ import annotations

from datetime import timedelta

from fixtures import licences
from governance.licensing import effective_licence
from tests.licensing.conftest import T0


def _by_code(effective, code):
    return [r.as_dict() for r in effective.restrictions if r.code == code]


def test_channels_and_territories_are_the_intersection_and_name_the_input_that_removed_them(
    make_asset, make_model
):
    # given a stock photo (web, social, advertising in US+GB) and an owned photo limited to web+print in GB
    make_model("sd-test", commercial=True)
    stock = make_asset(licences.stock())
    owned = make_asset(licences.owned(channels=["web", "print"], territories=["GB", "FR"]))

    # when an AI output is made from both
    output = make_asset(parents=(stock, owned), model_key="sd-test")
    effective = effective_licence(output)

    # then only what both allow remains
    assert effective.channels == ["web"]
    assert effective.territories == ["GB"]
    removed = {(r["source"], tuple(r["removed"])) for r in _by_code(effective, "channels")}
    assert (f"asset:{stock.pk}", ("email", "print", "ecommerce")) in removed
    assert (f"asset:{owned.pk}", ("social", "advertising")) in removed
    territories = {r["source"]: r["allowed"] for r in _by_code(effective, "territories")}
    assert territories == {f"asset:{stock.pk}": ["GB", "US"], f"asset:{owned.pk}": ["FR", "GB"]}


def test_the_earliest_expiry_wins_and_is_attributed(make_asset, make_model):
    make_model()
    early = make_asset(licences.stock(expires_at=T0 + timedelta(days=10)))
    late = make_asset(licences.stock(expires_at=T0 + timedelta(days=90)))
    output = make_asset(parents=(late, early), model_key="sd-test")

    effective = effective_licence(output)

    assert effective.expires_at == T0 + timedelta(days=10)
    reasons = effective.expiry_reasons(T0 + timedelta(days=11))
    assert [r.source for r in reasons] == [f"asset:{early.pk}"]
    assert effective.expiry_reasons(T0 + timedelta(days=9)) == []


def test_ai_editing_is_allowed_only_if_every_input_allows_it(make_asset, make_model):
    make_model()
    free = make_asset(licences.owned())
    strict = make_asset(licences.stock(ai_editing_allowed=False))

    assert effective_licence(make_asset(parents=(free,), model_key="sd-test")).ai_editing_allowed is True
    effective = effective_licence(make_asset(parents=(free, strict), model_key="sd-test"))
    assert effective.ai_editing_allowed is False
    assert [r["source"] for r in _by_code(effective, "ai_editing")] == [f"asset:{strict.pk}"]


def test_attribution_is_the_union_without_duplicates(make_asset, make_model):
    make_model()
    a = make_asset(licences.cc_by())
    b = make_asset(licences.cc_by(attribution_text="Photo: John Roe / CC BY 4.0"))
    c = make_asset(licences.cc_by())  # same credit as a

    effective = effective_licence(make_asset(parents=(a, b, c), model_key="sd-test"))

    assert effective.attribution == ["Photo: Jane Doe / CC BY 4.0", "Photo: John Roe / CC BY 4.0"]


def test_a_non_commercial_model_removes_the_commercial_channels(make_asset, make_model):
    make_model("nc-model", commercial=False, licence_id="cc-by-nc-4.0")
    source = make_asset(licences.owned())

    effective = effective_licence(make_asset(parents=(source,), model_key="nc-model"))

    assert effective.channels == ["web", "social", "print"]
    [restriction] = _by_code(effective, "model_non_commercial")
    assert restriction["source"] == "model:nc-model"
    assert set(restriction["removed"]) == {"advertising", "ecommerce", "email"}
    assert "cc-by-nc-4.0" in restriction["message"]
    assert effective.model == {
        "key": "nc-model",
        "licence_id": "cc-by-nc-4.0",
        "commercial_use_allowed": False,
    }


def test_non_commercial_and_editorial_licences_and_missing_releases_remove_commercial_channels(make_asset):
    for licence, code in (
        (licences.cc_by_nc(), "non_commercial"),
        (licences.editorial(), "non_commercial"),
        (licences.owned(model_release="no"), "release_missing"),
    ):
        effective = effective_licence(make_asset(licence))
        assert "advertising" not in effective.channels and "web" in effective.channels, licence
        assert _by_code(effective, code), licence


def test_an_unknown_input_makes_the_output_unpublishable_until_its_licence_is_set(
    make_asset, make_model, editor
):
    from governance.licensing import record_licence

    make_model()
    unknown = make_asset(None)
    output = make_asset(parents=(unknown,), model_key="sd-test")

    reasons = effective_licence(output).reasons(at=T0, channel="web", territory="US")
    assert [(r.code, r.source) for r in reasons] == [("licence_unknown", f"asset:{unknown.pk}")]

    # when someone sets the input's licence, the output follows
    record_licence(asset=unknown, data=licences.owned(), actor=editor.user, source="api")
    assert effective_licence(output).reasons(at=T0, channel="web", territory="US") == []


def test_the_workspace_setting_relaxes_unknown_inputs_but_still_shows_them(make_asset, make_model, workspace):
    make_model()
    unknown = make_asset(None)
    output = make_asset(parents=(unknown,), model_key="sd-test")
    workspace.settings = {"licensing": {"allow_unknown": True}}
    workspace.save()
    output.workspace.refresh_from_db()

    effective = effective_licence(output)

    assert effective.reasons(at=T0, channel="advertising", territory="US") == []
    assert effective.ai_editing_allowed is True
    assert _by_code(effective, "unknown")[0]["source"] == f"asset:{unknown.pk}"
    assert effective.as_dict()["unknown_allowed"] is True


def test_a_model_missing_from_the_registry_counts_as_unknown(make_asset):
    source = make_asset(licences.owned())
    output = make_asset(parents=(source,), model_key="gone-model")

    reasons = effective_licence(output).reasons(at=T0, channel="web", territory="US")

    assert [(r.code, r.source) for r in reasons] == [("model_licence_unknown", "model:gone-model")]


def test_derivation_follows_lineage_recursively_through_renditions_and_outputs(make_asset, make_model):
    # given stock -> AI output -> rendition of that output -> AI output mixing in an owned photo
    make_model("sd-test")
    make_model("nc-model", commercial=False)
    stock = make_asset(licences.stock(expires_at=T0 + timedelta(days=5)))
    first = make_asset(parents=(stock,), model_key="nc-model")
    rendition = make_asset(parents=(first,), origin="rendition")
    owned = make_asset(licences.owned())
    final = make_asset(parents=(rendition, owned), model_key="sd-test")

    effective = effective_licence(final)

    # then the grand-parent's territories and expiry, and the first model's restriction, reach the end
    assert effective.territories == ["GB", "US"]
    assert effective.expires_at == T0 + timedelta(days=5)
    assert "advertising" not in effective.channels
    sources = {i["source"]: i for i in effective.inputs}
    assert sources[f"asset:{stock.pk}"]["path"] == [
        str(final.pk),
        str(rendition.pk),
        str(first.pk),
        str(stock.pk),
    ]
    assert {"model:nc-model", "model:sd-test", f"asset:{owned.pk}"} <= set(sources)


def test_an_output_with_its_own_licence_can_only_narrow_what_its_inputs_allow(make_asset, make_model):
    make_model()
    source = make_asset(licences.stock())  # US + GB
    output = make_asset(licences.owned(territories=["US", "FR"]), parents=(source,), model_key="sd-test")

    assert effective_licence(output).territories == ["US"]


def test_the_effective_licence_endpoint_shows_the_derivation(editor, make_asset, make_model):
    make_model("nc-model", commercial=False)
    stock = make_asset(licences.stock())
    output = make_asset(parents=(stock,), model_key="nc-model")

    body = editor.client.get(f"/api/v1/workspaces/acme/assets/{output.pk}/licence/effective").json()
    own = editor.client.get(f"/api/v1/workspaces/acme/assets/{output.pk}/licence")
    assert (own.status_code, own.json()["error"]["code"]) == (404, "no_own_licence")

    assert body["channels"] == ["web", "social"]
    assert body["territories"] == ["GB", "US"]
    codes = {(d["code"], d["source"]) for d in body["derivation"]}
    assert ("channels", f"asset:{stock.pk}") in codes
    assert ("model_non_commercial", "model:nc-model") in codes
    assert body["model"]["key"] == "nc-model"


def test_disjoint_territories_leave_nowhere_and_name_both_inputs(make_asset, make_model):
    make_model()
    us_only = make_asset(licences.owned(territories=["US"]))
    de_only = make_asset(licences.owned(territories=["DE"]))
    output = make_asset(parents=(us_only, de_only), model_key="sd-test")

    effective = effective_licence(output)

    assert effective.territories == []
    for territory in ("US", "DE"):
        reasons = effective.reasons(at=T0, channel="web", territory=territory)
        assert [r.code for r in reasons] == ["licence_territory_not_allowed"]
    assert {r.source for r in effective.reasons(at=T0, channel="web", territory="FR")} == {
        f"asset:{us_only.pk}",
        f"asset:{de_only.pk}",
    }


def test_a_workspace_decides_which_channels_are_commercial(admin_member, make_asset, workspace):
    asset = make_asset(licences.cc_by_nc())
    assert effective_licence(asset).channels == ["web", "social", "print"]

    response = admin_member.client.put(
        "/api/v1/workspaces/acme/policy",
        {"licensing": {"commercial_channels": ["advertising", "ecommerce", "email", "social"]}},
        format="json",
    )
    assert response.status_code == 200
    asset.workspace.refresh_from_db()

    assert effective_licence(asset).channels == ["web", "print"]
