"""``/hooks/<connection_id>/`` (included by photai_dam/urls.py)."""

from __future__ import annotations

from django.urls import path

from integrations.webhooks import receive

urlpatterns = [path("<uuid:connection_id>/", receive, name="integration-webhook")]
