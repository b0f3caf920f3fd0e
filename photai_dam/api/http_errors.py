"""The error envelope outside DRF: Django's own 400/403/404/413/500 answers under ``/api/`` and ``/hooks/``.

DRF's exception handler (``photai_dam.api.errors``) covers errors raised inside API views. What happens
before or around a view — an unknown route, a CSRF refusal, a body over Django's size limit, a wrong
method on a plain Django view, an unexpected exception — is answered by Django with HTML; for machine
paths these handlers and :class:`photai_dam.middleware.ApiErrorEnvelopeMiddleware` answer with the same
``{"error": {"code", "message", "details"}}`` instead. Pages for people keep Django's HTML.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

logger = logging.getLogger(__name__)

# Paths whose callers are programs: every error there is the JSON envelope.
API_PREFIXES = ("/api/", "/hooks/")

# The code an error status gets when nothing more specific is known.
CODE_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
MESSAGE_BY_STATUS = {
    400: "The request is not valid.",
    403: "You may not do this.",
    404: "There is nothing at this address.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    500: "Something went wrong on our side; the error was logged.",
}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path.rstrip("/") in {p.rstrip("/") for p in API_PREFIXES}


def json_error(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JsonResponse(body, status=status)


def too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json_error(
        "request_too_large",
        f"The request body is larger than the limit of {limit} bytes.",
        413,
        {"limit_bytes": limit},
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        # Django calls a body over DATA_UPLOAD_MAX_MEMORY_SIZE a "suspicious operation" (400); it is a 413.
        return too_large() if is_api_path(request.path) else HttpResponse(status=413)
    if is_api_path(request.path):
        return json_error("bad_request", MESSAGE_BY_STATUS[400], 400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return json_error("permission_denied", MESSAGE_BY_STATUS[403], 403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return json_error("not_found", MESSAGE_BY_STATUS[404], 404)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return json_error("internal_error", MESSAGE_BY_STATUS[500], 500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the envelope for API paths, Django's page for the web pages."""
    if is_api_path(request.path):
        return json_error(
            "csrf_failed",
            "CSRF verification failed: send the CSRF token with session authentication, or use a token.",
            403,
            {"reason": reason},
        )
    return django_csrf_failure(request, reason)
