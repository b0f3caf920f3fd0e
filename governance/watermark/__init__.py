"""Invisible watermark whose payload names an output asset (invariant I1).

``embed(image, watermark_id)`` hides a 48-bit id (mapped to the asset by its ProvenanceRecord) with a
check value and Reed-Solomon parity; ``decode(image)`` returns that id, or None for "no watermark" —
never a wrong id. Decoding also tries a few rescalings, for copies that were resized after signing.

The carrier (imwatermark's dwtDctSvd rule, see carrier.py) keeps the library's minimum of 256x256 pixels
(by area): below it the 208 payload and pilot bits get too few blocks each to survive re-encoding, so
``embed`` raises :class:`WatermarkError` with code ``output_too_small_for_watermark``.
Measured robustness is in docs/benchmarks.md ("Provenance and watermark").
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from governance.watermark import carrier, payload

MIN_PIXELS = carrier.MIN_PIXELS
# Factors tried, in order, when the image as it is carries no readable mark: undoing a downscale by
# 2 or by 4/3 (common rendition steps), and an upscale by 2.
RESCALE_ATTEMPTS = (2.0, 4 / 3, 0.5)
# Largest image the (slow) crop search looks at: ~2 MP.
CROP_SEARCH_MAX_PIXELS = 2_100_000
# Most work (grid offsets x candidate widths x blocks) one crop search may do: what a square 2 MP image
# needs. The number of candidate widths grows with the width in blocks, so a long thin image of the same
# pixel count (16384x128) would otherwise cost ~10x that (136 s measured); it searches fewer widths instead.
CROP_SEARCH_MAX_WORK = 250_000_000
CROP_SEARCH_EXTRA_COLUMNS = 0.5  # widths tried: the visible width up to 1.5x it


class WatermarkError(Exception):
    """The image cannot carry the watermark; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Reading:
    """What a decode found: the id (or None), at which rescale factor, and the codeword scores it read."""

    watermark_id: int | None
    scale: float | None
    cropped: bool = False
    # Per codeword bit, the pilot-centred score that was decoded (None where no pilots showed contrast).
    scores: np.ndarray | None = field(default=None, compare=False, repr=False)


def new_watermark_id() -> int:
    return secrets.randbelow(2**payload.ID_BITS - 1) + 1


def can_carry(width: int, height: int) -> bool:
    return width * height >= MIN_PIXELS


def _to_bgr(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def embed(image: Image.Image, watermark_id: int) -> Image.Image:
    """A copy of ``image`` (RGB, or RGBA when it had transparency) carrying ``watermark_id``."""
    if not can_carry(image.width, image.height):
        raise WatermarkError(
            "output_too_small_for_watermark",
            f"{image.width}x{image.height} is below the watermark's minimum of {MIN_PIXELS} pixels "
            "(e.g. 256x256)",
        )
    marked = carrier.embed_bits(_to_bgr(image), payload.encode_id(watermark_id))
    result = Image.fromarray(np.ascontiguousarray(marked[:, :, ::-1]), "RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        result.putalpha(image.convert("RGBA").getchannel("A"))
    return result


def _read(image: Image.Image) -> tuple[int | None, np.ndarray | None]:
    if image.width * image.height < MIN_PIXELS:
        return None, None
    scores = carrier.codeword_scores(_to_bgr(image))
    return (None if scores is None else payload.decode_scores(scores)), scores


def read(image: Image.Image, *, rescale: bool = True, search_crop: bool = False) -> Reading:
    """Decode the image as it is, then (``rescale``) at a few scales, then (``search_crop``) as a crop.

    The first valid id wins. The crop search costs seconds per megapixel (64 grid offsets x candidate
    widths), so it is only for forensic verification, and skipped above CROP_SEARCH_MAX_PIXELS.
    """
    found, scores = _read(image)
    if found is not None or not rescale:
        return Reading(found, 1.0 if found is not None else None, scores=scores)
    for factor in RESCALE_ATTEMPTS:
        size = (round(image.width * factor), round(image.height * factor))
        if size[0] * size[1] < MIN_PIXELS or size[0] * size[1] > 64_000_000:
            continue
        found, rescaled = _read(image.convert("RGB").resize(size, Image.Resampling.BICUBIC))
        if found is not None:
            return Reading(found, factor, scores=rescaled)
    extra_columns = _affordable_extra_columns(image.width, image.height)
    affordable = extra_columns is not None
    if search_crop and affordable and MIN_PIXELS // 2 <= image.width * image.height <= CROP_SEARCH_MAX_PIXELS:
        for candidate in carrier.crop_candidates(_to_bgr(image), max_extra_columns=extra_columns or 0.0):
            found = payload.decode_scores(candidate)
            if found is not None:
                return Reading(found, 1.0, cropped=True, scores=candidate)
    return Reading(None, None, scores=scores)


def crop_search_work(width: int, height: int, extra_columns: float = CROP_SEARCH_EXTRA_COLUMNS) -> int:
    """How many block votes a crop search with ``extra_columns`` tallies (64 grid offsets x widths x blocks);
    its run time is proportional."""
    columns, rows = width // 8, height // 8
    return 64 * (int(columns * extra_columns) + 1) * rows * columns


def _affordable_extra_columns(width: int, height: int) -> float | None:
    """The widest range of candidate widths within CROP_SEARCH_MAX_WORK (None: not even the visible one)."""
    columns, rows = width // 8, height // 8
    per_width = 64 * rows * columns
    if per_width == 0 or per_width > CROP_SEARCH_MAX_WORK:
        return None
    widths = CROP_SEARCH_MAX_WORK // per_width  # including the visible width itself
    return min(CROP_SEARCH_EXTRA_COLUMNS, (widths - 1) / columns)


def decode(image: Image.Image, *, rescale: bool = True, search_crop: bool = False) -> int | None:
    return read(image, rescale=rescale, search_crop=search_crop).watermark_id


def decode_bytes(data: bytes, *, rescale: bool = True) -> int | None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return decode(image, rescale=rescale)
