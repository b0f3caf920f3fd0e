"""Licences on assets and models, their derivation, and the publish gate's licence checks.

Public functions (other packages call only these):
- :func:`validate_licence` — check licence JSON, 400 ``invalid_licence`` with field errors.
- :func:`record_licence` — validate and store a new licence version (history kept).
- :func:`effective_licence` — the derived licence with the reasons behind each restriction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from governance.licensing.derivation import EffectiveLicence
    from governance.licensing.models import LicenceRecord
    from photai_dam.assets.models import Asset

# The functions below import their modules when called: this package is the Django app, which Django
# imports before any model may be.


def validate_licence(data: object) -> dict[str, Any]:
    """Return the normalised licence, or raise ``ApiError("invalid_licence", …, details={"fields": …})``."""
    from governance.licensing.schema import validate_licence as _validate

    return _validate(data)


def record_licence(
    *, asset: Asset, data: dict[str, Any] | None, actor: User | None, source: str = "upload"
) -> LicenceRecord:
    """Make ``data`` the asset's current licence, keeping the previous one as history.

    Raises 400 ``invalid_licence`` (inside the caller's transaction, so nothing is stored) when invalid.
    """
    from governance.licensing.actions import set_licence

    return set_licence(asset=asset, data=data, actor=actor, source=source)


def effective_licence(asset: Asset) -> EffectiveLicence:
    """The asset's licence derived from its own record, all its inputs and the model that made it."""
    from governance.licensing.derivation import effective_licence as _derive

    return _derive(asset)
