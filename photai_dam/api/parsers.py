"""JSON with limits: a nesting depth, finite numbers only, and a clear 400 code for each refusal.

Python's ``json`` module recurses once per nesting level, so a body of a few thousand ``[`` ends in a
RecursionError (a 500) there or in whatever walks the result later (schema validation, audit hashing);
``1e400`` parses to ``inf`` and ``NaN``/``Infinity`` are accepted, and both break ``int()``, the database
and the audit chain's canonical JSON. Every JSON body the service reads (the API's parser, the upload's
``licence`` field, CMS webhooks) goes through :func:`loads`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
from django.conf import settings
from rest_framework import parsers

from photai_dam.api.errors import ApiError

# Strings are removed before brackets are counted, so "[[[" inside a string does not count as nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


class JSONRejected(ApiError):
    """A JSON document refused before or while parsing (always a 400 with a specific code)."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(code, message, status_code=400, details=details)


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data`` (0 for a scalar), without parsing it.

    Linear and vectorised: a body of megabytes of brackets is measured in milliseconds.
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def check_depth(data: bytes | str, *, max_depth: int | None = None) -> None:
    """Raise ``json_too_deep`` if ``data`` nests deeper than the limit (``PHOTAI_JSON_MAX_DEPTH``)."""
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    raw = data.encode() if isinstance(data, str) else data
    depth = nesting_depth(raw)
    if depth > limit:
        raise JSONRejected(
            "json_too_deep",
            f"The JSON nests {depth} levels deep; the limit is {limit}.",
            {"depth": depth, "limit": limit},
        )


def _refuse_constant(name: str) -> Any:
    raise JSONRejected("invalid_number", f"{name} is not a JSON number; numbers must be finite.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRejected("invalid_number", f"{text} is out of range; numbers must be finite.")
    return value


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise JSONRejected("invalid_number", f"An integer of {len(text)} digits is out of range.") from None


def loads(data: bytes | str, *, max_depth: int | None = None) -> Any:
    """Parse JSON with the depth limit and finite numbers only; refusals are :class:`JSONRejected`."""
    check_depth(data, max_depth=max_depth)
    try:
        return json.loads(
            data, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
        )
    except JSONRejected:
        raise
    except UnicodeDecodeError as exc:
        raise JSONRejected("invalid_json", f"The JSON is not valid UTF-8: {exc.reason}.") from None
    except json.JSONDecodeError as exc:
        raise JSONRejected(
            "invalid_json", f"The JSON is not valid: {exc.msg} (line {exc.lineno} column {exc.colno})."
        ) from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with :func:`loads`' limits (configured in ``REST_FRAMEWORK``)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return loads(stream.read())
