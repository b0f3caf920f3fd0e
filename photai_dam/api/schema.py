"""The OpenAPI schema tells the truth about errors: every operation documents the error statuses it can
answer, each with the ``Error`` envelope, so clients (and the schemathesis suite) can rely on them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_COMPONENT: dict[str, Any] = {
    "type": "object",
    "description": 'Every error: {"error": {"code", "message", "details"}} with the HTTP status.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. json_too_deep"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}

# Statuses any operation can answer, whoever answers them (DRF, the envelope middleware, Django).
ALWAYS = {
    "400": "The request is malformed (JSON nested too deep, non-finite numbers, bad parameters).",
    "401": "No valid credentials.",
    "403": "Not allowed for this member's roles (or a CSRF failure with session authentication).",
    "404": "No such resource in a workspace this member belongs to.",
    "500": "An unexpected error (logged); internal_error, never a traceback.",
}
WITH_BODY = {
    "413": "The body is larger than the limit (request_too_large, file_too_large).",
    "415": "The body's media type, or an uploaded file's type, is not accepted.",
}
UNSAFE = {
    "409": "The resource is not in a state that allows this (e.g. invalid_transition).",
    "422": "The request is well-formed but refused (invalid_params, policy_refused, ...).",
}
THROTTLED = {"429": "Too many requests (throttled); retry after the Retry-After header."}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema with the error responses of each operation added."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        errors = dict(ALWAYS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors.update(UNSAFE)
        if "requestBody" in operation or self.method in ("POST", "PUT", "PATCH"):
            errors.update(WITH_BODY)
        if getattr(self.view, "throttle_classes", None):
            errors.update(THROTTLED)
        responses = operation.setdefault("responses", {})
        for status, description in errors.items():
            responses.setdefault(
                status, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
            )
        return operation


def add_error_component(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the ``Error`` component the responses above refer to."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    return result
