from __future__ import annotations

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "governance.provenance"
    label = "provenance"
    verbose_name = "Provenance and watermark"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from django.core.checks import register

        from governance.provenance import actions
        from governance.provenance.checks import check_signing_settings
        from photai_dam import ports

        register(check_signing_settings)
        ports.record_provenance.register(actions.record_output)
