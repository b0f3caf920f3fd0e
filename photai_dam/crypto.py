"""Secrets at rest: the one module that handles the keys, for every value the service stores encrypted.

``FIELD_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys. The first encrypts, every one
decrypts, so a key is rotated by putting the new one first, running ``manage.py rotate_secrets`` (which
re-encrypts every stored value under the first key) and then removing the old one. Without it the master
key is derived from ``SECRET_KEY`` with HKDF.

Each purpose (a connection's credentials, its webhook secret, the review webhook secret, …) encrypts
under its own key, derived with HKDF from the master key and the purpose's name: a value stored for one
purpose never decrypts as another's, and no purpose ever uses the master key itself.

Apps declare each encrypted column with :func:`register_field` in their ``AppConfig.ready()``, so that
``rotate_secrets`` finds every one. Values written before this module existed still decrypt through the
legacy scheme their purpose names (``LEGACY_SCHEMES``); ``rotate_secrets`` re-encrypts them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db.models import Model

_PURPOSE_INFO = b"photai-dam/secrets/v2/"
_MASTER_FROM_SECRET_KEY_INFO = b"photai-dam/secrets/v2/master-from-secret-key"


class SecretUnreadable(Exception):
    """A stored secret decrypts under none of the configured keys (rotated away, or tampered with)."""


# --- keys -----------------------------------------------------------------------------------------------
def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def configured_keys(configured: str | None) -> list[str]:
    return [key.strip() for key in (configured or "").split(",") if key.strip()]


def _master_keys(configured: str | None, secret_key: str) -> list[bytes]:
    keys = configured_keys(configured)
    if keys:
        return [base64.urlsafe_b64decode(key.encode()) for key in keys]
    return [_hkdf(secret_key.encode(), _MASTER_FROM_SECRET_KEY_INFO)]


def purpose_key(master: bytes, purpose: str) -> bytes:
    """The Fernet key of ``purpose`` under one master key (HKDF-SHA256, the purpose as ``info``)."""
    return base64.urlsafe_b64encode(_hkdf(master, _PURPOSE_INFO + purpose.encode()))


def check_key(configured: str | None) -> str | None:
    """Why ``configured`` is not a usable FIELD_ENCRYPTION_KEY, or None when it is."""
    try:
        for key in configured_keys(configured):
            Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


# --- what was stored before this module (read, never written) -----------------------------------------
def _integrations_v1(configured: str | None, secret_key: str) -> list[Fernet]:
    # integrations/crypto.py: the configured keys used directly, or HKDF of SECRET_KEY under its label.
    keys = configured_keys(configured)
    if keys:
        return [Fernet(key.encode()) for key in keys]
    raw = _hkdf(secret_key.encode(), b"photai-dam/integrations/field-encryption/v1")
    return [Fernet(base64.urlsafe_b64encode(raw))]


def _reviews_v1(configured: str | None, secret_key: str) -> list[Fernet]:
    # governance/reviews/secrets.py hashed the WHOLE setting (or SECRET_KEY): after a rotation that turned
    # "A" into "B,A", the value written under "A" is found again through the key "A" alone.
    materials = [*configured_keys(configured), configured or "", secret_key]
    return [
        Fernet(
            base64.urlsafe_b64encode(
                hashlib.sha256(b"photai-dam/reviews/webhook-secret\x00" + m.encode()).digest()
            )
        )
        for m in dict.fromkeys(m for m in materials if m)
    ]


LEGACY_SCHEMES: dict[str, Callable[[str | None, str], list[Fernet]]] = {
    "integrations-v1": _integrations_v1,
    "reviews-v1": _reviews_v1,
}


# --- purposes and the columns that hold them ------------------------------------------------------------
@dataclass(frozen=True)
class EncryptedField:
    """One column holding Fernet tokens of one purpose."""

    model: type[Model]
    field: str
    purpose: str


_FIELDS: dict[tuple[str, str], EncryptedField] = {}
_LEGACY: dict[str, tuple[str, ...]] = {}


def register_field(model: type[Model], field: str, purpose: str, *, legacy: tuple[str, ...] = ()) -> None:
    """Declare that ``model.field`` holds secrets of ``purpose`` (and from which legacy schemes)."""
    unknown = [scheme for scheme in legacy if scheme not in LEGACY_SCHEMES]
    if unknown:
        raise ValueError(f"unknown legacy schemes {unknown}")
    _FIELDS[(model._meta.label, field)] = EncryptedField(model, field, purpose)
    _LEGACY[purpose] = tuple(dict.fromkeys((*_LEGACY.get(purpose, ()), *legacy)))


def registered_fields() -> list[EncryptedField]:
    return list(_FIELDS.values())


@lru_cache(maxsize=32)
def _keys(purpose: str, legacy: tuple[str, ...], configured: str | None, secret_key: str) -> MultiFernet:
    current = [Fernet(purpose_key(master, purpose)) for master in _master_keys(configured, secret_key)]
    old = [fernet for scheme in legacy for fernet in LEGACY_SCHEMES[scheme](configured, secret_key)]
    return MultiFernet(current + old)


def _primary(purpose: str) -> Fernet:
    return Fernet(purpose_key(_master_keys(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)[0], purpose))


def fernet(purpose: str) -> MultiFernet:
    """Every key ``purpose`` decrypts with, the first one encrypting (keyed on the current settings)."""
    if purpose not in _LEGACY:
        raise KeyError(f"no encrypted field is registered for the purpose {purpose!r}")
    return _keys(purpose, _LEGACY[purpose], settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


# --- encrypting and decrypting ------------------------------------------------------------------------
def encrypt(purpose: str, plaintext: bytes) -> str:
    return fernet(purpose).encrypt(plaintext).decode()


def decrypt(purpose: str, token: str) -> bytes:
    try:
        return fernet(purpose).decrypt(token.encode())
    except InvalidToken:
        raise SecretUnreadable(f"a stored {purpose} cannot be decrypted with the configured keys") from None


def encrypt_json(purpose: str, value: Any) -> str:
    return encrypt(purpose, json.dumps(value, separators=(",", ":")).encode())


def decrypt_json(purpose: str, token: str) -> Any:
    return json.loads(decrypt(purpose, token)) if token else None


def is_current(purpose: str, token: str) -> bool:
    """True when ``token`` is encrypted under the first key (nothing for rotate_secrets to do)."""
    try:
        _primary(purpose).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(purpose: str, token: str) -> str:
    """``token`` re-encrypted under the first key (raises SecretUnreadable when no key opens it)."""
    try:
        return fernet(purpose).rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(f"a stored {purpose} cannot be decrypted with the configured keys") from None
