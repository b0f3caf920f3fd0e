"""E-mail to a stage's reviewers and signed webhooks to the workspace, as run by the actors in tasks.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.reviews.choices import DecisionKind, DeliveryStatus, ReviewStatus
from governance.reviews.models import Decision, Review, StageNotification, WebhookDelivery, WorkflowSettings
from governance.reviews.separation import excluded_by_lineage
from photai_dam import outbound
from photai_dam.crypto import SecretUnreadable
from photai_dam.workspaces.models import Membership

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-PhotAI-Signature"
TIMESTAMP_HEADER = "X-PhotAI-Timestamp"


class TransientDeliveryError(Exception):
    """The receiver could not take the webhook now (network error, 5xx, 408, 429): worth a retry."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body`` (the timestamp defeats replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_s: int = 300
) -> bool:
    """What a receiver does: recompute in constant time and refuse stale timestamps."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def deliver_webhook(delivery_id: str) -> None:
    """POST one delivery; idempotent (a delivered one is skipped); raises TransientDeliveryError to retry."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    config = WorkflowSettings.objects.filter(workspace_id=delivery.workspace_id).first()
    if config is None or not config.webhook_secret_encrypted:
        _finish(delivery, DeliveryStatus.FAILED, error="the workspace no longer has a webhook secret")
        return
    try:
        secret = config.webhook_secret
    except SecretUnreadable:
        # No retry opens it: the operator removed the key it was stored under (FIELD_ENCRYPTION_KEY).
        _finish(delivery, DeliveryStatus.FAILED, error="the webhook secret cannot be decrypted")
        return
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "PhotAI-DAM-webhooks/1",
        "X-PhotAI-Event": delivery.event,
        "X-PhotAI-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    delivery.attempts += 1
    try:
        response = outbound.request(
            "POST", delivery.url, content=body, headers=headers, timeout=settings.REVIEW_WEBHOOK_TIMEOUT_S
        )
    except outbound.OutboundRefused as exc:
        # The URL (or what its name resolves to now) is refused by policy: no retry will change that.
        _finish(delivery, DeliveryStatus.FAILED, error=f"{exc.code}: {exc.reason}")
        return
    except httpx.HTTPError as exc:
        _retry_or_fail(delivery, f"{type(exc).__name__}: {exc}", None)
        return
    if 200 <= response.status_code < 300:
        _finish(delivery, DeliveryStatus.DELIVERED, status_code=response.status_code)
    elif response.status_code >= 500 or response.status_code in (408, 429):
        _retry_or_fail(delivery, f"HTTP {response.status_code}", response.status_code)
    else:
        # 3xx and the other 4xx will not change on a retry: the receiver refused this call.
        _finish(
            delivery,
            DeliveryStatus.FAILED,
            status_code=response.status_code,
            error=f"HTTP {response.status_code}",
        )


def _retry_or_fail(delivery: WebhookDelivery, error: str, status_code: int | None) -> None:
    if delivery.attempts > settings.REVIEW_WEBHOOK_MAX_RETRIES:
        _finish(delivery, DeliveryStatus.FAILED, status_code=status_code, error=f"{error} (gave up)")
        return
    WebhookDelivery.objects.filter(pk=delivery.pk).update(last_error=error, response_status=status_code)
    raise TransientDeliveryError(error)


def _finish(
    delivery: WebhookDelivery, status: str, *, status_code: int | None = None, error: str = ""
) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=status,
        response_status=status_code,
        last_error=error,
        delivered_at=timezone.now() if status == DeliveryStatus.DELIVERED else None,
    )
    if status == DeliveryStatus.FAILED:
        logger.warning("webhook %s to %s failed: %s", delivery.pk, delivery.url, error)


def stage_recipients(review: Review) -> list[Any]:
    """Members who may decide the review's current stage: the role, minus separation-of-duties exclusions."""
    stage = review.stage
    if stage is None:
        return []
    excluded = {review.requested_by_id, *excluded_by_lineage(review.asset)}
    if review.one_stage_per_person:
        excluded |= set(
            Decision.objects.filter(
                review=review, round=review.round, decision=DecisionKind.APPROVE
            ).values_list("reviewer_id", flat=True)
        )
    # Roles are a JSON list; filtering in Python keeps this portable across SQLite and PostgreSQL.
    members = Membership.objects.filter(workspace_id=review.workspace_id).select_related("user")
    return [
        m.user
        for m in members
        if stage["role"] in m.roles and m.user_id not in excluded and m.user.is_active and m.user.email
    ]


def notify_stage_reviewers(review_id: str, round_: int, stage_index: int) -> list[str]:
    """E-mail the stage's reviewers once; returns who was mailed (empty when stale or already sent)."""
    review = Review.objects.select_related("asset", "workspace").filter(pk=review_id).first()
    if (
        review is None
        or review.status != ReviewStatus.OPEN
        or review.round != round_
        or review.current_stage != stage_index
    ):
        return []  # the review moved on before this message ran; its newer stage sends its own
    recipients = stage_recipients(review)
    addresses = [u.email for u in recipients]
    try:
        with transaction.atomic():
            marker = StageNotification.objects.create(
                review=review, round=round_, stage_index=stage_index, recipients=addresses
            )
    except IntegrityError:
        return []  # a redelivered message: already sent
    stage = review.stage or {}
    base_url = (settings.PUBLIC_BASE_URL or "").rstrip("/")
    link = f"{base_url}/reviews/{review.workspace.slug}/{review.pk}/"
    subject = f"[PhotAI] Review needed ({stage.get('key')}): {review.asset.title or review.asset_id}"
    body = (
        f"An asset in {review.workspace.name} waits for the {stage.get('key')} stage of its review.\n\n"
        f"Asset: {review.asset.title or review.asset_id}\nSHA-256: {review.sha256}\n\nReview it at {link}\n"
    )
    try:
        send_mass_mail(
            [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses],
            fail_silently=False,
        )
    except Exception:
        # Let the actor retry the whole message: forget the marker so the retry sends.
        StageNotification.objects.filter(pk=marker.pk).delete()
        raise
    return addresses
