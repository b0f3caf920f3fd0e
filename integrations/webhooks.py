"""``POST /hooks/<connection_id>/``: webhooks from the CMSs, verified before anything is parsed.

CSRF-exempt (the callers are servers that sign their requests instead) and size-limited; a bad
signature answers 401 (Shopify's compliance review requires exactly that).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations import actions, registry
from integrations.base import InvalidConfiguration, WebhookRejected
from integrations.models import Connection
from photai_dam.api import parsers
from photai_dam.crypto import SecretUnreadable

logger = logging.getLogger(__name__)


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, connection_id: UUID) -> JsonResponse:
    limit = settings.INTEGRATIONS_WEBHOOK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > limit:
        return _error("payload_too_large", f"Webhook bodies are limited to {limit} bytes.", 413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error("payload_too_large", f"Webhook bodies are limited to {limit} bytes.", 413)
    try:
        # Before anything reads the body as JSON (Shopify's check reads it: a topic's shape).
        parsers.check_depth(body)
    except parsers.JSONRejected as exc:
        return _error(exc.code, exc.message, 400)
    connection = Connection.objects.select_related("workspace").filter(pk=connection_id).first()
    if connection is None:
        return _error("not_found", "No such connection.", 404)
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        connector = registry.connector_for(connection)
    except (SecretUnreadable, InvalidConfiguration):
        logger.exception("webhook for connection %s: its settings cannot be read", connection.pk)
        return _error("connection_unusable", "The connection's settings cannot be read.", 503)
    try:
        connector.verify_webhook(
            method=request.method or "POST", path=request.get_full_path(), headers=headers, body=body
        )
    except WebhookRejected as exc:
        logger.warning("webhook for connection %s refused: %s", connection.pk, exc.code)
        return _error(exc.code, exc.message, exc.status)
    try:
        # Non-finite numbers (1e400, NaN) and oversized integers are refused here, once for every vendor.
        parsers.loads(body) if body else None
    except parsers.JSONRejected as exc:
        return _error(exc.code, exc.message, 400)
    try:
        event = connector.parse_webhook(headers=headers, body=body)
    except (ValueError, TypeError, AttributeError):
        return _error("invalid_payload", "The webhook body is not the JSON we expect.", 400)
    outcome: dict[str, Any] = actions.handle_webhook(connection, event)
    return JsonResponse(json.loads(json.dumps(outcome, default=str)), status=200)
