from __future__ import annotations

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "governance.provenance"
    label = "provenance"
    verbose_name = "Provenance and watermark"

    def ready(self) -> None:
        from django.core.checks import register

        from governance.provenance.system_checks import check_signing_settings

        register(check_signing_settings)
