from __future__ import annotations

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "governance.licensing"
    label = "licensing"
    verbose_name = "Licences"

    def ready(self) -> None:
        from django.core.checks import register

        from governance.licensing.checks import check_licensing_settings

        register(check_licensing_settings)
