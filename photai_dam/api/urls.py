"""Routes of /api/v1/. Each package adds its own routers here."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from governance.audit.api.views import AuditEventViewSet, EvidenceView
from governance.provenance.api.views import VerifyView
from governance.reviews.api.views import AssetReviewsView, ReviewViewSet, WorkflowSettingsView
from inference.api.views import ModelListView, OperationListView
from photai_dam.assets.api.views import AssetViewSet
from photai_dam.jobs.api.views import JobViewSet
from photai_dam.workspaces.api.views import MyWorkspacesView


class Router(SimpleRouter):
    """Routes that answer with or without a trailing slash (CMS plugins call both forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


workspace_router = Router()
workspace_router.register("assets", AssetViewSet, basename="asset")
workspace_router.register("jobs", JobViewSet, basename="job")
workspace_router.register("reviews", ReviewViewSet, basename="review")
workspace_router.register("audit", AuditEventViewSet, basename="audit-event")

urlpatterns = [
    re_path(r"^workspaces/?$", MyWorkspacesView.as_view(), name="my-workspaces"),
    re_path(r"^operations/?$", OperationListView.as_view(), name="operations"),
    re_path(r"^models/?$", ModelListView.as_view(), name="models"),
    re_path(r"^verify/?$", VerifyView.as_view(), name="verify"),
    re_path(
        r"^workspaces/(?P<slug>[-\w]+)/assets/(?P<pk>[^/.]+)/reviews/?$",
        AssetReviewsView.as_view(),
        name="asset-reviews",
    ),
    re_path(
        r"^workspaces/(?P<slug>[-\w]+)/assets/(?P<pk>[^/.]+)/evidence/?$",
        EvidenceView.as_view(),
        name="asset-evidence",
    ),
    re_path(
        r"^workspaces/(?P<slug>[-\w]+)/review-settings/?$",
        WorkflowSettingsView.as_view(),
        name="review-settings",
    ),
    path("workspaces/<slug:slug>/", include(workspace_router.urls)),
    path("workspaces/<slug:slug>/", include("governance.licensing.api.urls")),  # licences, policy
    path("workspaces/<slug:slug>/", include("integrations.api.urls")),  # connections, publications
]
