"""Changes made through the Django admin site become audit events too (members, settings, models)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save

from governance import audit


def _admin_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        return

    # The admin writes one LogEntry per add/change/delete; recording it keeps edits outside the API's
    # actions (a role changed in the admin, a workspace setting) in the chain as well.
    action = {1: "admin.add", 2: "admin.change", 3: "admin.delete"}.get(instance.action_flag, "admin.other")
    content_type = instance.content_type
    audit.record(
        action,
        actor=instance.user,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id or "",
        data={"repr": instance.object_repr, "message": instance.get_change_message()},
    )


def connect() -> None:
    post_save.connect(_admin_change, sender=LogEntry, dispatch_uid="audit.admin_change")
