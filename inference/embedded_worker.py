"""A Dramatiq worker inside the web process, for the embedded default (`make run`)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading

import dramatiq
from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from dramatiq.middleware import TimeLimit

logger = logging.getLogger(__name__)
_worker: dramatiq.Worker | None = None
_lock = threading.Lock()


def import_task_modules() -> list[str]:
    """Import every installed app's ``tasks`` module, declaring all actors and their queues.

    A worker must know every queue before it starts: a queue declared later makes every Worker ever
    built on this broker (stopped ones too) start a consumer for it.
    """
    imported = []
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "tasks"):
            importlib.import_module(f"{app.name}.tasks")
            imported.append(f"{app.name}.tasks")
    return imported


def detach(worker: dramatiq.Worker) -> None:
    """Stop ``worker`` and take its hook off the broker, so it never consumes again."""
    worker.stop()
    broker = worker.broker
    broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]


def start(worker_threads: int = 2) -> dramatiq.Worker:
    """Start (once) an in-process worker on every queue of the configured broker."""
    global _worker
    with _lock:
        if _worker is None:
            import_task_modules()
            broker = dramatiq.get_broker()
            start_time_limits(broker)
            _worker = dramatiq.Worker(
                broker, worker_threads=worker_threads, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS
            )
            _worker.start()
            logger.info("embedded Dramatiq worker started on queues %s", sorted(broker.get_declared_queues()))
        return _worker


def start_time_limits(broker: dramatiq.Broker) -> None:
    """Start the TimeLimit middleware's watchdog, as the dramatiq CLI does at process boot.

    A worker started in-process (this embedded one, tests) never sees the ``process_boot`` event, so
    without this a job would have no time limit at all.
    """
    for middleware in broker.middleware:
        manager = getattr(middleware, "manager", None)
        if isinstance(middleware, TimeLimit) and manager is not None and not manager.is_alive():
            with contextlib.suppress(RuntimeError):  # another thread started it first
                manager.start()


def stop() -> None:
    global _worker
    with _lock:
        if _worker is not None:
            detach(_worker)
            _worker = None


def start_if_configured() -> None:
    # Only for the web server itself (not migrate, shell, tests or the rundramatiq command).
    is_server = (len(sys.argv) > 1 and sys.argv[1] in {"runserver"}) or os.environ.get("PHOTAI_SERVER") == "1"
    if settings.EMBEDDED_WORKER and is_server and not settings.TESTING:
        start()
