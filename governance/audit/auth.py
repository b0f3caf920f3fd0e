"""Failed authentication becomes audit events: refused API tokens and failed sign-ins (I3)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return str(request.META.get("REMOTE_ADDR", ""))


def _token_fingerprint(key: str) -> str:
    # Never the token itself: a short digest lets an admin correlate repeated attempts with one key.
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class AuditedTokenAuthentication(TokenAuthentication):
    """DRF token authentication that records every refused token (unknown, inactive, malformed) before 401."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            from governance import audit

            presented = request.META.get("HTTP_AUTHORIZATION", "").split()
            key = presented[1] if len(presented) > 1 else ""
            audit.record(
                "auth.token_failed",
                actor_label="anonymous",
                object_type="token",
                object_id=_token_fingerprint(key) if key else "",
                data={"reason": str(exc.detail), "ip": client_address(request), "path": _path(request)},
            )
            raise


def _path(request: Any) -> str:
    return str(getattr(request, "path", ""))[:200] if request is not None else ""


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """``user_login_failed`` receiver: sign-in pages, the admin, any ``authenticate()`` that fails."""
    from governance import audit

    # Django already masks the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        "auth.login_failed",
        actor_label="anonymous",
        object_type="user",
        object_id=username,
        data={"username": username, "ip": client_address(request), "path": _path(request)},
    )
