"""Routes under /api/v1/workspaces/<slug>/ (included by photai_dam/api/urls.py)."""

from __future__ import annotations

from django.urls import include, re_path
from rest_framework.routers import SimpleRouter

from integrations.api.views import AssetPublicationViewSet, ConnectionViewSet, PublicationViewSet


class _Router(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"  # CMS plugins call both forms


router = _Router()
router.register("connections", ConnectionViewSet, basename="connection")
router.register("publications", PublicationViewSet, basename="publication")
asset_router = _Router()
asset_router.register("publications", AssetPublicationViewSet, basename="asset-publication")

urlpatterns = [
    re_path(r"^assets/(?P<asset_id>[0-9a-fA-F-]{32,36})/", include(asset_router.urls)),
    *router.urls,
]
