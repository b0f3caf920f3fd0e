from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations import checks  # noqa: F401  (registers the system checks)
        from integrations.models import CREDENTIALS, WEBHOOK_SECRET, Connection
        from photai_dam import crypto

        # Written by integrations/crypto.py before photai_dam.crypto: still read, re-encrypted by
        # `manage.py rotate_secrets`.
        crypto.register_field(Connection, "credentials_encrypted", CREDENTIALS, legacy=("integrations-v1",))
        crypto.register_field(
            Connection, "webhook_secret_encrypted", WEBHOOK_SECRET, legacy=("integrations-v1",)
        )
