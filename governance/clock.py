"""The one clock governance asks for "now", so tests can move time instead of sleeping.

Production code calls :func:`now`. Tests freeze or advance it with :func:`frozen` / :func:`set_now`. The
override is process-wide (not a context variable) on purpose: a Dramatiq worker started by a test runs
its actors in other threads of the same process, and they must see the same moment as the test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_override: datetime | None = None


def now() -> datetime:
    """The current time (aware, UTC), or the moment a test set."""
    current = _override
    return current if current is not None else timezone.now()


def set_now(moment: datetime | None) -> None:
    """Pin the clock to ``moment`` (aware), or release it with ``None``."""
    global _override
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("the clock only takes aware datetimes")
    with _lock:
        _override = moment


def advance(delta: timedelta) -> datetime:
    """Move a pinned clock forward (pins it at the real time first if it was not pinned)."""
    with _lock:
        global _override
        _override = (_override or timezone.now()) + delta
        return _override


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    previous = _override
    set_now(moment)
    try:
        yield moment
    finally:
        set_now(previous)
