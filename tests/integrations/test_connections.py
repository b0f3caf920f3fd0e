"""Connections: admins only, secrets encrypted at rest and never returned, schemas per kind, /test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from governance.audit.models import AuditEvent
from integrations.models import Connection, Publication

pytestmark = pytest.mark.django_db

URL = "/api/v1/workspaces/acme/connections"
TOKEN = "shpat_secret_token_value_42"


def _shopify(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "shopify",
        "name": "Main shop",
        "base_url": "https://acme.myshopify.com",
        "territory": "gb",
        "credentials": {"access_token": TOKEN},
        "webhook_secret": "client-secret-0123456789abcdef",
        **overrides,
    }


def test_an_admin_creates_a_connection_whose_secrets_never_come_back(admin_member):
    response = admin_member.client.post(URL, _shopify(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["channel"], body["territory"]) == ("shopify", "ecommerce", "GB")
    assert body["has_credentials"] is True and body["has_webhook_secret"] is True
    assert body["webhook_url"].endswith(f"/hooks/{body['id']}/")
    assert "credentials" not in body and "webhook_secret" not in body
    for answer in (
        admin_member.client.get(URL).content,
        admin_member.client.get(f"{URL}/{body['id']}").content,
    ):
        assert TOKEN.encode() not in answer
        assert b"client-secret" not in answer
    # at rest: ciphertext only, and the audit trail never saw the token either
    row = Connection.objects.get(pk=body["id"])
    assert TOKEN not in row.credentials_encrypted
    assert row.credentials == {"access_token": TOKEN}
    assert all(TOKEN not in json.dumps(e.data) for e in AuditEvent.objects.all())
    assert AuditEvent.objects.filter(action="connection.create", object_id=body["id"]).exists()


def test_editors_may_not_manage_connections_and_outsiders_do_not_see_the_workspace(
    editor, outsider, admin_member
):
    created = admin_member.client.post(URL, _shopify(), format="json").json()

    assert editor.client.get(URL).status_code == 403
    assert (
        editor.client.post(URL, _shopify(name="x"), format="json").json()["error"]["code"]
        == "permission_denied"
    )
    assert outsider.client.get(URL).status_code == 404
    assert outsider.client.get(f"{URL}/{created['id']}").status_code == 404
    assert outsider.client.get("/api/v1/workspaces/globex/connections").json()["results"] == []


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"kind": "contentful", "config": {}, "credentials": {"cma_token": "CFPAT-12345678"}},
            400,
            "invalid_config",
            "space_id",
        ),
        ({"kind": "shopify", "config": {"api_version": "latest"}}, 400, "invalid_config", "api_version"),
        ({"kind": "shopify", "config": {"unknown": 1}}, 400, "invalid_config", "unknown"),
        (
            {"kind": "wordpress", "credentials": {"application_password": "abcd efgh ijkl mnop"}},
            400,
            "invalid_credentials",
            "username",
        ),
        (
            {
                "kind": "contentful",
                "config": {"space_id": "s1"},
                "credentials": {"cma_token": "CFPAT-12345678"},
                "webhook_secret": "too-short",
            },
            400,
            "invalid_webhook_secret",
            None,
        ),
        ({"kind": "ftp"}, 400, "invalid", "kind"),
        ({"territory": "Europe"}, 400, "invalid", "territory"),
        ({"channel": "billboards"}, 400, "invalid", "channel"),
    ],
)
def test_configuration_is_validated_per_kind(admin_member, body, status, code, field):
    response = admin_member.client.post(URL, _shopify(**body), format="json")

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    if field and code.startswith("invalid_"):
        assert field in {e["field"] for e in error["details"]["errors"]}
    elif field:
        assert field in error["details"]["fields"]
    assert not Connection.objects.exists()


def test_names_are_unique_per_workspace(admin_member):
    admin_member.client.post(URL, _shopify(), format="json")

    again = admin_member.client.post(URL, _shopify(), format="json")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "connection_name_taken"


def test_patch_replaces_credentials_and_keeps_the_kind(admin_member):
    created = admin_member.client.post(URL, _shopify(), format="json").json()

    response = admin_member.client.patch(
        f"{URL}/{created['id']}",
        {
            "kind": "wordpress",
            "credentials": {"access_token": "shpat_rotated_12345"},
            "territory": "worldwide",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "shopify"
    assert response.json()["territory"] == "worldwide"
    assert Connection.objects.get(pk=created["id"]).credentials == {"access_token": "shpat_rotated_12345"}
    bad = admin_member.client.patch(f"{URL}/{created['id']}", {"credentials": {"token": "x"}}, format="json")
    assert bad.json()["error"]["code"] == "invalid_credentials"


def test_the_test_endpoint_checks_credentials_against_the_remote(admin_member, shopify_server):
    good = admin_member.client.post(
        URL,
        _shopify(base_url=shopify_server.url, credentials={"access_token": shopify_server.access_token}),
        format="json",
    ).json()
    bad = admin_member.client.post(
        URL,
        _shopify(
            name="old token", base_url=shopify_server.url, credentials={"access_token": "shpat_revoked_123"}
        ),
        format="json",
    ).json()

    assert admin_member.client.post(f"{URL}/{good['id']}/test").json() == {
        "ok": True,
        "result": "reachable",
        "message": "The service answered and accepted the credentials.",
    }
    answer = admin_member.client.post(f"{URL}/{bad['id']}/test").json()
    assert answer == {
        "ok": False,
        "result": "auth_failed",
        "message": "The service answered but refused the credentials.",
    }
    listed = admin_member.client.get(f"{URL}/{bad['id']}").json()
    assert (listed["last_test_ok"], listed["last_test_error"]) == (False, "auth_failed")


def test_a_connection_with_something_on_the_cms_cannot_be_deleted(admin_member, upload):
    created = admin_member.client.post(URL, _shopify(), format="json").json()
    connection = Connection.objects.get(pk=created["id"])
    publication = Publication.objects.create(
        workspace=connection.workspace,
        asset_id=upload()["id"],
        connection=connection,
        status="live",
        remote_id="gid://1",
    )

    refused = admin_member.client.delete(f"{URL}/{created['id']}")
    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "code": "connection_in_use",
        "message": refused.json()["error"]["message"],
        "details": {"active_publications": 1},
    }

    Publication.objects.filter(pk=publication.pk).update(status="unpublished")
    assert admin_member.client.delete(f"{URL}/{created['id']}").status_code == 204
    assert not Connection.objects.exists()


# Encryption at rest and key rotation: tests/dam/test_secrets.py (photai_dam.crypto).


def test_the_django_admin_shows_connections_without_their_secrets(admin_member, client, django_user_model):
    created = admin_member.client.post(URL, _shopify(), format="json").json()
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")
    client.force_login(superuser)

    page = client.get(f"/admin/integrations/connection/{created['id']}/change/")

    assert page.status_code == 200
    assert b"Main shop" in page.content
    assert TOKEN.encode() not in page.content
    assert Connection.objects.get(pk=created["id"]).credentials_encrypted.encode() not in page.content
