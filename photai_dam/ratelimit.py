"""Fixed-window counters in the shared cache, for limits that must hold across processes and machines.

A window is ``period`` seconds long and aligned to the clock; its counter is one cache key that expires
with it. ``cache.add`` + ``cache.incr`` are atomic on Redis; on the database and file caches concurrent
increments can be lost, so a burst of simultaneous attempts may pass a limit by a few (sequential ones
never do).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|m|min|h|hour|d|day)\s*$")
_UNIT_S = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    """``limit`` events per ``period_s`` seconds."""

    limit: int
    period_s: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"5/15m"``, ``"30/min"``, ``"100/h"``, ``"2/10s"``; ValueError otherwise."""
        match = _RATE.match(text or "")
        if not match or int(match.group(1)) < 1 or match.group(2) == "0":
            raise ValueError(f"{text!r} is not a rate like 5/15m, 30/min or 100/h")
        return cls(int(match.group(1)), int(match.group(2) or 1) * _UNIT_S[match.group(3)])


@dataclass(frozen=True)
class Window:
    """The counter of one key in the current window."""

    key: str
    count: int
    reset_in_s: int


def _window(scope: str, identity: str, rate: Rate) -> tuple[str, int]:
    now = time.time()
    index = int(now // rate.period_s)
    digest = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    reset_in = int((index + 1) * rate.period_s - now) + 1
    return f"ratelimit:{scope}:{digest}:{rate.period_s}:{index}", reset_in


def peek(scope: str, identity: str, rate: Rate) -> Window:
    key, reset_in = _window(scope, identity, rate)
    return Window(key, int(cache.get(key, 0)), reset_in)


def hit(scope: str, identity: str, rate: Rate) -> Window:
    """Count one event; returns the window with the new count."""
    key, reset_in = _window(scope, identity, rate)
    cache.add(key, 0, timeout=rate.period_s + 1)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr: the first of a new window
        cache.set(key, 1, timeout=rate.period_s + 1)
        count = 1
    return Window(key, count, reset_in)


def forget(scope: str, identity: str, rate: Rate) -> None:
    cache.delete(_window(scope, identity, rate)[0])
