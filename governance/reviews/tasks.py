"""Dramatiq actors of the review workflow: e-mail the next stage's reviewers, deliver signed webhooks.

Both take ids, reload their rows, and are safe to run twice.
"""

from __future__ import annotations

import dramatiq
from django.conf import settings

from governance.reviews import notify

QUEUE = "notifications"


def _retry_webhook(retries: int, exc: BaseException) -> bool:
    return isinstance(exc, notify.TransientDeliveryError) and retries < settings.REVIEW_WEBHOOK_MAX_RETRIES


@dramatiq.actor(queue_name=QUEUE, max_retries=5, min_backoff=5_000, max_backoff=600_000)
def notify_stage_reviewers(review_id: str, round_: int, stage_index: int) -> None:
    notify.notify_stage_reviewers(review_id, round_, stage_index)


@dramatiq.actor(queue_name=QUEUE, retry_when=_retry_webhook, max_backoff=3_600_000)
def deliver_webhook(delivery_id: str) -> None:
    notify.deliver_webhook(delivery_id)


def send_webhook(delivery_id: str) -> None:
    """Enqueue a delivery with the configured back-off (read per message, so settings apply at once)."""
    deliver_webhook.send_with_options(args=(delivery_id,), min_backoff=settings.REVIEW_WEBHOOK_MIN_BACKOFF_MS)
