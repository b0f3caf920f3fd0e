from __future__ import annotations

from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "photai_dam.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces and members"

    def ready(self) -> None:
        from photai_dam import checks  # noqa: F401  (registers the system checks once the apps are loaded)
