"""Classical operations: CPU only, no model weights, fully offline.

OpenCV and numpy are imported inside the operations that use them: the catalog, and with it the web
process, imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.conf import settings
from PIL import Image, ImageOps

from inference import pipelines, registry
from inference.catalog import InputSpec, Operation, register
from inference.context import RunContext, RunOutput
from inference.errors import PermanentJobError
from inference.isolation import StepFailed

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

SOURCE = InputSpec("source", description="the image to work on")


def output_format_for(mime_type: str) -> str:
    return {"image/jpeg": "JPEG", "image/webp": "WEBP"}.get(mime_type, "PNG")


def _resize(ctx: RunContext) -> list[RunOutput]:
    source = ctx.source()
    image = ImageOps.exif_transpose(source.image)
    image.thumbnail((ctx.params["width"], ctx.params["height"]), Image.Resampling.LANCZOS)
    ctx.progress(90, f"resized to {image.width}x{image.height}")
    return [RunOutput(image=image, format=output_format_for(source.mime_type), quality=90)]


resize = register(
    Operation(
        name="resize",
        kind="classical",
        queue="cpu",
        description="Fit the image within width x height, keeping its aspect ratio (Lanczos).",
        inputs=(SOURCE,),
        params_schema={
            "type": "object",
            "properties": {
                "width": {"type": "integer", "minimum": 1, "maximum": 8192},
                "height": {"type": "integer", "minimum": 1, "maximum": 8192},
            },
            "required": ["width", "height"],
            "additionalProperties": False,
        },
        run=_resize,
    )
)


# --- helpers ------------------------------------------------------------------------------------------

MASK = InputSpec("mask", description="white where the operation applies, black elsewhere (any size)")
OPTIONAL_MASK = InputSpec("mask", required=False, description="optional: white where it applies")
MASK_HINT = InputSpec(
    "mask", required=False, description="optional hint: white = subject, black = background, grey = unsure"
)
_FRACTION = {"type": "number", "minimum": 0, "maximum": 1}


def _upright(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    return upright if upright is not None else image


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or image.mode == "P":
        # Flatten transparency onto white, the background a transparent product shot is usually shown on.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _mask_array(ctx: RunContext, size: tuple[int, int]) -> Any | None:
    """The mask input as a uint8 array of ``size`` (255 inside, 0 outside), or None without one."""
    import numpy as np

    mask = ctx.mask()
    if mask is None:
        return None
    gray = _upright(mask.image).convert("L").resize(size, Image.Resampling.NEAREST)
    return np.where(np.asarray(gray) >= 128, 255, 0).astype(np.uint8)


def _require_mask(ctx: RunContext, size: tuple[int, int]) -> Any:
    mask = _mask_array(ctx, size)
    if mask is None:
        raise PermanentJobError("invalid_params", f"{ctx.operation} needs a mask input")
    if not mask.any():
        raise PermanentJobError("empty_mask", "the mask has no white pixels: nothing to change")
    return mask


def _same_format(ctx: RunContext, image: Image.Image) -> RunOutput:
    fmt = output_format_for(ctx.source().mime_type)
    return RunOutput(image=image, format=fmt, quality=90 if fmt != "PNG" else None)


def _max_output_errors(inputs: Sequence[Asset], factor: int) -> dict[str, list[str]]:
    if inputs and inputs[0].width * inputs[0].height * factor * factor > settings.INFERENCE_MAX_OUTPUT_PIXELS:
        return {"factor": [f"the output would exceed {settings.INFERENCE_MAX_OUTPUT_PIXELS} pixels"]}
    return {}


# --- crop ---------------------------------------------------------------------------------------------

CROP_PRESETS: dict[str, Fraction] = {
    "1:1": Fraction(1, 1),
    "4:5": Fraction(4, 5),
    "9:16": Fraction(9, 16),
    "16:9": Fraction(16, 9),
    "1.91:1": Fraction(191, 100),
}


def crop_box(size: tuple[int, int], ratio: Fraction, focal: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest box of aspect ``ratio`` inside ``size``, centred on ``focal`` (fractions) where it fits."""
    width, height = size
    if Fraction(width, height) > ratio:
        crop_h = height
        crop_w = max(1, min(width, round(height * ratio)))
    else:
        crop_w = width
        crop_h = max(1, min(height, round(width / ratio)))
    left = min(max(round(focal[0] * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(focal[1] * height - crop_h / 2), 0), height - crop_h)
    return left, top, left + crop_w, top + crop_h


def saliency_focal_point(image: Image.Image) -> tuple[float, float]:
    """Where the eye goes: the centroid of the most salient tenth of the image (spectral residual method,
    Hou & Zhang 2007); the centre when nothing stands out."""
    import cv2
    import numpy as np

    # 64 pixels along the longer side (Hou & Zhang's scale): a 64-wide copy of a 4x60000 image would be a
    # 64x960000 FFT.
    scale = 64 / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = np.asarray(_rgb(image).convert("L").resize(size))
    spectrum = np.fft.fft2(small.astype(np.float64))
    log_amplitude = np.log(np.abs(spectrum) + 1e-9)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    saliency = cv2.GaussianBlur(saliency, (0, 0), 2.0)
    if saliency.max() - saliency.min() < 1e-9 * max(saliency.max(), 1e-12):
        return 0.5, 0.5
    weights = np.where(saliency >= np.percentile(saliency, 90), saliency, 0.0)
    total = weights.sum()
    if total <= 0:
        return 0.5, 0.5
    ys, xs = np.indices(weights.shape)
    return (
        float((xs * weights).sum() / total + 0.5) / weights.shape[1],
        float((ys * weights).sum() / total + 0.5) / weights.shape[0],
    )


def _crop(ctx: RunContext) -> list[RunOutput]:
    image = _upright(ctx.source().image)
    focal_param = ctx.params.get("focal_point")
    if focal_param is not None:
        focal = (float(focal_param["x"]), float(focal_param["y"]))
        how = "the given focal point"
    else:
        focal = saliency_focal_point(image)
        how = f"the salient point ({focal[0]:.2f}, {focal[1]:.2f})"
    box = crop_box(image.size, CROP_PRESETS[ctx.params["preset"]], focal)
    cropped = image.crop(box)
    ctx.progress(90, f"cropped {ctx.params['preset']} to {cropped.width}x{cropped.height} around {how}")
    return [_same_format(ctx, cropped)]


crop = register(
    Operation(
        name="crop",
        kind="classical",
        queue="cpu",
        description="Crop to a channel preset's aspect ratio (largest possible), around the focal point "
        "(fractions of width and height); without one, around the most salient area.",
        inputs=(SOURCE,),
        params_schema={
            "type": "object",
            "properties": {
                "preset": {"type": "string", "enum": list(CROP_PRESETS)},
                "focal_point": {
                    "type": "object",
                    "properties": {"x": _FRACTION, "y": _FRACTION},
                    "required": ["x", "y"],
                    "additionalProperties": False,
                },
            },
            "required": ["preset"],
            "additionalProperties": False,
        },
        run=_crop,
    )
)


# --- convert ------------------------------------------------------------------------------------------

FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
# The lowest quality each lossy format may be asked for: every output is watermarked and read back before
# it is stored, and below these the mark no longer decodes (the job would fail watermark_not_decodable).
# Measured by bench/convert_quality.py (docs/benchmarks.md): every fixture photo decodes from JPEG q70 and
# WebP q80 up; one step of margin above that. A stronger carrier may lower them.
CONVERT_MIN_QUALITY = {"jpeg": 75, "webp": 85}


def _convert(ctx: RunContext) -> list[RunOutput]:
    image = _upright(ctx.source().image)
    fmt = FORMATS[ctx.params["format"]]
    if fmt == "JPEG":
        image = _rgb(image)
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    quality = ctx.params["quality"] if fmt != "PNG" else None
    ctx.progress(90, f"converting to {fmt}" + (f" at quality {quality}" if quality else ""))
    return [RunOutput(image=image, format=fmt, quality=quality)]


convert = register(
    Operation(
        name="convert",
        kind="classical",
        queue="cpu",
        description="Re-encode as JPEG, PNG or WebP; quality applies to JPEG (from "
        f"{CONVERT_MIN_QUALITY['jpeg']}) and WebP (from {CONVERT_MIN_QUALITY['webp']}) up to 100, the range "
        "the watermark survives. Transparency is flattened onto white for JPEG.",
        inputs=(SOURCE,),
        params_schema={
            "type": "object",
            "properties": {
                "format": {"type": "string", "enum": list(FORMATS)},
                "quality": {
                    "type": "integer",
                    "minimum": min(CONVERT_MIN_QUALITY.values()),
                    "maximum": 100,
                    "default": 85,
                },
            },
            "required": ["format"],
            "additionalProperties": False,
            "allOf": [
                {
                    "if": {"properties": {"format": {"const": name}}, "required": ["format"]},
                    "then": {"properties": {"quality": {"minimum": minimum}}},
                }
                for name, minimum in CONVERT_MIN_QUALITY.items()
            ],
        },
        run=_convert,
    )
)


# --- upscale ------------------------------------------------------------------------------------------


def _upscale(ctx: RunContext) -> list[RunOutput]:
    image = _upright(ctx.source().image)
    factor = ctx.params["factor"]
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.width * image.height * factor * factor > settings.INFERENCE_MAX_OUTPUT_PIXELS:
        raise PermanentJobError("output_too_large", "the upscaled image would exceed the output pixel limit")
    upscaled = image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)
    ctx.progress(90, f"upscaled x{factor} to {upscaled.width}x{upscaled.height}")
    return [_same_format(ctx, upscaled)]


upscale = register(
    Operation(
        name="upscale",
        kind="classical",
        queue="cpu",
        description="Enlarge x2 or x4 with Lanczos resampling (no model; upscale_x4 is the AI upscaler).",
        inputs=(SOURCE,),
        params_schema={
            "type": "object",
            "properties": {"factor": {"type": "integer", "enum": [2, 4]}},
            "required": ["factor"],
            "additionalProperties": False,
        },
        run=_upscale,
        extra_validation=lambda params, inputs, prompt, workspace: _max_output_errors(
            inputs, params["factor"]
        ),
    )
)


# --- remove_object ------------------------------------------------------------------------------------


def _remove_object(ctx: RunContext) -> list[RunOutput]:
    import cv2
    import numpy as np

    from inference.operations import native

    source = _upright(ctx.source().image)
    has_alpha = "A" in source.getbands()
    rgb = np.asarray(_rgb(source))
    mask = _require_mask(ctx, source.size)
    # Masks drawn by hand stop short of an object's soft edge; without growing them (``grow``) the fill
    # would be seeded with the object's own colour from the pixels just outside.
    grow = ctx.params["grow"]
    ctx.progress(30, f"inpainting {int((mask > 0).sum())} masked pixels, grown by {grow}")
    # Dilation and inpainting cost masked pixels x kernel area: up to minutes on a large mask.
    try:
        filled = ctx.run_native(
            native.inpaint,
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
            mask,
            grow,
            ctx.params["radius"],
            ctx.params["method"],
            what="inpainting",
        )
    except StepFailed as exc:
        raise PermanentJobError("inpainting_failed", f"inpainting failed: {exc.message}") from exc
    result = Image.fromarray(cv2.cvtColor(filled, cv2.COLOR_BGR2RGB))
    if has_alpha:
        result.putalpha(source.getchannel("A"))
    ctx.progress(90, "object removed")
    return [_same_format(ctx, result)]


remove_object = register(
    Operation(
        name="remove_object",
        kind="classical",
        queue="cpu",
        description="Remove what the mask covers and fill it from its surroundings (OpenCV inpainting).",
        inputs=(SOURCE, MASK),
        params_schema={
            "type": "object",
            "properties": {
                "grow": {"type": "integer", "minimum": 0, "maximum": 64, "default": 4},
                "radius": {"type": "integer", "minimum": 1, "maximum": 32, "default": 5},
                "method": {"type": "string", "enum": ["telea", "ns"], "default": "telea"},
            },
            "additionalProperties": False,
        },
        run=_remove_object,
    )
)


# --- remove_background --------------------------------------------------------------------------------

GRABCUT_MAX_SIDE = 640  # GrabCut is iterative and O(pixels); the matte is computed small and scaled up


def _grabcut_matte(
    ctx: RunContext, rgb: Any, rect: tuple[int, int, int, int] | None, hint: Any | None, iterations: int
) -> Any:
    import cv2
    import numpy as np

    from inference.operations import native

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    mask = np.full(rgb.shape[:2], cv2.GC_BGD, np.uint8)
    mode = cv2.GC_INIT_WITH_RECT
    if hint is not None:
        mode = cv2.GC_INIT_WITH_MASK
        mask[:] = cv2.GC_PR_BGD
        mask[hint >= 192] = cv2.GC_PR_FGD
        # The hint's clear interior is certainly subject and what is far from it certainly background:
        # GrabCut needs both to learn its colour models.
        side = max(3, min(rgb.shape[:2]) // 20 * 2 + 1)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
        mask[cv2.erode((hint >= 192).astype(np.uint8), kernel) > 0] = cv2.GC_FGD
        mask[cv2.erode((hint < 64).astype(np.uint8), kernel) > 0] = cv2.GC_BGD
        if rect is not None:
            outside = np.ones(rgb.shape[:2], bool)
            x, y, w, h = rect
            outside[y : y + h, x : x + w] = False
            mask[outside] = cv2.GC_BGD
        if not ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).any():
            raise PermanentJobError("invalid_params", "the mask hint marks no subject (no white pixels)")
    try:
        # OpenCV ignores the rectangle when it initialises from the mask. GrabCut's max-flow has no useful
        # bound on its run time (0.5 s to over 20 s at 640x640, by content): it runs where the job's
        # deadline can stop it.
        mask = ctx.run_native(
            native.grabcut, bgr, mask, rect or (0, 0, 0, 0), iterations, mode, what="GrabCut"
        )
    except StepFailed as exc:
        raise PermanentJobError(
            "segmentation_failed", f"GrabCut could not separate the subject: {exc.message}"
        ) from exc
    matte = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    # Drop specks and fill pinholes the colour model leaves behind.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    return cv2.morphologyEx(cv2.morphologyEx(matte, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)


def _remove_background(ctx: RunContext) -> list[RunOutput]:
    import cv2
    import numpy as np

    source = _rgb(_upright(ctx.source().image))
    if ctx.params.get("model"):
        return [_model_cutout(ctx, source, ctx.params["model"])]
    ctx.progress(5, "GrabCut (no segmentation model for this workspace)")
    scale = min(1.0, GRABCUT_MAX_SIDE / max(source.size))
    work = source.resize(
        (max(1, round(source.width * scale)), max(1, round(source.height * scale))), Image.Resampling.BILINEAR
    )
    rect_param = ctx.params.get("rect")
    hint = _mask_array(ctx, work.size)
    if rect_param is not None:
        x, y = round(rect_param["x"] * work.width), round(rect_param["y"] * work.height)
        w = max(2, min(work.width - x, round(rect_param["width"] * work.width)))
        h = max(2, min(work.height - y, round(rect_param["height"] * work.height)))
        rect: tuple[int, int, int, int] | None = (x, y, w, h)
    elif hint is None:
        # No hint at all: assume a product shot, the subject inside a 4% margin.
        margin_x, margin_y = max(1, round(work.width * 0.04)), max(1, round(work.height * 0.04))
        rect = (margin_x, margin_y, work.width - 2 * margin_x, work.height - 2 * margin_y)
    else:
        rect = None
    ctx.progress(20, "separating subject from background")
    matte = _grabcut_matte(ctx, np.asarray(work), rect, hint, ctx.params["iterations"])
    if not matte.any():
        raise PermanentJobError(
            "segmentation_failed", "no subject was found; give a rectangle or a mask hint"
        )
    # Scale the matte back with a linear filter: a soft one-pixel edge, solid inside and outside.
    alpha = cv2.resize(matte, source.size, interpolation=cv2.INTER_LINEAR)
    result = source.convert("RGBA")
    result.putalpha(Image.fromarray(alpha))
    ctx.progress(90, "background removed")
    return [RunOutput(image=result, format="PNG", details=_cutout_details("grabcut", None))]


def _cutout_details(method: str, model: dict[str, Any] | None) -> dict[str, Any]:
    """What the output records, and the C2PA action the manifest builder writes for it."""
    parameters: dict[str, Any] = {"method": method, **({"model": model} if model else {})}
    return {
        "method": method,
        **({"model": model["key"]} if model else {}),
        "stages": [
            {
                "action": "c2pa.edited",
                "description": "background removed"
                + (f" with segmentation model {model['key']}" if model else " with GrabCut"),
                "parameters": parameters,
            }
        ],
    }


def _model_cutout(ctx: RunContext, source: Image.Image, key: str) -> RunOutput:
    """The matte from the workspace's segmentation model: P(not background) per pixel, soft at the edges;
    a rectangle or a mask hint still bound it."""
    import numpy as np

    record = registry.usable_model(key, ctx.workspace_id)
    problems = registry.reference_errors("model", key, ctx.workspace_id)
    if record is None or problems or record.kind != "segmentation":
        raise PermanentJobError(
            "model_unavailable", "; ".join(problems) or f"{key!r} is not a segmentation model"
        )
    ctx.progress(5, f"segmentation model {record.key} ({record.licence_id})")
    with pipelines.pipeline_for(record) as loaded:
        ctx.check_cancelled()
        rgb = np.asarray(source)
        probability = loaded.pipeline.foreground_probability(rgb)
    alpha = probability * 255.0
    rect_param = ctx.params.get("rect")
    if rect_param is not None:
        bounded = np.zeros_like(alpha)
        x, y = round(rect_param["x"] * source.width), round(rect_param["y"] * source.height)
        w, h = round(rect_param["width"] * source.width), round(rect_param["height"] * source.height)
        bounded[y : y + h, x : x + w] = alpha[y : y + h, x : x + w]
        alpha = bounded
    hint = _mask_array(ctx, source.size)
    if hint is not None:
        alpha = np.where(hint >= 192, 255.0, np.where(hint < 64, 0.0, alpha))
    matte = np.clip(np.rint(alpha), 0, 255).astype(np.uint8)
    if not (matte >= 128).any():
        raise PermanentJobError("segmentation_failed", f"model {record.key} found no subject in this image")
    result = source.convert("RGBA")
    result.putalpha(Image.fromarray(matte))
    ctx.progress(90, f"background removed with {record.key}")
    info = registry.model_info(record, revision=loaded.resolved_revision, weights_hash=loaded.weights_hash)
    model = {"key": record.key, "weights_hash": loaded.weights_hash, "licence": record.licence_id}
    return RunOutput(image=result, format="PNG", model=info, details=_cutout_details("segmentation", model))


def _rect_errors(
    params: dict[str, Any], inputs: Sequence[Asset], prompt: str, workspace: Workspace | None
) -> dict[str, list[str]]:
    rect = params.get("rect")
    errors: dict[str, list[str]] = {}
    if rect and (rect["x"] + rect["width"] > 1 or rect["y"] + rect["height"] > 1):
        errors["rect"] = ["the rectangle must lie inside the image (x + width <= 1, y + height <= 1)"]
    key = params.get("model")
    if key and params.get("method") == "grabcut":
        errors["model"] = ["method grabcut takes no model"]
    elif key:
        problems = registry.reference_errors("model", key, workspace)
        record = registry.usable_model(key, workspace)
        if not problems and record is not None and record.kind != "segmentation":
            problems = [f"{key!r} is a {record.kind} model; remove_background takes a segmentation model"]
        if problems:
            errors["model"] = problems
    elif params.get("method") == "model" and registry.segmentation_model_for(workspace) is None:
        errors["method"] = ["this workspace has no segmentation model; register one or use grabcut"]
    return errors


def _segmentation_default(
    params: dict[str, Any], inputs: Sequence[Asset], workspace: Workspace | None
) -> dict[str, Any]:
    """The saved job names the segmentation model that will run (the workspace's own, else a shared one),
    so the job, its licence and its manifest say which; none means GrabCut."""
    if params.get("model") or params.get("method") == "grabcut":
        return params
    record = registry.segmentation_model_for(workspace)
    return {**params, "model": record.key} if record is not None else params


remove_background = register(
    Operation(
        name="remove_background",
        kind="classical",
        queue="cpu",
        description="Cut the subject out as a PNG with transparency: with the workspace's segmentation "
        "model when it has one (params.model, or the default), else GrabCut from a rectangle around it "
        "(fractions of the image), a mask hint, or by default the image less a small margin.",
        inputs=(SOURCE, MASK_HINT),
        params_schema={
            "type": "object",
            "properties": {
                "rect": {
                    "type": "object",
                    "properties": {"x": _FRACTION, "y": _FRACTION, "width": _FRACTION, "height": _FRACTION},
                    "required": ["x", "y", "width", "height"],
                    "additionalProperties": False,
                },
                "iterations": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
                "method": {
                    "type": "string",
                    "enum": ["auto", "model", "grabcut"],
                    "default": "auto",
                    "description": "auto: the segmentation model when one is registered, else GrabCut.",
                },
                "model": {"type": "string", "maxLength": 100, "description": "A segmentation model's key."},
            },
            "additionalProperties": False,
        },
        run=_remove_background,
        extra_validation=_rect_errors,
        complete_params=_segmentation_default,
    )
)


# --- recolor ------------------------------------------------------------------------------------------


def _recolor(ctx: RunContext) -> list[RunOutput]:
    import cv2
    import numpy as np

    source = _upright(ctx.source().image)
    alpha = source.getchannel("A") if "A" in source.getbands() else None
    rgb = np.asarray(_rgb(source))
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.int32)  # hue over the full 0..255 range
    shift = round(ctx.params["hue"] / 360 * 256)
    hsv[..., 0] = (hsv[..., 0] + shift) % 256
    hsv[..., 1] = np.clip(np.rint(hsv[..., 1] * ctx.params["saturation"]), 0, 255)
    shifted = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB_FULL)
    mask = _mask_array(ctx, source.size)
    if mask is None:
        result = shifted
    else:
        if not mask.any():
            raise PermanentJobError("empty_mask", "the mask has no white pixels: nothing to recolour")
        weight = (mask.astype(np.float32) / 255.0)[..., None]
        result = np.rint(shifted * weight + rgb * (1.0 - weight)).astype(np.uint8)
    image = Image.fromarray(result)
    if alpha is not None:
        image.putalpha(alpha)
    ctx.progress(90, f"hue {ctx.params['hue']:+g} degrees, saturation x{ctx.params['saturation']:g}")
    return [_same_format(ctx, image)]


def _recolor_errors(
    params: dict[str, Any], inputs: Sequence[Asset], prompt: str, workspace: Workspace | None
) -> dict[str, list[str]]:
    if params.get("hue", 0) == 0 and params.get("saturation", 1) == 1:
        return {"params": ["give a hue shift or a saturation factor other than 1: nothing would change"]}
    return {}


recolor = register(
    Operation(
        name="recolor",
        kind="classical",
        queue="cpu",
        description="Shift the hue (degrees) and scale the saturation inside the mask (or everywhere), "
        "e.g. for product colour variants.",
        inputs=(SOURCE, OPTIONAL_MASK),
        params_schema={
            "type": "object",
            "properties": {
                "hue": {"type": "number", "minimum": -180, "maximum": 180, "default": 0},
                "saturation": {"type": "number", "minimum": 0, "maximum": 4, "default": 1},
            },
            "additionalProperties": False,
        },
        run=_recolor,
        extra_validation=_recolor_errors,
    )
)
