from __future__ import annotations

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "governance.licensing"
    label = "licensing"
    verbose_name = "Licences"
