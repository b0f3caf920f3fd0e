"""The one publish gate (invariant I2): may this asset go to this channel and territory at this moment?

Every publish path calls :func:`publishability` and publishes only when it answers ``publishable``. It
combines, and reports every failing part at once:
- the asset's status (an asset the sweep marked ``licence_expired``/``licence_revoked`` is out);
- the effective licence (governance.licensing): channel, territory, validity window at ``at``,
  revocation, unknown inputs, non-commercial licences and models;
- the review state (``governance.reviews.is_approved``: every required stage approved these bytes);
- provenance and watermark (``governance.provenance.check_asset``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from governance import clock, provenance, reviews
from governance.licensing import effective_licence
from photai_dam.assets.choices import AssetStatus
from photai_dam.values import Reason

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset


@dataclass
class Publishability:
    """The gate's answer: publishable only when ``reasons`` is empty."""

    publishable: bool
    reasons: list[Reason] = field(default_factory=list)
    checked_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "publishable": self.publishable,
            "reasons": [r.as_dict() for r in self.reasons],
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


def publishability(
    asset: Asset, *, channel: str, territory: str, at: datetime | None = None
) -> Publishability:
    """Whether ``asset`` may be published to ``channel`` in ``territory`` at ``at`` (default: now)."""
    moment = at or clock.now()
    reasons: list[Reason] = []
    if asset.status != AssetStatus.ACTIVE:
        reasons.append(Reason("asset_not_active", f"The asset is {asset.status}.", f"asset:{asset.pk}"))
    reasons += effective_licence(asset).reasons(at=moment, channel=channel, territory=territory)
    reasons += _review_reasons(asset)
    reasons += _provenance_reasons(asset)
    reasons = list(dict.fromkeys(reasons))
    return Publishability(publishable=not reasons, reasons=reasons, checked_at=moment)


def _review_reasons(asset: Asset) -> list[Reason]:
    if reviews.is_approved(asset):
        return []
    return [
        Reason(
            "review_not_approved",
            "Not every required review stage approved the asset's current bytes.",
            "review",
        )
    ]


def _provenance_reasons(asset: Asset) -> list[Reason]:
    return list(provenance.check_asset(asset))
