from __future__ import annotations

from django.apps import AppConfig

from photai_dam import crypto


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from governance import ports
        from integrations import actions, checks  # noqa: F401  (checks registers the system checks)
        from integrations.models import CREDENTIALS, WEBHOOK_SECRET, Connection

        ports.withdraw_everywhere.register(actions.unpublish_asset)
        ports.publications_of.register(actions.publications_for)
        ports.connection_target.register(actions.connection_target)
        # Written by integrations/crypto.py before photai_dam.crypto: still read, re-encrypted by
        # `manage.py rotate_secrets`.
        crypto.register_field(Connection, "credentials_encrypted", CREDENTIALS, legacy=("integrations-v1",))
        crypto.register_field(
            Connection, "webhook_secret_encrypted", WEBHOOK_SECRET, legacy=("integrations-v1",)
        )
