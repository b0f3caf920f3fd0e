from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.management import call_command
from django.db.models.signals import post_migrate


class WorkspacesConfig(AppConfig):
    name = "photai_dam.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces and members"

    def ready(self) -> None:
        from photai_dam import checks  # noqa: F401  (registers the system checks once the apps are loaded)

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="photai.create_cache_tables")


def create_cache_tables(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """`migrate` also creates the database cache's table when PHOTAI_CACHE_URL=db:// (idempotent)."""
    if any(str(cache["BACKEND"]).endswith(".DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)
