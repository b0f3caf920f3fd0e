"""A real Dramatiq worker on the configured broker (Redis in CI, the stub broker otherwise)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import dramatiq
import pytest
from django.conf import settings


@pytest.fixture
def broker(transactional_db: None) -> Iterator[dramatiq.Broker]:
    from inference.embedded_worker import import_task_modules

    import_task_modules()  # every queue is declared before any worker starts
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.fixture
def worker(broker: dramatiq.Broker) -> Iterator[dramatiq.Worker]:
    """A worker with the project's low idle timeout, consuming every queue, stopped after the test."""
    from inference.embedded_worker import detach, start_time_limits

    w = dramatiq.Worker(broker, worker_threads=2, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS)
    start_time_limits(broker)  # as the dramatiq CLI does at boot: jobs get their time limit
    w.start()
    yield w
    detach(w)


def wait_until(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def wait_for_job() -> Callable[..., dict[str, Any]]:
    """Poll a job through the API until it finishes; returns its JSON."""

    def _wait(client: Any, job_id: str, *, workspace: str = "acme", timeout: float = 60.0) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            body = client.get(f"/api/v1/workspaces/{workspace}/jobs/{job_id}").json()
            return body if body["status"] in ("succeeded", "failed", "cancelled") else None

        return wait_until(finished, timeout=timeout)

    return _wait
