from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from governance.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("reviews/", views.queue, name="queue"),
    path("reviews/<slug:slug>/<uuid:review_id>/", views.review_page, name="review"),
    path("reviews/<slug:slug>/assets/<uuid:asset_id>/image", views.asset_image, name="asset-image"),
    path("audit/", views.audit_home, name="audit-home"),
    path("audit/<slug:slug>/", views.audit_page, name="audit"),
    path("audit/<slug:slug>/export.<str:fmt>", views.audit_export, name="audit-export"),
]
