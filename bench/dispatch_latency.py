"""Enqueue -> start latency of an idle worker on Redis: Dramatiq's stock broker vs. the project's.

Both run in this one process against the same Redis, with a Worker built the way the dramatiq CLI (and
so `manage.py rundramatiq`) builds it: default 1000 ms idle timeout. Prints the medians and their ratio.

    .venv/bin/python bench/dispatch_latency.py [--messages 20] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")


def measure(broker_cls: type, url: str, messages: int, spacing: float) -> list[float]:
    import dramatiq

    broker = broker_cls(url=url, namespace=f"bench-{broker_cls.__module__}")
    latencies: list[float] = []

    def probe(sent_at: float) -> None:
        latencies.append(time.monotonic() - sent_at)

    actor = dramatiq.actor(probe, actor_name="probe", queue_name="bench", broker=broker)
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    time.sleep(1.2)  # let the consumer go idle, as a worker waiting for work is
    for _ in range(messages):
        actor.send(time.monotonic())
        time.sleep(spacing)  # long enough for the worker to be idle again before the next message
    time.sleep(1.0)
    worker.stop()
    broker.flush_all()
    broker.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=0.7, help="seconds between messages")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()

    import django

    django.setup()
    from dramatiq.brokers.redis import RedisBroker as StockRedisBroker

    from photai_dam.brokers import RedisBroker

    stock = measure(StockRedisBroker, args.redis, args.messages, args.spacing)
    ours = measure(RedisBroker, args.redis, args.messages, args.spacing)
    stock_ms, ours_ms = statistics.median(stock) * 1000, statistics.median(ours) * 1000
    print(f"messages per broker: {args.messages} (spacing {args.spacing}s)")
    print(f"stock RedisBroker   median {stock_ms:7.1f} ms   max {max(stock) * 1000:7.1f} ms")
    print(f"photai RedisBroker  median {ours_ms:7.1f} ms   max {max(ours) * 1000:7.1f} ms")
    print(f"ratio stock/photai  {stock_ms / ours_ms:5.1f}x")


if __name__ == "__main__":
    main()
