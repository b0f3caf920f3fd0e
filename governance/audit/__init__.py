"""Tamper-evident audit log. Other packages call :func:`record`; nothing else writes audit events."""

from __future__ import annotations

from typing import Any


def record(action: str, **kwargs: Any) -> Any:
    """Append one event to the hash-chained audit log (inside the caller's transaction)."""
    from governance.audit.chain import append

    return append(action=action, **kwargs)
