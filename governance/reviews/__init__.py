"""The review workflow. Public functions: :func:`is_approved`, :func:`review_summary`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset

# The functions below import their modules when called: this package is the Django app, which Django
# imports before any model may be.


def is_approved(asset: Asset) -> bool:
    """True when a review approved the asset's current sha256 at every one of its stages (I2)."""
    from governance.reviews.summary import approved_review

    return approved_review(asset) is not None


def review_summary(asset: Asset) -> dict[str, Any] | None:
    """The asset's latest review: its stages, who approved each, its decisions; None if never reviewed."""
    from governance.reviews.summary import summary

    return summary(asset)
