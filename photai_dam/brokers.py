"""Dramatiq brokers whose idle consumers poll at DRAMATIQ_WORKER_TIMEOUT_MS.

Dramatiq's CLI (and so ``manage.py rundramatiq``) always builds its Worker with the default 1000 ms idle
timeout, which makes an idle Redis worker take ~0.5 s to notice a new job. Capping the timeout where the
consumer is created applies the project's setting to every worker, however it was started.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from dramatiq.brokers.rabbitmq import RabbitmqBroker as _RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker as _RedisBroker
from dramatiq.brokers.stub import StubBroker as _StubBroker


def _capped(timeout: int) -> int:
    return min(timeout, settings.DRAMATIQ_WORKER_TIMEOUT_MS)


class RedisBroker(_RedisBroker):
    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        return super().consume(queue_name, prefetch, _capped(timeout))


class RabbitmqBroker(_RabbitmqBroker):
    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
        return super().consume(queue_name, prefetch, _capped(timeout))


class StubBroker(_StubBroker):
    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 100) -> Any:
        return super().consume(queue_name, prefetch, _capped(timeout))
