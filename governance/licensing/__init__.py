"""Licences on assets and models, their derivation, and the publish gate's licence checks."""

from __future__ import annotations

from typing import Any


def record_licence(*, asset: Any, data: dict[str, Any] | None, actor: Any, source: str = "upload") -> Any:
    """Make ``data`` the asset's current licence, keeping the previous one as history."""
    from governance.licensing.actions import set_licence

    return set_licence(asset=asset, data=data, actor=actor, source=source)
