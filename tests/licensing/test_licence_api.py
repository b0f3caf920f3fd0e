"""Licence records through the API: validation at upload, PUT/PATCH with history, revocation, access."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from fixtures import licences
from fixtures.images import image_bytes
from governance.audit.models import AuditEvent
from governance.licensing.models import LicenceRecord
from photai_dam.assets.models import Asset


def _post_upload(member, licence):
    payload = {"file": SimpleUploadedFile("photo.jpg", image_bytes("JPEG")), "licence": licence}
    return member.client.post("/api/v1/workspaces/acme/assets", payload, format="multipart")


def test_an_upload_with_a_valid_licence_stores_it_normalised(editor, upload):
    asset = upload(licence=json.dumps(licences.stock(expires_at="2027-06-30T00:00:00Z")))

    licence = asset["licence"]
    assert licence["kind"] == "royalty_free_stock"
    assert licence["territories"] == ["US", "GB"]
    assert licence["expires_at"] == "2027-06-30T00:00:00+00:00"
    assert licence["documents"][0]["name"] == "Licence certificate"
    # defaults are written out, so nobody guesses what an omission meant
    assert licence["ai_training_allowed"] is False


def test_an_upload_without_a_licence_gets_an_unknown_one(upload):
    assert upload()["licence"]["kind"] == "unknown"


def test_an_invalid_licence_at_upload_is_400_with_field_errors_and_stores_nothing(editor, isolated_media):
    # given a licence with several mistakes
    bad = {
        "kind": "stolen",
        "channels": ["tv"],
        "territories": ["XX"],
        "expires_at": "2027-01-01T00:00:00",
        "model_release": "maybe",
        "surprise": 1,
    }

    response = _post_upload(editor, json.dumps(bad))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_licence"
    fields = error["details"]["fields"]
    assert {"kind", "channels.0", "territories", "expires_at", "model_release", "surprise"} <= set(fields)
    # and neither the asset row, nor its file, nor an audit event was left behind
    assert not Asset.objects.exists()
    assert not LicenceRecord.objects.exists()
    assert not [p for p in isolated_media.rglob("*") if p.is_file()]
    assert not AuditEvent.objects.filter(action="asset.upload").exists()


def test_cc_by_needs_attribution_and_dates_must_be_in_order(editor):
    response = _post_upload(
        editor,
        json.dumps(
            {"kind": "cc_by", "valid_from": "2027-02-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z"}
        ),
    )
    assert response.status_code == 400
    messages = " ".join(m for ms in response.json()["error"]["details"]["fields"].values() for m in ms)
    assert "expires_at must be after valid_from" in messages


def test_put_replaces_patch_merges_and_history_keeps_every_version(editor, upload):
    asset = upload(licence=json.dumps(licences.stock()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"

    # PATCH changes one key and keeps the rest
    patched = editor.client.patch(url, {"territories": ["US"]}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == 2
    assert patched.json()["licence"]["territories"] == ["US"]
    assert patched.json()["licence"]["licensor"] == "Stockly Ltd"

    # PUT replaces the whole record
    put = editor.client.put(url, licences.owned(), format="json")
    assert put.status_code == 200
    assert put.json()["licence"]["kind"] == "owned"
    assert put.json()["licence"]["licensor"] == "Acme Studio"

    history = editor.client.get(url + "/history").json()["results"]
    assert [(h["version"], h["licence"]["kind"], h["is_current"]) for h in history] == [
        (3, "owned", True),
        (2, "royalty_free_stock", False),
        (1, "royalty_free_stock", False),
    ]
    assert history[0]["created_by"] == "ed"
    # the asset shows its current licence
    detail = editor.client.get(f"/api/v1/workspaces/acme/assets/{asset['id']}").json()
    assert detail["licence"]["kind"] == "owned"
    assert AuditEvent.objects.filter(action="licence.set", object_id=asset["id"]).count() == 3


def test_an_invalid_put_is_400_and_keeps_the_current_version(editor, upload):
    asset = upload(licence=json.dumps(licences.owned()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"

    response = editor.client.put(url, {"kind": "cc_by"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_licence"
    assert editor.client.get(url).json()["version"] == 1


def test_reviewers_cannot_change_licences_and_outsiders_see_nothing(upload, brand_reviewer, outsider):
    asset = upload(licence=json.dumps(licences.owned()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"

    assert brand_reviewer.client.put(url, licences.cc_by(), format="json").status_code == 403
    assert brand_reviewer.client.get(url).status_code == 200
    for path in ("", "/history", "/effective"):
        assert outsider.client.get(url + path).status_code == 404
    assert outsider.client.put(url, licences.cc_by(), format="json").status_code == 404
    # and another workspace's asset is not found through the outsider's own workspace either
    assert outsider.client.get(f"/api/v1/workspaces/globex/assets/{asset['id']}/licence").status_code == 404


def test_revoking_adds_a_revoked_version_and_makes_the_asset_unpublishable(editor, legal_reviewer, upload):
    asset = upload(licence=json.dumps(licences.owned()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"

    assert legal_reviewer.client.post(url + "/revoke", {}, format="json").status_code == 400
    response = legal_reviewer.client.post(
        url + "/revoke", {"reason": "the photographer withdrew consent"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert response.json()["version"] == 2
    again = legal_reviewer.client.post(url + "/revoke", {"reason": "twice"}, format="json")
    assert again.status_code == 409
    gate = editor.client.get(
        f"/api/v1/workspaces/acme/assets/{asset['id']}/publishability?channel=web&territory=US"
    )
    codes = [r["code"] for r in gate.json()["reasons"]]
    assert "licence_revoked" in codes
    assert AuditEvent.objects.filter(action="licence.revoke", object_id=asset["id"]).exists()


def test_a_revoked_licence_is_lifted_only_by_a_complete_new_licence(editor, upload):
    asset = upload(licence=json.dumps(licences.owned()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"
    editor.client.post(url + "/revoke", {"reason": "contract ended"}, format="json")

    patched = editor.client.patch(url, {"licensor": "typo fixed"}, format="json")
    assert patched.status_code == 409
    assert patched.json()["error"]["code"] == "licence_revoked"

    renewed = editor.client.put(url, licences.owned(licensor="Acme Studio (renewed)"), format="json")
    assert renewed.status_code == 200
    assert (renewed.json()["version"], renewed.json()["revoked"]) == (3, False)


def test_the_history_costs_the_same_number_of_queries_for_many_versions(editor, upload):
    asset = upload(licence=json.dumps(licences.owned()))
    url = f"/api/v1/workspaces/acme/assets/{asset['id']}/licence"

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert editor.client.get(url + "/history").status_code == 200
        return len(queries)

    one = count()
    for n in range(6):
        editor.client.patch(url, {"notes": f"change {n}"}, format="json")
    assert count() == one
