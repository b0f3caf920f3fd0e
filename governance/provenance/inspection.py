"""Inspecting a stored asset's provenance (the publish gate's I1 check) and summarising its record."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.conf import settings
from PIL import Image

from governance import watermark
from governance.provenance.choices import ValidationState, WatermarkStatus
from governance.provenance.models import ProvenanceRecord
from governance.provenance.reading import describe, read_manifest
from photai_dam.assets.models import Asset
from photai_dam.values import Reason

SOURCE = "provenance"


def recorded_summary(asset: Asset) -> dict[str, Any]:
    record = ProvenanceRecord.objects.filter(asset=asset).first()
    if record is None:
        return {"recorded": False}
    return {
        "recorded": True,
        "manifest_label": record.manifest_label,
        "validation_state": record.validation_state,
        "digital_source_type": record.digital_source_type or None,
        "signer": record.signer,
        "signer_source": record.signer_source,
        "ai_lineage": record.ai_lineage,
        "watermark": {
            "status": record.watermark_status,
            "id": f"{record.watermark_id:012x}" if record.watermark_id else None,
        },
        "manifest": record.manifest,
        "created_at": record.created_at.isoformat(),
    }


def _stored_bytes(asset: Asset) -> bytes | None:
    try:
        with asset.file.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def check_stored_asset(asset: Asset) -> list[Reason]:
    record = ProvenanceRecord.objects.filter(asset=asset).first()
    data = _stored_bytes(asset)
    if data is None:
        return [Reason("file_unreadable", "The stored file cannot be read.", SOURCE)]
    if hashlib.sha256(data).hexdigest() != asset.sha256:
        return [Reason("content_changed", "The stored bytes no longer match the asset's sha256.", SOURCE)]
    must_carry = record is not None or asset.is_ai or asset.origin == "rendition"
    try:
        report = read_manifest(data, asset.mime_type)
    except Exception as exc:  # an unparseable manifest is a failed check, with the reader's words
        return [Reason("provenance_invalid", f"The C2PA manifest cannot be read: {exc}", SOURCE)]
    if report is None:
        if not must_carry:
            return []  # an upload without a manifest: nothing to check
        return [Reason("provenance_missing", "The file carries no C2PA manifest.", SOURCE)]
    described = describe(report)
    reasons: list[Reason] = []
    state = described["validation_state"]
    if state not in (ValidationState.VALID, ValidationState.TRUSTED):
        codes = ", ".join(str(f["code"]) for f in described["failures"]) or "unknown"
        reasons.append(
            Reason("provenance_invalid", f"The C2PA manifest does not validate ({codes}).", SOURCE)
        )
    elif settings.C2PA_REQUIRE_TRUSTED and state != ValidationState.TRUSTED:
        reasons.append(Reason("provenance_untrusted", "The manifest's signer is not a trust anchor.", SOURCE))
    if not must_carry:
        return reasons  # an upload that came with its own manifest: only its validity matters
    generation = described.get("generation") or {}
    if generation.get("output_asset_id") != str(asset.pk):
        reasons.append(Reason("provenance_mismatch", "The manifest names another asset.", SOURCE))
    if record is None or record.watermark_status != WatermarkStatus.EMBEDDED or record.watermark_id is None:
        if asset.is_ai or record is None or record.ai_lineage:
            reasons.append(Reason("watermark_missing", "The asset has no watermark on record.", SOURCE))
        return reasons
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        found = watermark.decode(image, rescale=False)
    if found is None:
        reasons.append(Reason("watermark_missing", "The stored pixels carry no readable watermark.", SOURCE))
    elif found != record.watermark_id:
        reasons.append(Reason("watermark_mismatch", "The watermark names another asset.", SOURCE))
    return reasons
