"""The hash chain behind the audit log: appending under a lock, and verifying the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from governance.audit.models import AuditEvent
from photai_dam.workspaces.models import Workspace

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

GENESIS_HASH = "0" * 64
# Arbitrary constant key for the PostgreSQL advisory lock that serialises appends to the chain.
_ADVISORY_LOCK_KEY = 0x50484F54  # "PHOT"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event: AuditEvent) -> str:
    """The digest of ``event``'s content chained to ``event.prev_hash`` (what verification recomputes)."""
    payload = _canonical(
        {
            "prev": event.prev_hash,
            "ts": event.timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": event.actor_label,
            "ws": event.workspace_slug,
            "action": event.action,
            "type": event.object_type,
            "id": event.object_id,
            "data": event.data,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appenders so two concurrent writers can never fork the chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    # SQLite: the project opens transactions with BEGIN IMMEDIATE, which already serialises writers.


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
    """Append one event; ``record(obj, action, ...)`` derives workspace, object type and id from ``obj``.

    ``record(action, workspace=..., object_type=..., object_id=...)`` names them instead, for events about
    something that is not a row (a client address, a refused token). Keywords given win over derived values.
    """
    obj: Model | None
    if isinstance(target, str):
        if action is not None:
            raise TypeError(
                "record(action, ...) takes no second positional argument; use record(obj, action)"
            )
        action, obj = target, None
    elif action is None:
        raise TypeError("record(obj, action, ...) needs the action")
    else:
        obj = target
    if obj is not None:
        if workspace is None:
            workspace = obj if isinstance(obj, Workspace) else getattr(obj, "workspace", None)
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    return append(
        action=action,
        actor=actor,
        actor_label=actor_label,
        workspace=workspace,
        object_type=object_type or "",
        object_id="" if object_id is None else object_id,
        data=data,
    )


def append(
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    actor_label: str | None = None,
    workspace: Workspace | None = None,
    object_type: str = "",
    object_id: str | int | UUID = "",
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    # JSON round trip so the stored data hashes the same when read back (UUIDs, dates become strings).
    clean_data = json.loads(_canonical(dict(data or {})))
    label = actor_label or (getattr(actor, "username", None) if actor is not None else None) or "system"
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    # No savepoint: a failed append must fail the caller's whole transaction anyway (its state change
    # may not commit without its event), and a savepoint costs two more round trips per state change.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            timestamp=timezone.now(),
            actor=user,
            actor_label=label,
            workspace=workspace,
            workspace_slug=workspace.slug if workspace is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=clean_data,
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def verify_chain(events: Iterator[AuditEvent] | None = None) -> ChainProblem | None:
    """Walk the chain in order; return the first event that does not fit, or None if all do."""
    prev_hash = GENESIS_HASH
    rows = events if events is not None else AuditEvent.objects.order_by("id").iterator(chunk_size=2000)
    for event in rows:
        if event.prev_hash != prev_hash:
            return ChainProblem(
                event.pk, "prev_hash does not match the previous event (deleted or reordered)"
            )
        expected = event_hash(event)
        if expected != event.hash:
            return ChainProblem(event.pk, "content does not match its hash (edited)")
        prev_hash = event.hash
    return None
