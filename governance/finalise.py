"""Finalisation of every AI output and rendition before it is stored (invariant I1).

In this order: embed the watermark (its payload identifies the output asset), encode, C2PA-sign, read back
and validate. If any step fails, :class:`FinalisationError` is raised and nothing is stored.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import Image

if TYPE_CHECKING:
    from inference.context import ModelInfo
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class FinalisationError(Exception):
    """An output could not be watermarked, signed or verified; the job fails with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class OutputSpec:
    """Everything known about an output before it is stored."""

    asset_id: uuid.UUID
    workspace: Workspace
    image: Image.Image
    format: str  # Pillow format: JPEG, PNG, WEBP
    quality: int | None
    operation: str
    kind: str  # "classical" (a rendition) or "generative" (an AI output)
    job_id: uuid.UUID | None
    model: ModelInfo | None
    seed: int | None
    prompt: str
    sources: list[tuple[Asset, str]]  # (asset, role: "source" | "mask")
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class FinalisedOutput:
    """The exact bytes to store, and what finalisation learned about them."""

    data: bytes
    mime_type: str
    width: int
    height: int
    provenance: dict[str, Any] = field(default_factory=dict)


def encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    if fmt not in MIME_BY_FORMAT:
        raise FinalisationError("unsupported_output_format", f"cannot encode {fmt}")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality or 90
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def finalise_output(spec: OutputSpec) -> FinalisedOutput:
    """Watermark, encode, sign and verify one output. (Watermark and C2PA land with issue 4.)"""
    data = encode(spec.image, spec.format, spec.quality)
    return FinalisedOutput(
        data=data, mime_type=MIME_BY_FORMAT[spec.format], width=spec.image.width, height=spec.image.height
    )
