"""Secrets at rest: Fernet tokens under a key from settings.

``FIELD_ENCRYPTION_KEY`` may hold several comma-separated Fernet keys: the first encrypts, all decrypt,
so a key can be rotated without a migration. Without it the key is derived from ``SECRET_KEY`` with
HKDF, under a purpose label so it is never the Django signing key itself.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_HKDF_INFO = b"photai-dam/integrations/field-encryption/v1"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key (rotated away, or tampered with)."""


def derive_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=8)
def _fernet(configured: str | None, secret_key: str) -> MultiFernet:
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
        return MultiFernet([Fernet(k.encode()) for k in keys])
    return MultiFernet([Fernet(derive_key(secret_key))])


def fernet() -> MultiFernet:
    # Keyed on the settings' values so tests that override them get the matching key.
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt_json(value: Any) -> str:
    return fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> Any:
    if not token:
        return None
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise SecretUnreadable("the stored secret cannot be decrypted with the configured keys") from None


def check_key(configured: str | None) -> str | None:
    """Why ``configured`` is not a usable FIELD_ENCRYPTION_KEY, or None when it is."""
    if not configured:
        return None
    try:
        for key in configured.split(","):
            if key.strip():
                Fernet(key.strip().encode())
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None
