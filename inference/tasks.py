"""Dramatiq actors that run jobs. They take ids, reload the row, and are safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from django.conf import settings
from dramatiq.middleware import CurrentMessage, TimeLimitExceeded

from inference.errors import TransientJobError

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def _should_retry(retries: int, exc: BaseException) -> bool:
    return isinstance(exc, TransientJobError) and retries < MAX_RETRIES


def _run(job_id: str) -> None:
    # Imported here: the runner brings finalisation (numpy, the watermark, c2pa), which only processes that
    # run jobs need; the web process imports this module just to enqueue.
    from inference.runner import execute_job, fail_job

    try:
        execute_job(job_id)
    except TransientJobError as exc:
        message = CurrentMessage.get_current_message()
        retries = message.options.get("retries", 0) if message is not None else MAX_RETRIES
        if retries >= MAX_RETRIES:
            fail_job(job_id, exc.code, f"{exc.message} (after {retries} retries)")
            return
        logger.warning("job %s: transient error %s, retrying", job_id, exc.code)
        raise
    except TimeLimitExceeded:
        fail_job(job_id, "timeout", f"The job ran longer than {settings.JOB_TIME_LIMIT_S} s.")


_actor_options: dict[str, Any] = {
    "max_retries": MAX_RETRIES,
    "retry_when": _should_retry,
    "min_backoff": 1_000,
    "max_backoff": 60_000,
    "time_limit": settings.JOB_TIME_LIMIT_S * 1000,
}


@dramatiq.actor(queue_name="cpu", **_actor_options)
def run_cpu_job(job_id: str) -> None:
    _run(job_id)


@dramatiq.actor(queue_name="gpu", **_actor_options)
def run_gpu_job(job_id: str) -> None:
    _run(job_id)


ACTORS = {"cpu": run_cpu_job, "gpu": run_gpu_job}


def enqueue_job(job: object) -> None:
    """Send a saved job to the queue its operation runs on (called after commit)."""
    ACTORS[job.queue].send(str(job.pk))  # type: ignore[attr-defined]
