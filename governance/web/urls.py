from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path

from governance.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("reviews/", views.queue, name="queue"),
    path("reviews/<slug:slug>/<uuid:review_id>/", views.review_page, name="review"),
    path("reviews/<slug:slug>/assets/<uuid:asset_id>/image", views.asset_image, name="asset-image"),
    path("audit/", views.audit_home, name="audit-home"),
    path("audit/<slug:slug>/", views.audit_page, name="audit"),
    path("audit/<slug:slug>/export.<str:fmt>", views.audit_export, name="audit-export"),
]

if settings.EMBEDDED_WORKER:
    # The embedded default (`make run`) has no web server in front to serve collected static files,
    # and runserver serves them only with DEBUG; the pages' one stylesheet must still load. Exactly
    # that file: no path from the request reaches the file system.
    urlpatterns.append(
        path("static/web/site.css", lambda request: serve_static(request, "web/site.css", insecure=True))
    )
