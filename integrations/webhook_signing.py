"""Signature checks shared by the webhook handlers, all in constant time (hmac.compare_digest)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def equal(expected: str, given: str) -> bool:
    # compare_digest on bytes: str arguments must be ASCII, and a hostile header need not be.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def base64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac_sha256(secret, body)).decode()


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac_sha256(secret, message).hex()
