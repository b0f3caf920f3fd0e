"""Redis and RabbitMQ both carry jobs: one resize job through a real worker on each broker."""

from __future__ import annotations

import os

import dramatiq
import pytest

from tests.plugins.services import service_or_skip
from tests.plugins.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _broker(kind: str) -> dramatiq.Broker:
    if kind == "redis":
        from dramatiq.brokers.redis import RedisBroker

        service_or_skip("Redis", "127.0.0.1", 6379)
        return RedisBroker(
            url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), namespace="photai-broker-test"
        )
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    service_or_skip("RabbitMQ", "127.0.0.1", 5672)
    return RabbitmqBroker(url=os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_a_job_completes_through_each_broker(kind, editor, upload, settings):
    from django_dramatiq.middleware import DbConnectionsMiddleware
    from dramatiq.middleware import CurrentMessage

    from inference.runner import execute_job
    from photai_dam.jobs.models import Job

    broker = _broker(kind)
    broker.add_middleware(CurrentMessage())
    broker.add_middleware(DbConnectionsMiddleware())
    # the same actor code, declared on this broker
    actor = dramatiq.actor(
        execute_job, actor_name=f"run_job_{kind}", queue_name=f"photai_test_{kind}", broker=broker
    )
    broker.declare_actor(actor) if actor.actor_name not in broker.actors else None
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS)
    worker.start()
    try:
        source = upload()
        job = editor.client.post(
            "/api/v1/workspaces/acme/jobs",
            {"operation": "resize", "inputs": [source["id"]], "params": {"width": 30, "height": 30}},
            format="json",
        ).json()
        actor.send(job["id"])

        wait_until(lambda: Job.objects.get(pk=job["id"]).status == "succeeded", timeout=30)
        assert Job.objects.get(pk=job["id"]).output_links.count() == 1
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()
