from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "governance.web"
    label = "web"
    verbose_name = "Reviewer and audit pages"
