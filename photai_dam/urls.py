from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


# Django's own error answers: the JSON envelope under /api/ and /hooks/, HTML pages elsewhere.
handler400 = "photai_dam.api.http_errors.handler400"
handler403 = "photai_dam.api.http_errors.handler403"
handler404 = "photai_dam.api.http_errors.handler404"
handler500 = "photai_dam.api.http_errors.handler500"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("photai_dam.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("hooks/", include("integrations.urls")),  # webhooks from the CMSs
    path("", include("governance.web.urls")),  # sign-in, reviewer queue, review and audit pages
]
