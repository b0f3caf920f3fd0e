"""Classical photo restoration: JPEG deblocking, dust and scratch removal, denoising, white balance and
contrast. numpy + OpenCV only, no weights.

Every stage works in tiles, so no single native call grows with the photo: the job's time limit and
cancellation are checked between tiles. Each stage returns what it did (for the job log and the C2PA
actions), and an automatic stage that finds nothing to correct says so and changes nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The IJG quality-50 luminance table (JPEG Annex K): the reference an encoder's table is scaled from.
_IJG_LUMA = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.float64,
)
DENOISE_TILE = 512  # pixels per side of one non-local-means call (~0.3 s on one core)
BLEND_FLOOR = 0.2  # the share of the filtered image kept in the most textured places
BLEND_VARIANCE = 200.0  # local variance (grey levels²) at which the filtered share is halfway down
DEFECT_TILE = 1024
# Damage rarely covers more of a photo than this; a detector that finds more is reading content (brick
# joints, text, stars), so it raises its thresholds until it does not.
MAX_DEFECT_FRACTION = 0.025
# Likewise for specks: hundreds per megapixel are stars or a pattern, not dust on a print.
MAX_SPECKS_PER_MP = 150
# How far (grey levels) a speck must stand above its brightest (or below its darkest) neighbour to be dust.
DUST_APART = 25.0


class Deadline(Exception):
    """The job ran out of time between two tiles."""


@dataclass
class Stage:
    """One stage as the job log and the manifest record it."""

    name: str
    action: str  # the C2PA action
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    applied: bool = True

    def as_detail(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "action": self.action,
            "description": self.description,
            "parameters": self.parameters,
        }


Check = Callable[[], None]


def _no_check() -> None:
    return None


def _tiles(height: int, width: int, size: int, overlap: int) -> Iterator[tuple[slice, slice, slice, slice]]:
    """(rows, cols) to read with overlap, and (rows, cols) of the read tile to keep."""
    for top in range(0, height, size):
        for left in range(0, width, size):
            r0, c0 = max(0, top - overlap), max(0, left - overlap)
            r1, c1 = min(height, top + size + overlap), min(width, left + size + overlap)
            keep_r = slice(top - r0, top - r0 + min(size, height - top))
            keep_c = slice(left - c0, left - c0 + min(size, width - left))
            yield slice(r0, r1), slice(c0, c1), keep_r, keep_c


# --- estimates ----------------------------------------------------------------------------------------


def jpeg_quality(quantization: dict[int, Any] | None) -> int | None:
    """The IJG quality an encoder most likely used, from the luminance table (None: not a JPEG)."""
    if not quantization or 0 not in quantization:
        return None
    table = np.asarray(list(quantization[0]), dtype=np.float64)
    if table.size != 64:
        return None
    # Pillow gives the table in zigzag order in some versions and natural order in others; the mean over
    # all 64 entries is the same either way.
    scale = float(table.mean() / _IJG_LUMA.mean()) * 100.0
    quality = 100 - scale / 2 if scale <= 100 else 5000 / scale
    return max(1, min(100, round(quality)))


def jpeg_step(quantization: dict[int, Any] | None) -> float:
    """The mean quantisation step of the luminance table's 16 lowest frequencies (0 for non-JPEGs)."""
    if not quantization or 0 not in quantization:
        return 0.0
    table = np.asarray(list(quantization[0]), dtype=np.float64)
    if table.size != 64:
        return 0.0
    # Natural or zigzag order: the 16 lowest frequencies are among the first ~16 zigzag entries and in
    # the top-left 4x4; sort and take the 16 smallest, which both orders agree on for IJG-style tables.
    return float(np.sort(table)[:16].mean())


def noise_sigma(gray: Any) -> float:
    """Immerkaer's fast estimate of white-noise sigma (grey levels) from the Laplacian difference."""
    import cv2

    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float64)
    response = cv2.filter2D(gray.astype(np.float64), -1, kernel)[1:-1, 1:-1]
    height, width = gray.shape
    return float(
        math.sqrt(math.pi / 2) * np.abs(response).sum() / (6 * max(1, width - 2) * max(1, height - 2))
    )


# --- stages -------------------------------------------------------------------------------------------


def deblock(rgb: Any, step: float) -> tuple[Any, Stage]:
    """Smooth the 8x8 block edges a JPEG encoder left where the step across an edge is small compared to
    the quantisation step (a blocking artefact), and leave real edges (large steps) alone."""
    if step <= 0:
        return rgb, Stage("deblock", "c2pa.filtered", "JPEG deblocking: not a JPEG input", applied=False)
    out = rgb.astype(np.float32)
    limit = max(2.0, step / 2.0)
    smoothed = 0
    for axis in (0, 1):
        size = out.shape[axis]
        edges = np.arange(8, size - 1, 8)
        if edges.size == 0:
            continue
        take = (lambda i: out[i]) if axis == 0 else (lambda i: out[:, i])
        p1, p0, q0, q1 = take(edges - 2), take(edges - 1), take(edges), take(edges + 1)
        jump = np.abs(p0 - q0)
        flat = (jump < limit) & (np.abs(p1 - p0) < limit / 2) & (np.abs(q1 - q0) < limit / 2)
        new_p0 = np.where(flat, (p1 + 2 * p0 + q0) / 4, p0)
        new_q0 = np.where(flat, (p0 + 2 * q0 + q1) / 4, q0)
        smoothed += int(flat.sum())
        if axis == 0:
            out[edges - 1], out[edges] = new_p0, new_q0
        else:
            out[:, edges - 1], out[:, edges] = new_p0, new_q0
    result = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return result, Stage(
        "deblock",
        "c2pa.filtered",
        "JPEG deblocking across 8x8 block edges",
        {"quantisation_step": round(step, 1), "edge_samples_smoothed": smoothed},
    )


def _not_a_pattern(lines: Any) -> list[tuple[int, int, int, int]]:
    """The Hough segments less those of a regular pattern: four or more distinct near-parallel lines (brick
    joints, blinds, ruled paper) are the picture's structure; a scratch is a line of its own (the pieces of
    one broken scratch lie on the same line, so they count once)."""
    if lines is None:
        return []
    segments = [(int(a), int(b), int(c), int(d)) for a, b, c, d in np.asarray(lines).reshape(-1, 4)]
    angles = [math.degrees(math.atan2(y1 - y0, x1 - x0)) % 180 for x0, y0, x1, y1 in segments]
    offsets = [
        (x0 * math.sin(math.radians(a)) - y0 * math.cos(math.radians(a)))
        for (x0, y0, _, _), a in zip(segments, angles, strict=True)
    ]
    kept = []
    for segment, angle in zip(segments, angles, strict=True):
        parallel = [
            o
            for o, a in zip(offsets, angles, strict=True)
            if min(abs(a - angle), 180 - abs(a - angle)) <= 5.0
        ]
        distinct: list[float] = []
        for offset in sorted(parallel):
            if not distinct or offset - distinct[-1] > 6:
                distinct.append(offset)
        if len(distinct) < 4:
            kept.append(segment)
    return kept


def _defect_mask(rgb: Any, factor: float) -> tuple[Any, int, int]:
    """Scratches (long straight thin lines far from their surroundings) and dust (small compact specks of
    strong contrast in quiet surroundings), as a uint8 mask."""
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    background = cv2.medianBlur(gray, 9)
    magnitude = np.abs(gray.astype(np.int16) - background.astype(np.int16)).astype(np.uint8)
    # The local level of fine detail, robustly (a median ignores the defect itself).
    spread = cv2.medianBlur(magnitude, 31).astype(np.float32)
    candidates = (magnitude > np.maximum(30.0 * factor, (5.0 * spread + 10.0) * factor)).astype(
        np.uint8
    ) * 255
    height, width = gray.shape
    min_length = max(40, int(0.08 * max(height, width)))
    lines = cv2.HoughLinesP(
        candidates, 1, np.pi / 360, threshold=min_length // 2, minLineLength=min_length, maxLineGap=3
    )
    line_mask = np.zeros_like(candidates)
    segments = 0
    for x0, y0, x1, y1 in _not_a_pattern(lines):
        cv2.line(line_mask, (int(x0), int(y0)), (int(x1), int(y1)), 255, 5)
        segments += 1
    scratches = cv2.bitwise_and(candidates, line_mask)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidates, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    small = (area <= 60) & (extent <= 10)
    small[0] = False
    peak = np.zeros(count)
    np.maximum.at(peak, labels.ravel(), magnitude.ravel().astype(np.float64))
    mean_spread = np.bincount(labels.ravel(), weights=spread.ravel().astype(np.float64), minlength=count)
    mean_spread = mean_spread / np.maximum(area, 1)
    # Dust stands apart from everything around it: a bright speck is brighter than its brightest neighbour
    # (a star's tip is not: the star is next to it), a dark one darker than its darkest.
    flat_labels = labels.ravel()
    is_candidate = candidates > 0
    kernel = np.ones((7, 7), np.uint8)
    brightest = cv2.dilate(np.where(is_candidate, 0, gray).astype(np.uint8), kernel).ravel()
    darkest = cv2.erode(np.where(is_candidate, 255, gray).astype(np.uint8), kernel).ravel()
    level = np.bincount(flat_labels, weights=gray.ravel().astype(np.float64), minlength=count)
    level = level / np.maximum(area, 1)
    signed = np.bincount(flat_labels, weights=(gray.astype(np.float64) - background).ravel(), minlength=count)
    neighbour_max = np.zeros(count)
    np.maximum.at(neighbour_max, flat_labels, brightest.astype(np.float64))
    neighbour_min = np.full(count, 255.0)
    np.minimum.at(neighbour_min, flat_labels, darkest.astype(np.float64))
    apart = np.where(signed > 0, level - neighbour_max, neighbour_min - level) >= DUST_APART * factor
    dust_ids = small & (peak >= 60.0 * factor) & (peak >= (8.0 * mean_spread + 20.0) * factor) & apart
    dust = (dust_ids[labels] * 255).astype(np.uint8)
    ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    # A speck's soft JPEG halo is one or two pixels; a scratch's anti-aliased edge a little wider.
    mask = cv2.bitwise_or(cv2.dilate(scratches, ellipse), cv2.dilate(dust, np.ones((3, 3), np.uint8)))
    return mask, segments, int(dust_ids.sum())


def remove_defects(rgb: Any, check: Check = _no_check) -> tuple[Any, Stage]:
    """Find dust and scratches tile by tile and fill them from their surroundings (Telea inpainting)."""
    import cv2

    height, width = rgb.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    factor_used: list[float] = []
    segments = specks = 0
    for rows, cols, keep_r, keep_c in _tiles(height, width, DEFECT_TILE, 32):
        check()
        tile = rgb[rows, cols]
        megapixels = tile.shape[0] * tile.shape[1] / 1e6
        for factor in (1.0, 1.5, 2.0, 3.0, 4.0):
            tile_mask, tile_segments, tile_specks = _defect_mask(tile, factor)
            if (tile_mask > 0).mean() <= MAX_DEFECT_FRACTION and tile_specks <= max(
                40, MAX_SPECKS_PER_MP * megapixels
            ):
                break
        factor_used.append(factor)
        segments += tile_segments
        specks += tile_specks
        out_r = slice(rows.start + keep_r.start, rows.start + keep_r.stop)
        out_c = slice(cols.start + keep_c.start, cols.start + keep_c.stop)
        mask[out_r, out_c] = np.maximum(mask[out_r, out_c], tile_mask[keep_r, keep_c])
    covered = float((mask > 0).mean())
    if not mask.any():
        return rgb, Stage(
            "scratches", "c2pa.edited", "dust and scratch removal: no defects found", applied=False
        )
    repaired = np.empty_like(rgb)
    for rows, cols, keep_r, keep_c in _tiles(height, width, DEFECT_TILE, 16):
        check()
        filled = cv2.inpaint(rgb[rows, cols], mask[rows, cols], 3, cv2.INPAINT_TELEA)
        out_r = slice(rows.start + keep_r.start, rows.start + keep_r.stop)
        out_c = slice(cols.start + keep_c.start, cols.start + keep_c.stop)
        repaired[out_r, out_c] = filled[keep_r, keep_c]
    return repaired, Stage(
        "scratches",
        "c2pa.edited",
        "dust and scratches detected and inpainted",
        {
            "scratch_segments": segments,
            "dust_specks": specks,
            "pixels_inpainted": int((mask > 0).sum()),
            "fraction": round(covered, 5),
            "threshold_factor": max(factor_used),
        },
    )


def denoise(
    rgb: Any, *, sigma: float, step: float, strength: float, check: Check = _no_check
) -> tuple[Any, Stage]:
    """Non-local means (OpenCV), its filter strength from the measured noise and the JPEG quantisation,
    blended back towards the input where the image is textured (non-local means flattens fine texture)."""
    import cv2

    h = min(15.0, math.hypot(0.72 * sigma, 0.12 * step)) * strength
    if h < 1.0:
        return rgb, Stage(
            "denoise",
            "c2pa.filtered",
            "denoising: no noise to remove",
            {"noise_sigma": round(sigma, 2), "h": round(h, 2)},
            applied=False,
        )
    height, width = rgb.shape[:2]
    out = np.empty_like(rgb)
    for rows, cols, keep_r, keep_c in _tiles(height, width, DENOISE_TILE, 16):
        check()
        tile = rgb[rows, cols]
        bgr = cv2.cvtColor(np.ascontiguousarray(tile), cv2.COLOR_RGB2BGR)
        filtered = cv2.cvtColor(cv2.fastNlMeansDenoisingColored(bgr, None, h, h, 7, 21), cv2.COLOR_BGR2RGB)
        smooth = filtered.astype(np.float32)
        mean = cv2.GaussianBlur(smooth, (0, 0), 2)
        variance = (cv2.GaussianBlur(smooth * smooth, (0, 0), 2) - mean * mean).mean(axis=2, keepdims=True)
        weight = BLEND_FLOOR + (1 - BLEND_FLOOR) / (1.0 + np.maximum(variance, 0) / BLEND_VARIANCE)
        blended = tile.astype(np.float32) + (smooth - tile.astype(np.float32)) * weight
        out_r = slice(rows.start + keep_r.start, rows.start + keep_r.stop)
        out_c = slice(cols.start + keep_c.start, cols.start + keep_c.stop)
        out[out_r, out_c] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)[keep_r, keep_c]
    return out, Stage(
        "denoise",
        "c2pa.filtered",
        "non-local means denoising",
        {"noise_sigma": round(sigma, 2), "jpeg_step": round(step, 1), "h": round(h, 2)},
    )


def white_balance(rgb: Any, *, threshold: float = 0.2) -> tuple[Any, Stage]:
    """Grey-edge white balance: the average colour of the image's edges is grey under a neutral light.
    Applied only when the cast is strong (a scene's own colours rarely push the edges that far)."""
    import cv2

    channels = rgb.astype(np.float32)
    edges = np.empty(3)
    for c in range(3):
        gx = cv2.Sobel(channels[..., c], cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(channels[..., c], cv2.CV_32F, 0, 1)
        edges[c] = float(np.sqrt(gx * gx + gy * gy).mean())
    if edges.min() <= 1e-6:
        return rgb, Stage(
            "white_balance", "c2pa.color_adjustments", "white balance: flat image", applied=False
        )
    ratios = edges / edges.mean()
    cast = float(np.abs(ratios - 1).max())
    if cast < threshold:
        return rgb, Stage(
            "white_balance",
            "c2pa.color_adjustments",
            "white balance: no colour cast",
            {"cast": round(cast, 3)},
            applied=False,
        )
    gains = 1.0 / ratios
    balanced = np.clip(np.rint(channels * gains), 0, 255).astype(np.uint8)
    return balanced, Stage(
        "white_balance",
        "c2pa.color_adjustments",
        "grey-edge white balance",
        {"cast": round(cast, 3), "gains": [round(float(g), 3) for g in gains]},
    )


def auto_contrast(rgb: Any) -> tuple[Any, Stage]:
    """Stretch a faded photo (blacks lifted and whites dulled) back to the full range; a photo that already
    uses its range is left alone."""
    luma = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).ravel()
    low, high = (float(v) for v in np.percentile(luma, [0.5, 99.5]))
    if not (low > 16 and high < 240 and high - low > 16):
        return rgb, Stage(
            "contrast",
            "c2pa.color_adjustments",
            "contrast: the photo already uses its range",
            {"low": round(low, 1), "high": round(high, 1)},
            applied=False,
        )
    target_low, target_high = 6.0, 249.0
    scale = (target_high - target_low) / (high - low)
    stretched = np.clip(np.rint((rgb.astype(np.float32) - low) * scale + target_low), 0, 255).astype(np.uint8)
    return stretched, Stage(
        "contrast",
        "c2pa.color_adjustments",
        "contrast stretched from a faded range",
        {"low": round(low, 1), "high": round(high, 1), "scale": round(scale, 3)},
    )


@dataclass
class Options:
    deblock: bool = True
    scratches: bool = True
    denoise: float = 1.0  # strength multiplier; 0 turns denoising off
    # Off unless asked for: a scene's own colour (a yellow flower, a light wood grain, a dusk) looks to any
    # automatic estimate like a cast or a faded range, so correcting by default would change intent.
    white_balance: bool = False
    contrast: bool = False


def restore(
    rgb: Any,
    *,
    quantization: dict[int, Any] | None = None,
    options: Options | None = None,
    check: Check = _no_check,
    report: Callable[[Stage], None] | None = None,
) -> tuple[Any, list[Stage]]:
    """Run the classical stages in order on an RGB uint8 array; returns the result and every stage."""
    import cv2

    options = options or Options()
    step = jpeg_step(quantization)
    sigma = noise_sigma(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    stages: list[Stage] = []

    def record(stage: Stage) -> None:
        stages.append(stage)
        if report is not None:
            report(stage)

    out = rgb
    if options.deblock:
        out, stage = deblock(out, step)
        record(stage)
    if options.scratches:
        out, stage = remove_defects(out, check)
        record(stage)
    if options.denoise > 0:
        out, stage = denoise(out, sigma=sigma, step=step, strength=options.denoise, check=check)
        record(stage)
    if options.white_balance:
        out, stage = white_balance(out)
        record(stage)
    if options.contrast:
        out, stage = auto_contrast(out)
        record(stage)
    return out, stages


def deadline_check(cancelled: Callable[[], None], deadline: float | None) -> Check:
    """A check between tiles: the job's cancellation, and its time limit."""

    def check() -> None:
        cancelled()
        if deadline is not None and time.monotonic() > deadline:
            raise Deadline

    return check
