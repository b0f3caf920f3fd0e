"""Side effects of review transitions, run by a real Dramatiq worker after commit: e-mail to the next
stage's reviewers, and signed webhooks to the workspace's receiver (a real local HTTP server) with retries."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from governance.reviews.choices import DeliveryStatus
from governance.reviews.models import WebhookDelivery
from governance.reviews.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.plugins.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "receiver-shared-secret-0123456789"


class Receiver:
    """A CMS-side webhook endpoint: answers 500 to the first ``fail_first`` calls, then ``then``."""

    def __init__(self, fail_first: int = 0, then: int = 204) -> None:
        self.calls: list[tuple[dict[str, str], bytes, int]] = []
        self.fail_first = fail_first
        self.then = then
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.calls) < receiver.fail_first else receiver.then
                receiver.calls.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/photai"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict]:
        return [json.loads(body) for _, body, status in self.calls if status < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(fail_first=1)
    yield r
    r.close()


@pytest.fixture
def notifying_worker(settings, broker):
    import dramatiq

    import governance.reviews.tasks  # noqa: F401  (declares the actors on the broker)
    from inference.embedded_worker import detach

    settings.REVIEW_WEBHOOK_MIN_BACKOFF_MS = 20
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    w = dramatiq.Worker(broker, worker_threads=2, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS)
    w.start()
    yield w
    detach(w)


def test_stage_reviewers_are_mailed_and_the_workspace_gets_signed_webhooks(
    admin_member,
    editor,
    brand_reviewer,
    legal_reviewer,
    make_output,
    submit,
    decide,
    receiver,
    notifying_worker,
):
    # given a workspace with a webhook receiver that fails its first call
    response = admin_member.client.put(
        "/api/v1/workspaces/acme/review-settings",
        {"webhook_url": receiver.url, "webhook_secret": SECRET},
        format="json",
    )
    assert response.status_code == 200
    output = make_output()

    # when the editor submits an output
    review = submit(output).json()

    # then the brand reviewer (only) is mailed a link to the review page
    wait_until(lambda: len(mail.outbox) >= 1, timeout=30)
    assert [m.to for m in mail.outbox] == [["brand@example.com"]]
    assert f"/reviews/acme/{review['id']}/" in mail.outbox[0].body
    assert "brand" in mail.outbox[0].subject
    # and the webhook arrives after one retry, signed over its timestamp and exact body
    wait_until(lambda: len(receiver.delivered()) >= 1, timeout=30)
    headers, body, _ = receiver.calls[-1]
    assert verify_signature(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(
        "another-secret-entirely", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER]
    )
    assert not verify_signature(SECRET, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "review.submitted"
    assert payload["review"]["id"] == review["id"]
    assert payload["review"]["status"] == "open" and payload["review"]["stage"] == "brand"
    assert [status for _, _, status in receiver.calls] == [500, 204]
    delivery = WebhookDelivery.objects.get()
    wait_until(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED, timeout=10)
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2

    # when brand approves, legal is mailed next and the CMS hears that the stage moved on
    assert decide(brand_reviewer, review["id"], "approve", output.sha256).status_code == 200
    wait_until(lambda: len(mail.outbox) >= 2, timeout=30)
    assert mail.outbox[1].to == ["legal@example.com"]
    wait_until(lambda: len(receiver.delivered()) >= 2, timeout=30)
    assert receiver.delivered()[-1]["event"] == "review.stage_approved"
    assert receiver.delivered()[-1]["review"]["stage"] == "legal"

    # and a final approval is announced, with no further e-mail
    assert decide(legal_reviewer, review["id"], "approve", output.sha256).status_code == 200
    wait_until(lambda: len(receiver.delivered()) >= 3, timeout=30)
    assert receiver.delivered()[-1]["event"] == "review.approved"
    assert len(mail.outbox) == 2


def test_a_redelivered_notification_does_not_mail_twice(
    editor, brand_reviewer, make_output, submit, notifying_worker
):
    from governance.reviews.notify import notify_stage_reviewers

    output = make_output()
    review = submit(output).json()
    wait_until(lambda: len(mail.outbox) >= 1, timeout=30)

    # when the same message runs again (a redelivery)
    assert notify_stage_reviewers(review["id"], 1, 0) == []

    assert len(mail.outbox) == 1


def test_a_receiver_that_refuses_is_not_retried(admin_member, editor, make_output, submit, notifying_worker):
    refusing = Receiver(then=410)
    try:
        admin_member.client.put(
            "/api/v1/workspaces/acme/review-settings",
            {"webhook_url": refusing.url, "webhook_secret": SECRET},
            format="json",
        )
        submit(make_output())
        wait_until(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists(), timeout=30)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.attempts, delivery.response_status) == (1, 410)
        assert len(refusing.calls) == 1
    finally:
        refusing.close()
