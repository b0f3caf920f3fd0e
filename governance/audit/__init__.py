"""Tamper-evident audit log. Other packages call :func:`record`; nothing else writes audit events.

``record(obj, action, actor=..., data=...)`` takes the workspace, object type and id from ``obj``;
``record(action, workspace=..., object_type=..., object_id=..., ...)`` names them (events about something
that is not a row). The DAM core reaches the same function through ``photai_dam.ports.record_audit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import Model

    from governance.audit.models import AuditEvent
    from photai_dam.workspaces.models import Workspace


def record(
    target: Model | str,
    action: str | None = None,
    /,
    *,
    actor: User | AnonymousUser | None = None,
    actor_label: str | None = None,
    workspace: Workspace | None = None,
    object_type: str | None = None,
    object_id: str | int | UUID | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the hash-chained audit log (inside the caller's transaction)."""
    # Imported here: this package is the Django app, which Django imports before any model may be.
    from governance.audit import chain

    return chain.record(
        target,
        action,
        actor=actor,
        actor_label=actor_label,
        workspace=workspace,
        object_type=object_type,
        object_id=object_id,
        data=data,
    )
