"""HTTP middleware of the project."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from photai_dam.api.http_errors import (
    CODE_BY_STATUS,
    MESSAGE_BY_STATUS,
    is_api_path,
    json_error,
    too_large,
)

logger = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy on every HTML response (web pages have no inline script)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response


class ApiErrorEnvelopeMiddleware:
    """Every error under ``/api/`` and ``/hooks/`` is the JSON envelope, whoever produced it.

    Placed first, it sees the answers of every other middleware and of Django itself (a 404 page in
    DEBUG, a bare 405 from ``require_POST``, a CSRF 403) and rewrites any error that is not JSON; an
    exception escaping a view becomes a 500 ``internal_error`` without a traceback (it is logged).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._envelope(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None  # Django's own handling (and its debug page) for the web pages
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        if isinstance(exception, Http404):
            return json_error("not_found", MESSAGE_BY_STATUS[404], 404)
        if isinstance(exception, PermissionDenied):
            return json_error("permission_denied", MESSAGE_BY_STATUS[403], 403)
        if isinstance(exception, SuspiciousOperation):
            return json_error("bad_request", MESSAGE_BY_STATUS[400], 400)
        logger.error("unhandled exception on %s %s", request.method, request.path, exc_info=exception)
        return json_error("internal_error", MESSAGE_BY_STATUS[500], 500)

    @staticmethod
    def _envelope(response: HttpResponse) -> HttpResponse:
        status = response.status_code
        replacement = json_error(
            CODE_BY_STATUS.get(status, "error"),
            MESSAGE_BY_STATUS.get(status, response.reason_phrase or "The request failed."),
            status,
        )
        # Headers that tell the client what to do next survive the rewrite.
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement
