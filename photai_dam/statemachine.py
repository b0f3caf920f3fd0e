"""Compare-and-swap status transitions checked against a model's transitions table, with an audit event.

Jobs and publications move through their states with :func:`cas_transition`; each keeps its own table
(``TRANSITIONS`` in its ``choices.py``) next to its status choices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction

from photai_dam import ports


class InvalidTransition(Exception):
    """An object was asked to move between two states its transitions table does not allow."""

    def __init__(self, object_type: str, object_id: object, current: str, wanted: str) -> None:
        super().__init__(f"{object_type} {object_id}: {current} -> {wanted} is not allowed")
        self.current = current
        self.wanted = wanted


def cas_transition(
    instance: models.Model,
    new_status: str,
    *,
    table: Mapping[str, Iterable[str]],
    object_type: str,
    expected: str | None = None,
    audit_fields: Iterable[str] = (),
    audit_data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``instance`` from its current (or ``expected``) status to ``new_status`` if nobody was first.

    Returns False when another process changed the status first (nothing is written); raises
    InvalidTransition when the table forbids the move. On success the instance is refreshed and an audit
    event ``<object_type>.<new_status>`` records the previous status, ``audit_data`` and the named fields.
    """
    current = expected or instance.status  # type: ignore[attr-defined]
    if new_status not in table[current]:
        raise InvalidTransition(object_type, instance.pk, current, new_status)
    with transaction.atomic():
        changed = (
            type(instance)
            ._default_manager.filter(pk=instance.pk, status=current)
            .update(status=new_status, **fields)
        )
        if changed and new_status != current:
            ports.record_audit(
                instance,
                f"{object_type}.{new_status}",
                data={
                    "from": current,
                    **(audit_data or {}),
                    **{k: v for k, v in fields.items() if k in set(audit_fields)},
                },
            )
    instance.refresh_from_db()
    return bool(changed)
