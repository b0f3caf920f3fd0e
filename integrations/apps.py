from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from governance import ports
        from integrations import actions, checks  # noqa: F401  (checks registers the system checks)

        ports.withdraw_everywhere.register(actions.unpublish_asset)
        ports.publications_of.register(actions.publications_for)
        ports.connection_target.register(actions.connection_target)
