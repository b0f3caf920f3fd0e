"""Small helpers shared by the integrations tests."""

from __future__ import annotations

from typing import Any


def publish(member: Any, asset_id: str, connection_id: str, workspace: str = "acme", **body: Any) -> Any:
    """Ask for a publication through the API, as ``member``."""
    return member.client.post(
        f"/api/v1/workspaces/{workspace}/assets/{asset_id}/publications",
        {"connection": connection_id, **body},
        format="json",
    )


def stored_bytes(asset_id: str) -> bytes:
    """The exact bytes the DAM stores for an asset (what every CMS must receive)."""
    from photai_dam.assets.models import Asset

    with Asset.objects.get(pk=asset_id).file.open("rb") as handle:
        return handle.read()
