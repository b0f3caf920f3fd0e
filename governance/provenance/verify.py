"""What a file is: its C2PA manifest, its watermark and (for members) the record it belongs to.

Shared by ``POST /api/v1/verify`` and ``manage.py verify_asset`` so both answer the same JSON.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from PIL import Image

from governance import ports, reviews, watermark
from governance.provenance.models import ProvenanceRecord
from governance.provenance.reading import MIME_BY_PIL_FORMAT, describe, read_manifest
from photai_dam.api.errors import ApiError
from photai_dam.workspaces.access import member_workspace_ids
from photai_dam.workspaces.models import Workspace

logger = logging.getLogger(__name__)


def _record(record: ProvenanceRecord, data: bytes) -> dict[str, Any]:
    asset = record.asset
    generation = (record.manifest or {}).get("generation") or {}

    return {
        "asset": str(asset.pk),
        "workspace": asset.workspace.slug,
        "title": asset.title,
        "origin": asset.origin,
        "job": str(record.job_id) if record.job_id else generation.get("job_id"),
        "operation": generation.get("operation"),
        "model": generation.get("model"),
        "seed": generation.get("seed"),
        "created_at": asset.created_at.isoformat(),
        "parents": [
            {"id": str(link.parent_id), "relationship": link.relationship}
            for link in asset.parent_links.all()
        ],
        # The file verified is exactly what is stored (not a re-encoded or edited copy).
        "same_bytes": hashlib.sha256(data).hexdigest() == asset.sha256,
        "review": reviews.review_summary(asset),
        "publications": ports.publications_of(asset),
    }


def verify_bytes(
    data: bytes,
    *,
    user: User | AnonymousUser | None = None,
    member_of: Callable[[Workspace], bool] | None = None,
) -> dict[str, Any]:
    """Verify ``data``; ``member_of(workspace)`` (default: ``user``'s memberships) decides on ``record``.

    The caller has already checked that ``data`` is an acceptable image (size, type, pixel count).
    """
    with Image.open(io.BytesIO(data)) as image:
        # The same pixel limit as uploads, from the header, before anything is decoded (the API and the
        # command check the whole file with inspect_image first; this holds for any other caller too).
        if image.width * image.height > settings.UPLOAD_MAX_PIXELS:
            raise ApiError(
                "image_too_large",
                f"The image has {image.width * image.height} pixels; the limit is "
                f"{settings.UPLOAD_MAX_PIXELS}.",
                status_code=400,
                details={"limit_pixels": settings.UPLOAD_MAX_PIXELS},
            )
        # A JPEG with a multi-picture index (a camera's MPF) opens as MPO; its manifest is a JPEG's.
        pil_format = "JPEG" if image.format == "MPO" else image.format or ""
        mime_type = MIME_BY_PIL_FORMAT.get(pil_format, "application/octet-stream")
        try:
            image.load()
            reading = watermark.read(image, search_crop=settings.WATERMARK_VERIFY_CROP_SEARCH)
        except OSError as exc:
            # Damaged pixel data (e.g. flipped bytes) can still carry a manifest worth reporting as Invalid.
            logger.info("pixels not decodable for the watermark: %s", exc)
            reading = watermark.Reading(None, None)
    try:
        c2pa_part = describe(read_manifest(data, mime_type))
    except Exception as exc:  # a manifest c2pa cannot even parse is reported, not a server error
        logger.info("unreadable manifest: %s", exc)
        c2pa_part = describe(None)
        c2pa_part.update(
            present=True,
            validation_state="Invalid",
            failures=[{"code": "manifest.unreadable", "explanation": str(exc)}],
        )
    generation = c2pa_part.pop("generation") or {}

    record = None
    if reading.watermark_id is not None:
        record = (
            ProvenanceRecord.objects.select_related("asset__workspace")
            .filter(watermark_id=reading.watermark_id)
            .first()
        )
    watermark_asset = str(record.asset_id) if record is not None else None
    manifest_asset = generation.get("output_asset_id") if isinstance(generation, dict) else None

    if member_of is None:
        member_of = _member_check(user)
    visible = record is not None and member_of(record.asset.workspace)
    return {
        "c2pa": c2pa_part,
        "watermark": {"present": reading.watermark_id is not None, "asset_id": watermark_asset},
        "record": _record(record, data) if visible and record is not None else None,
        "consistent": bool(watermark_asset and manifest_asset and watermark_asset == manifest_asset),
    }


def _member_check(user: User | AnonymousUser | None) -> Callable[[Workspace], bool]:
    if user is None:
        return lambda workspace: False
    ids = set(member_workspace_ids(user))
    return lambda workspace: workspace.pk in ids
