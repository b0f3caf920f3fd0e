"""Finalisation of every AI output and rendition before it is stored (invariant I1).

In this order: embed the watermark (its payload identifies the output asset), encode, C2PA-sign, read back
and validate. If any step fails, :class:`FinalisationError` is raised and nothing is stored.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from PIL import Image

from governance import watermark
from governance.provenance.choices import ValidationState, WatermarkStatus
from governance.provenance.identity import SigningUnavailable, c2pa_context, identity_for
from governance.provenance.manifest import build_manifest, ingredient_definition
from governance.provenance.models import ProvenanceRecord
from governance.provenance.reading import describe, read_manifest
from photai_dam.assets.choices import MIME_BY_FORMAT as ASSET_MIME_BY_FORMAT
from photai_dam.assets.models import Asset
from photai_dam.values import FinalisedOutput, OutputSpec

__all__ = [
    "MIME_BY_FORMAT",
    "FinalisationError",
    "FinalisedOutput",
    "OutputSpec",
    "encode",
    "finalise_output",
]

logger = logging.getLogger(__name__)

# The formats outputs are written in (all of them carry C2PA manifests and our watermark).
MIME_BY_FORMAT = {fmt: ASSET_MIME_BY_FORMAT[fmt] for fmt in ("JPEG", "PNG", "WEBP")}


class FinalisationError(Exception):
    """An output could not be watermarked, signed or verified; the job fails with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    if fmt not in MIME_BY_FORMAT:
        raise FinalisationError("unsupported_output_format", f"cannot encode {fmt}")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality or 90
    if fmt == "WEBP" and image.mode == "RGBA":
        # Keep the (watermarked) colour under transparent pixels instead of letting the encoder zero it.
        options["exact"] = True
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _has_ai_lineage(spec: OutputSpec) -> bool:
    if spec.kind == "generative":
        return True

    for source, _role in spec.sources:
        if source.is_ai or ProvenanceRecord.objects.filter(asset=source, ai_lineage=True).exists():
            return True
    return False


def _unused_watermark_id() -> int:
    for _ in range(5):
        candidate = watermark.new_watermark_id()
        if not ProvenanceRecord.objects.filter(watermark_id=candidate).exists():
            return candidate
    # 2**48 ids: five collisions in a row means something is wrong with the randomness, not bad luck.
    raise FinalisationError("watermark_id_exhausted", "could not allocate an unused watermark id")


def _read_source(asset: Asset) -> bytes:
    try:
        with asset.file.open("rb") as handle:
            data: bytes = handle.read()
            return data
    except OSError as exc:
        raise FinalisationError("ingredient_unreadable", f"source {asset.pk} cannot be read: {exc}") from exc


def _sign(spec: OutputSpec, data: bytes, mime_type: str, manifest: dict[str, Any]) -> tuple[bytes, str, str]:
    """Sign ``data``; returns the signed bytes, the signer's description and where the identity came from."""
    import c2pa  # a native library: loaded by the processes that sign, not by every web process

    try:
        identity = identity_for(spec.workspace)
        signer = identity.signer()
    except SigningUnavailable as exc:
        raise FinalisationError(exc.code, str(exc)) from exc
    except c2pa.C2paError as exc:
        raise FinalisationError(
            "signing_identity_invalid", f"the signing identity was refused: {exc}"
        ) from exc
    output = io.BytesIO()
    try:
        with c2pa.Builder(manifest, context=c2pa_context()) as builder:
            for source, role in spec.sources:
                builder.add_ingredient(
                    ingredient_definition(source, role), source.mime_type, io.BytesIO(_read_source(source))
                )
            builder.sign(signer, mime_type, io.BytesIO(data), output)
    except c2pa.C2paError as exc:
        raise FinalisationError("signing_failed", f"C2PA signing failed: {exc}") from exc
    finally:
        signer.close()
    described = identity.leaf_subject() if hasattr(identity, "leaf_subject") else identity.source
    return output.getvalue(), described, identity.source


def finalise_output(spec: OutputSpec) -> FinalisedOutput:
    """Watermark, encode, C2PA-sign, read back and validate one output; FinalisationError if any fails."""
    if spec.format not in MIME_BY_FORMAT:
        raise FinalisationError("unsupported_output_format", f"cannot encode {spec.format}")
    mime_type = MIME_BY_FORMAT[spec.format]
    ai_lineage = _has_ai_lineage(spec)

    # 1. Watermark: its payload names this output (mapped to the asset by its ProvenanceRecord).
    image = spec.image
    watermark_id: int | None = None
    if watermark.can_carry(image.width, image.height):
        watermark_id = _unused_watermark_id()
        try:
            image = watermark.embed(image, watermark_id)
        except watermark.WatermarkError as exc:
            raise FinalisationError(exc.code, str(exc)) from exc
    elif ai_lineage:
        raise FinalisationError(
            "output_too_small_for_watermark",
            f"{image.width}x{image.height} is below the watermark minimum of {watermark.MIN_PIXELS} pixels "
            "(256x256); AI outputs and their renditions must carry a watermark",
        )

    # 2. Encode, 3. sign.
    encoded = encode(image, spec.format, spec.quality)
    manifest, source_type = build_manifest(spec, mime_type=mime_type, watermark_id=watermark_id)
    signed, signer, signer_source = _sign(spec, encoded, mime_type, manifest)

    # 4. Read back and validate exactly the bytes that will be stored.
    try:
        report = read_manifest(signed, mime_type)
        summary = describe(report)
    except Exception as exc:  # any reader failure means we cannot vouch for these bytes
        raise FinalisationError(
            "manifest_unreadable", f"the signed output could not be read back: {exc}"
        ) from exc
    state = summary["validation_state"]
    if not summary["present"] or state not in (ValidationState.VALID, ValidationState.TRUSTED):
        raise FinalisationError(
            "manifest_invalid",
            f"the signed output does not validate ({state}): "
            + ", ".join(str(f["code"]) for f in summary["failures"]),
        )
    generation = summary.get("generation") or {}
    if generation.get("output_asset_id") != str(spec.asset_id):
        raise FinalisationError("manifest_mismatch", "the manifest read back names another output")
    if watermark_id is not None:
        read_back = watermark.decode_bytes(signed, rescale=False)
        if read_back != watermark_id:
            raise FinalisationError(
                "watermark_not_decodable", "the encoded output's watermark does not decode to its id"
            )
    manifest_label = str((report or {}).get("active_manifest") or "")
    with Image.open(io.BytesIO(signed)) as check:
        width, height = check.size
    summary.pop("generation", None)
    provenance = {
        "watermark_id": watermark_id,
        "watermark_status": WatermarkStatus.EMBEDDED
        if watermark_id is not None
        else WatermarkStatus.OMITTED_TOO_SMALL,
        "ai_lineage": ai_lineage,
        "manifest_label": manifest_label,
        "manifest": {**summary, "generation": generation},
        "validation_state": state,
        "digital_source_type": source_type,
        "signer": signer,
        "signer_source": signer_source,
    }
    return FinalisedOutput(
        data=signed, mime_type=mime_type, width=width, height=height, provenance=provenance
    )
