"""The hash chain behind the audit log: appending under a lock, and verifying the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from governance.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# Arbitrary constant key for the PostgreSQL advisory lock that serialises appends to the chain.
_ADVISORY_LOCK_KEY = 0x50484F54  # "PHOT"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    prev_hash: str,
    timestamp: datetime,
    actor_label: str,
    workspace_slug: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Mapping[str, Any],
) -> str:
    payload = _canonical(
        {
            "prev": prev_hash,
            "ts": timestamp.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_label,
            "ws": workspace_slug,
            "action": action,
            "type": object_type,
            "id": object_id,
            "data": data,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appenders so two concurrent writers can never fork the chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    # SQLite: the project opens transactions with BEGIN IMMEDIATE, which already serialises writers.


def append(
    *,
    action: str,
    actor: Any = None,
    actor_label: str | None = None,
    workspace: Any = None,
    object_type: str = "",
    object_id: object = "",
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    # JSON round trip so the stored data hashes the same when read back (UUIDs, dates become strings).
    clean_data = json.loads(_canonical(dict(data or {})))
    label = actor_label or (getattr(actor, "username", None) if actor is not None else None) or "system"
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    # No savepoint: a failed append must fail the caller's whole transaction anyway (its state change
    # may not commit without its event), and a savepoint costs two more round trips per state change.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS_HASH
        now = timezone.now()
        slug = workspace.slug if workspace is not None else ""
        digest = event_hash(
            prev_hash=prev_hash,
            timestamp=now,
            actor_label=label,
            workspace_slug=slug,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=clean_data,
        )
        return AuditEvent.objects.create(
            timestamp=now,
            actor=actor,
            actor_label=label,
            workspace=workspace,
            workspace_slug=slug,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=clean_data,
            prev_hash=prev_hash,
            hash=digest,
        )


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
        expected = event_hash(
            prev_hash=event.prev_hash,
            timestamp=event.timestamp,
            actor_label=event.actor_label,
            workspace_slug=event.workspace_slug,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            data=event.data,
        )
        if expected != event.hash:
            return ChainProblem(event.pk, "content does not match its hash (edited)")
        prev_hash = event.hash
    return None
