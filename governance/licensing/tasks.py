"""Dramatiq actors of licence enforcement. They take ids, reload rows, and are safe to run twice.

The periodic sweep is a *self-rescheduling* actor: each run sends the next one with a delay of
``LICENCE_SWEEP_INTERVAL_S``. Start the chain once per deployment with ``manage.py sweep_licences
--schedule`` (safe to repeat: a lease row in ``SweepSchedule`` makes a second chain stop at its first
run). Cron running ``manage.py sweep_licences`` works as well, instead or in addition.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from django.conf import settings
from django.db import transaction
from dramatiq.middleware import CurrentMessage

from governance import clock
from governance.licensing.enforcement import sweep
from governance.licensing.models import SweepSchedule

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "licence-sweep"


@dramatiq.actor(queue_name="cpu", max_retries=3, min_backoff=5_000)
def enforce_asset_licences(asset_id: str) -> None:
    """Enforce right away on one asset and everything derived from it (after a revocation)."""
    result = sweep(roots=[asset_id])
    logger.info("licence enforcement for %s: %s", asset_id, result.as_dict())


@dramatiq.actor(queue_name="cpu", max_retries=0)
def sweep_licences_periodically() -> None:
    """Run the sweep if this chain holds the lease, then schedule the next run."""
    interval = timedelta(seconds=settings.LICENCE_SWEEP_INTERVAL_S)
    now = clock.now()
    message = CurrentMessage.get_current_message()
    message_id = message.message_id if message is not None else ""
    with transaction.atomic():
        schedule, _ = SweepSchedule.objects.select_for_update().get_or_create(
            name=SCHEDULE_NAME, defaults={"next_run_at": now}
        )
        redelivered = bool(message_id) and schedule.holder_message_id == message_id
        if schedule.next_run_at > now and not redelivered:
            # Another chain ran less than one interval ago: this one stops here (no duplicate chains).
            logger.info("licence sweep: another chain holds the schedule until %s", schedule.next_run_at)
            return
        schedule.next_run_at = now + interval
        schedule.holder_message_id = message_id
        schedule.save(update_fields=["next_run_at", "holder_message_id"])
    try:
        result = sweep(at=now)
        SweepSchedule.objects.filter(name=SCHEDULE_NAME).update(last_run_at=now, last_result=result.as_dict())
    finally:
        # Even after a failed sweep the chain goes on; the failure is in the worker's log.
        sweep_licences_periodically.send_with_options(delay=int(interval.total_seconds() * 1000))
