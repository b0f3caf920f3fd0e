"""Routes under /api/v1/workspaces/{slug}/ (included from photai_dam/api/urls.py)."""

from __future__ import annotations

from django.urls import re_path

from governance.licensing.api.views import AssetLicenceViewSet, WorkspacePolicyViewSet

_asset = r"^assets/(?P<pk>[^/.]+)/"

urlpatterns = [
    re_path(
        _asset + r"licence/?$",
        AssetLicenceViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="asset-licence",
    ),
    re_path(
        _asset + r"licence/history/?$",
        AssetLicenceViewSet.as_view({"get": "history"}),
        name="asset-licence-history",
    ),
    re_path(
        _asset + r"licence/revoke/?$",
        AssetLicenceViewSet.as_view({"post": "revoke"}),
        name="asset-licence-revoke",
    ),
    re_path(
        _asset + r"licence/effective/?$",
        AssetLicenceViewSet.as_view({"get": "effective"}),
        name="asset-licence-effective",
    ),
    re_path(
        _asset + r"publishability/?$",
        AssetLicenceViewSet.as_view({"get": "publishability"}),
        name="asset-publishability",
    ),
    re_path(
        r"^policy/?$",
        WorkspacePolicyViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="workspace-policy",
    ),
]
