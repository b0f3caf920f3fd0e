"""Failed authentication becomes audit events: refused API tokens and failed sign-ins (I3).

Every failure is an unauthenticated write into a serialised, append-only table, so one client address
gets at most ``AUDIT_AUTH_FAILURES_PER_MINUTE`` individual events a minute; the next failure writes one
``auth.failures_throttled`` event and later ones in that minute are only logged. A spray of guesses is
still visible in the chain, without letting it flood the chain.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from governance import audit

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return str(request.META.get("REMOTE_ADDR", ""))


def _token_fingerprint(key: str) -> str:
    # Never the token itself: a short digest lets an admin correlate repeated attempts with one key.
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _path(request: Any) -> str:
    return str(getattr(request, "path", ""))[:200] if request is not None else ""


def _failures_this_minute(ip: str) -> int:
    key = f"audit:auth-failures:{ip}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, timeout=120)
        return 1


def record_failure(
    action: str, *, request: Any, object_type: str, object_id: str, data: dict[str, Any]
) -> None:
    ip = client_address(request)
    count = _failures_this_minute(ip)
    limit = settings.AUDIT_AUTH_FAILURES_PER_MINUTE
    payload = {**data, "ip": ip, "path": _path(request)}
    if count <= limit:
        audit.record(
            action, actor_label="anonymous", object_type=object_type, object_id=object_id, data=payload
        )
    elif count == limit + 1:
        audit.record(
            "auth.failures_throttled",
            actor_label="anonymous",
            object_type="client",
            object_id=ip,
            data={"limit_per_minute": limit, "first_suppressed": action, "path": payload["path"]},
        )
    else:
        logger.warning(
            "authentication failure from %s not audited individually (over %s/min): %s", ip, limit, action
        )


class AuditedTokenAuthentication(TokenAuthentication):
    """DRF token authentication that records every refused token (unknown, inactive, malformed) before 401."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            presented = request.META.get("HTTP_AUTHORIZATION", "").split()
            key = presented[1] if len(presented) > 1 else ""
            record_failure(
                "auth.token_failed",
                request=request,
                object_type="token",
                object_id=_token_fingerprint(key) if key else "",
                data={"reason": str(exc.detail)},
            )
            raise


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """``user_login_failed`` receiver: sign-in pages, the admin, any ``authenticate()`` that fails."""
    # Django already masks the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    record_failure(
        "auth.login_failed",
        request=request,
        object_type="user",
        object_id=username,
        data={"username": username},
    )
