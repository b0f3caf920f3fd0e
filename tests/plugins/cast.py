"""The shared cast: two workspaces, and in the first one user per role, each with an API client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fixtures.images import image_bytes
from photai_dam.workspaces import actions
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Workspace


@dataclass
class Member:
    user: Any
    client: APIClient
    token: str


def _member(workspace: Workspace, username: str, roles: list[str]) -> Member:
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="pw-" + username
    )
    actions.set_membership(workspace=workspace, user=user, roles=roles)
    token = Token.objects.create(user=user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return Member(user=user, client=client, token=token)


@pytest.fixture
def workspace(db: None) -> Workspace:
    return actions.create_workspace(slug="acme", name="Acme")


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return actions.create_workspace(slug="globex", name="Globex")


@pytest.fixture
def editor(workspace: Workspace) -> Member:
    return _member(workspace, "ed", [Role.EDITOR])


@pytest.fixture
def editor2(workspace: Workspace) -> Member:
    return _member(workspace, "ed2", [Role.EDITOR])


@pytest.fixture
def brand_reviewer(workspace: Workspace) -> Member:
    return _member(workspace, "brand", [Role.BRAND_REVIEWER])


@pytest.fixture
def legal_reviewer(workspace: Workspace) -> Member:
    return _member(workspace, "legal", [Role.LEGAL_REVIEWER])


@pytest.fixture
def admin_member(workspace: Workspace) -> Member:
    return _member(workspace, "boss", [Role.ADMIN])


@pytest.fixture
def outsider(other_workspace: Workspace) -> Member:
    """An editor and admin of *another* workspace."""
    return _member(other_workspace, "mallory", [Role.EDITOR, Role.ADMIN])


@pytest.fixture
def make_member():
    return _member


@pytest.fixture
def upload(editor: Member):
    """Upload an image through the API as ``member`` (default: the editor); returns the JSON."""

    def _upload(
        data: bytes | None = None, *, member: Member | None = None, workspace: str = "acme", **fields: Any
    ) -> dict[str, Any]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        who = member or editor
        payload = {"file": SimpleUploadedFile("photo.jpg", data or image_bytes("JPEG")), **fields}
        response = who.client.post(f"/api/v1/workspaces/{workspace}/assets", payload, format="multipart")
        assert response.status_code == 201, response.content
        return response.json()

    return _upload
