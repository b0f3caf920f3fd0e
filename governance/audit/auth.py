"""Failed authentication becomes audit events: refused API tokens and failed sign-ins (I3); and sign-in
is throttled per account and per client address.

Every failure is an unauthenticated write into a serialised, append-only table, so one client address
gets at most ``AUDIT_AUTH_FAILURES_PER_MINUTE`` individual events a minute; the next failure writes one
``auth.failures_throttled`` event and later ones in that minute are only logged. A spray of guesses is
still visible in the chain, without letting it flood the chain.

Sign-in throttling: failed sign-ins are counted per account (``PHOTAI_LOGIN_RATE_ACCOUNT``) and per
client address (``PHOTAI_LOGIN_RATE_ADDRESS``) in the shared cache, so the limits hold across every web
process. Past either limit, sign-in is refused before the password is looked at (``/login/`` answers
429 with Retry-After; the admin's sign-in and any other ``authenticate()`` are refused by
:class:`SignInThrottleBackend`), and each refused attempt is audited as ``auth.login_throttled``. A
successful sign-in clears its account's count.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from governance import audit
from photai_dam import ratelimit

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
    if request is not None and getattr(request, THROTTLED_ATTRIBUTE, None) is not None:
        return  # refused by the throttle, audited as auth.login_throttled; not another guess
    if request is not None:
        count_failed_sign_in(request, username)
    record_failure(
        "auth.login_failed",
        request=request,
        object_type="user",
        object_id=username,
        data={"username": username},
    )


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: a successful sign-in clears its account's failure count."""
    rate = ratelimit.Rate.parse(settings.LOGIN_RATE_ACCOUNT)
    ratelimit.forget("signin-account", _account(user.get_username()), rate)


# --- sign-in throttling ---------------------------------------------------------------------------------
THROTTLED_ATTRIBUTE = "photai_signin_throttled"


@dataclass(frozen=True)
class SignInThrottled:
    """Why a sign-in is refused before its password is checked, and for how long."""

    scope: str  # "account" or "address"
    retry_after_s: int

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after_s // 60))
        return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}."


def _account(username: str) -> str:
    # The form's own normalisation, case-folded: "Brand" and "brand" share one count.
    return get_user_model().normalize_username(username).casefold()


def _rates() -> tuple[ratelimit.Rate, ratelimit.Rate]:
    return (
        ratelimit.Rate.parse(settings.LOGIN_RATE_ACCOUNT),
        ratelimit.Rate.parse(settings.LOGIN_RATE_ADDRESS),
    )


def sign_in_throttled(request: HttpRequest, username: str) -> SignInThrottled | None:
    account_rate, address_rate = _rates()
    account = ratelimit.peek("signin-account", _account(username), account_rate)
    if account.count >= account_rate.limit:
        return SignInThrottled("account", account.reset_in_s)
    address = ratelimit.peek("signin-address", client_address(request), address_rate)
    if address.count >= address_rate.limit:
        return SignInThrottled("address", address.reset_in_s)
    return None


def count_failed_sign_in(request: HttpRequest, username: str) -> None:
    account_rate, address_rate = _rates()
    ratelimit.hit("signin-account", _account(username), account_rate)
    ratelimit.hit("signin-address", client_address(request), address_rate)


def refuse_throttled(request: HttpRequest, username: str) -> SignInThrottled | None:
    """The throttle's verdict for this attempt; a refusal is audited (auth.login_throttled)."""
    throttled = sign_in_throttled(request, username)
    if throttled is not None:
        setattr(request, THROTTLED_ATTRIBUTE, throttled)
        record_failure(
            "auth.login_throttled",
            request=request,
            object_type="user",
            object_id=username[:150],
            data={
                "username": username[:150],
                "scope": throttled.scope,
                "retry_after_s": throttled.retry_after_s,
            },
        )
    return throttled


class SignInThrottleBackend:
    """First in AUTHENTICATION_BACKENDS: refuses a throttled attempt before any backend checks a password
    (the admin's sign-in and any other ``authenticate(request, username=…)``). It authenticates nobody and
    has no ``get_user``, so sessions and ``force_login`` keep using the backend that did."""

    def authenticate(self, request: Any, username: str | None = None, **kwargs: Any) -> None:
        if request is None or username is None:
            return None
        if getattr(request, THROTTLED_ATTRIBUTE, None) is not None or refuse_throttled(request, username):
            raise PermissionDenied  # ends authenticate(): no later backend runs
        return None


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form of /login/: a throttled attempt gets its own message (and the view a 429)."""

    throttled: SignInThrottled | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is not None and self.request is not None:
            self.throttled = refuse_throttled(self.request, username)
            if self.throttled is not None:
                raise forms.ValidationError(self.throttled.message, code="throttled")
        return super().clean()
