"""C2PA provenance and invisible watermark for AI outputs and renditions (invariant I1).

Public functions (called by the DAM core, the publish gate, reviews and evidence):
- :func:`record_output` — persist what finalisation put into a stored output (in the store transaction);
- :func:`summary` — the recorded manifest summary of an asset (review pages, evidence bundles);
- :func:`check_asset` — reasons the stored bytes fail provenance (empty when they verify);
- :func:`verify_bytes` — what any file is (the verify API and ``manage.py verify_asset``).
Finalisation itself (watermark, encode, sign, read back) is :func:`governance.finalise.finalise_output`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from governance.provenance.models import ProvenanceRecord
    from photai_dam.assets.models import Asset
    from photai_dam.values import FinalisedOutput, OutputSpec, Reason

# The functions below import their modules when called: this package is the Django app, which Django
# imports before any model may be.


def record_output(*, asset: Asset, spec: OutputSpec, result: FinalisedOutput) -> ProvenanceRecord:
    """Persist what finalisation learned about a stored output (manifest summary, watermark id)."""
    from governance.provenance.actions import record_output as _record

    return _record(asset=asset, spec=spec, result=result)


def summary(asset: Asset) -> dict[str, Any]:
    """The asset's recorded provenance: manifest summary, watermark, signer ({"recorded": False} if none)."""
    from governance.provenance.inspection import recorded_summary

    return recorded_summary(asset)


def check_asset(asset: Asset) -> list[Reason]:
    """Empty when the stored bytes' manifest validates and the watermark decodes to this asset.

    Uploads with no provenance record and no manifest pass ([]); AI outputs and renditions must carry both.
    """
    from governance.provenance.inspection import check_stored_asset

    return check_stored_asset(asset)


def verify_bytes(data: bytes, *, user: User | AnonymousUser | None = None) -> dict[str, Any]:
    """The verify answer for ``data``: c2pa, watermark, record (members of its workspace only), consistent."""
    from governance.provenance.verify import verify_bytes as _verify

    return _verify(data, user=user)
