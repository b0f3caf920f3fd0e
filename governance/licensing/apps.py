from __future__ import annotations

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "governance.licensing"
    label = "licensing"
    verbose_name = "Licences"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from django.core.checks import register

        from governance import policy
        from governance.licensing import actions, records, schema
        from governance.licensing.checks import check_licensing_settings
        from photai_dam import ports

        register(check_licensing_settings)
        ports.validate_licence.register(schema.validate_licence)
        ports.record_licence.register(actions.set_licence)
        ports.current_licence_prefetch.register(records.current_licence_prefetch)
        ports.current_licence.register(records.current_licence)
        ports.check_job_request.register(policy.check_job_request)
