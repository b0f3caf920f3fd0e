from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "governance.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which exist only once the apps are loaded.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from governance import ports  # noqa: F401  (declares governance's ports before the system checks)
        from governance.audit import chain, signals
        from governance.audit.auth import on_logged_in, on_login_failed
        from photai_dam import ports as core_ports

        core_ports.record_audit.register(chain.record)
        user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
        user_logged_in.connect(on_logged_in, dispatch_uid="audit.logged_in")
        signals.connect()
