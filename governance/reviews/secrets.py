"""Encryption at rest of the workspace webhook secret (Fernet, keyed from settings)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    # FIELD_ENCRYPTION_KEY when set (so SECRET_KEY can rotate independently), else derived from SECRET_KEY.
    # The derivation is domain-separated so the same key is never used for two purposes.
    material = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    key = hashlib.sha256(b"photai-dam/reviews/webhook-secret\x00" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the webhook secret cannot be decrypted with the configured key") from exc
