"""Dramatiq actors that publish and unpublish. They take ids, reload the row, and are safe to run twice.

Retries are ours, not Dramatiq's default: the action decides (vendor wait, attempt budget) and raises
RetryLater, which becomes ``dramatiq.Retry`` with exactly that delay; nothing else is retried.
"""

from __future__ import annotations

import dramatiq

from integrations import actions

QUEUE = "integrations"
# Dramatiq's own cap; the real budget is settings.INTEGRATIONS_MAX_ATTEMPTS, counted in the database.
_HARD_CAP = 100


def _retry_when(retries: int, exc: BaseException) -> bool:
    return isinstance(exc, dramatiq.Retry) and retries < _HARD_CAP


_options = {"queue_name": QUEUE, "retry_when": _retry_when, "time_limit": 15 * 60 * 1000}


@dramatiq.actor(**_options)  # type: ignore[call-overload]
def publish_publication(publication_id: str) -> None:
    try:
        actions.run_publish(publication_id)
    except actions.RetryLater as later:
        raise dramatiq.Retry(str(later), delay=later.delay_ms) from None


@dramatiq.actor(**_options)  # type: ignore[call-overload]
def unpublish_publication(publication_id: str) -> None:
    try:
        actions.run_unpublish(publication_id)
    except actions.RetryLater as later:
        raise dramatiq.Retry(str(later), delay=later.delay_ms) from None
