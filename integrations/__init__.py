"""Integrations: connectors to WordPress, Shopify and Contentful, webhooks in, publish actors.

Public functions other packages call (the contracts): :func:`unpublish_asset` and :func:`publications_for`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from governance.ports import PublicationSummary
    from photai_dam.assets.models import Asset

# The functions below import their modules when called: this package is the Django app, which Django
# imports before any model may be.


def unpublish_asset(asset: Asset, *, reason: str, actor: User | AnonymousUser | None = None) -> int:
    """Schedule the unpublish of every live publication of ``asset`` (revoked approval, licence sweep).

    Publications still on their way are withdrawn too. Returns how many were scheduled or withdrawn.
    """
    from integrations.actions import unpublish_asset as _unpublish

    return _unpublish(asset, reason=reason, actor=actor)


def publications_for(asset: Asset) -> list[PublicationSummary]:
    """Every publication of ``asset``: connection, status, remote id and URL, dates."""
    from integrations.actions import publications_for as _for

    return _for(asset)
