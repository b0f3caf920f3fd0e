"""Reading an asset's own licence records: the current version, alone or for a list of assets."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from governance.licensing.models import LicenceRecord
from photai_dam.assets.models import Asset


def current_record(asset: Asset) -> LicenceRecord | None:
    return LicenceRecord.objects.filter(asset=asset, is_current=True).first()


def current_licence_prefetch() -> Prefetch[str, QuerySet[LicenceRecord], str]:
    """Loads each asset's current record with a list of assets (what :func:`current_licence` reads)."""
    return Prefetch("licence_records", queryset=LicenceRecord.objects.filter(is_current=True))


def current_licence(asset: Asset) -> dict[str, Any] | None:
    """The asset's current licence as stored, or None when it has none of its own."""
    current = [r for r in asset.licence_records.all() if r.is_current]
    return current[0].data if current else None
