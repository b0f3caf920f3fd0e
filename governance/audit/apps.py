from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "governance.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from governance.audit import signals
        from governance.audit.auth import on_logged_in, on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
        user_logged_in.connect(on_logged_in, dispatch_uid="audit.logged_in")
        signals.connect()
