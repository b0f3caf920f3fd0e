"""Generative operations: diffusers pipelines from the model registry, on the ``gpu`` queue.

Each operation resolves its model (``params.model`` or the operation's default), takes the warm pipeline
from the per-process cache, and runs it with progress, cancellation between steps, a recorded seed, and
one retry at a smaller batch when CUDA runs out of memory.

torch (and, for the size check, the watermark with numpy) are imported inside the functions that use them:
the catalog, and with it the web process, imports this module.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from PIL import Image, ImageChops, ImageFilter, ImageOps

from inference import pipelines, registry
from inference.catalog import InputSpec, Operation, register
from inference.choices import ModelKind
from inference.context import ModelInfo, RunContext, RunOutput
from inference.errors import PermanentJobError, TransientJobError

if TYPE_CHECKING:
    from inference.models import ModelRecord
    from inference.pipelines import LoadedPipeline
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

SEED_MAX = 2**32 - 1
# The x4 upscaler was trained on 128 px -> 512 px crops; much larger inputs need more memory than a
# worker has and gain nothing over tiling them first.
UPSCALE_X4_MAX_INPUT_SIDE = 512
OUTPUT_FORMAT = "PNG"  # lossless, so the watermark is embedded into exactly what the model produced

# Fallbacks below the model's own default_params, below the job's explicit params.
FALLBACKS: dict[str, dict[str, Any]] = {
    "text_to_image": {"width": 512, "height": 512, "steps": 30, "guidance": 7.5},
    "image_to_image": {"strength": 0.6, "steps": 30, "guidance": 7.5},
    "inpaint": {"strength": 1.0, "steps": 30, "guidance": 7.5},
    "variants": {"width": 512, "height": 512, "strength": 0.6, "steps": 30, "guidance": 7.5},
    "upscale_x4": {"steps": 20, "guidance": 9.0, "noise_level": 20},
    # Structure is preserved by staying close to the source (low-strength image-to-image): it works with
    # every base model and adapter and needs no extra ControlNet weights to license and register.
    "style_transfer": {
        "strength": 0.45,
        "steps": 30,
        "guidance": 7.5,
        "style_scale": 1.0,
        "ip_adapter_scale": 0.6,
    },
}
# Operations that take a brand style (a LoRA adapter of the workspace) in params.style.
STYLED_OPERATIONS = ("text_to_image", "image_to_image", "style_transfer")
# The keys a model's default_params may set (validated when a model is registered).
MODEL_DEFAULT_KEYS = {
    "width",
    "height",
    "steps",
    "guidance",
    "strength",
    "noise_level",
    "negative_prompt",
    "style_scale",
    "ip_adapter_scale",
}

_SIDE = {"type": "integer", "minimum": 64, "maximum": 2048, "multipleOf": 8}
_COMMON: dict[str, Any] = {
    "model": {
        "type": "string",
        "maxLength": 100,
        "description": "A registered model's key; else the default.",
    },
    "seed": {
        "type": "integer",
        "minimum": 0,
        "maximum": SEED_MAX,
        "description": "Drawn at random if absent.",
    },
    "steps": {"type": "integer", "minimum": 1, "maximum": 150},
    "guidance": {"type": "number", "minimum": 0, "maximum": 30},
    "negative_prompt": {"type": "string", "maxLength": 2000},
}
_STRENGTH = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
_STYLE: dict[str, Any] = {
    "style": {
        "type": "string",
        "maxLength": 100,
        "description": "A style adapter (LoRA) of this workspace, by key; its trigger words join the prompt.",
    },
    "style_scale": {"type": "number", "minimum": 0, "maximum": 2, "description": "How strongly it applies."},
}


def _schema(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {**_COMMON, **properties}, "additionalProperties": False}


# --- validation at job creation -----------------------------------------------------------------------


def _validator(
    operation: str,
) -> Callable[[dict[str, Any], Sequence[Asset], str, Workspace | None], dict[str, list[str]]]:
    def validate(
        params: dict[str, Any], inputs: Sequence[Asset], prompt: str, workspace: Workspace | None
    ) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        key = params.get("model") or registry.default_model_key(operation)
        problems = registry.model_errors(operation, key, workspace)
        if problems:
            errors["model"] = problems
        else:
            base = registry.usable_model(str(key), workspace)
            assert base is not None  # model_errors found it  # noqa: S101
            errors.update(_size_errors(operation, params, inputs, base))
            errors.update(_adapter_errors(operation, params, inputs, base, workspace))
        if operation == "upscale_x4" and inputs:
            source = inputs[0]
            if max(source.width, source.height) > UPSCALE_X4_MAX_INPUT_SIDE:
                errors.setdefault("inputs", []).append(
                    f"upscale_x4 takes sources up to {UPSCALE_X4_MAX_INPUT_SIDE} px on the longest side "
                    f"(this one is {source.width}x{source.height}); resize it first"
                )
            elif source.width * source.height * 16 > settings.INFERENCE_MAX_OUTPUT_PIXELS:
                errors.setdefault("inputs", []).append("the x4 output would exceed the output pixel limit")
        return errors

    return validate


def _adapter_errors(
    operation: str,
    params: dict[str, Any],
    inputs: Sequence[Asset],
    base: ModelRecord,
    workspace: Workspace | None,
) -> dict[str, list[str]]:
    """A named style or IP-Adapter must exist for this workspace, be enabled, and apply to the base."""
    errors: dict[str, list[str]] = {}
    for param in ("style", "ip_adapter"):
        key = params.get(param)
        if not key:
            continue
        problems = registry.reference_errors(param, key, workspace)
        if not problems:
            adapter = registry.usable_model(key, workspace)
            assert adapter is not None  # noqa: S101
            problems = registry.adapter_base_errors(adapter, base)
        if problems:
            errors[param] = problems
    if operation == "style_transfer":
        has_reference = len(inputs) > 1
        if not params.get("style") and not has_reference:
            errors.setdefault("style", []).append(
                "give a style (a LoRA adapter key) or a style reference image as the second input"
            )
        if (
            has_reference
            and not params.get("ip_adapter")
            and registry.adapter_for_base(ModelKind.IP_ADAPTER, base, workspace) is None
        ):
            errors.setdefault("inputs", []).append(
                f"a style reference image needs an IP-Adapter registered for model {base.key!r}"
            )
        if params.get("ip_adapter") and not has_reference:
            errors.setdefault("ip_adapter", []).append("an IP-Adapter needs a style reference image")
    return errors


def working_size(width: int, height: int) -> tuple[int, int]:
    """The size a source is worked on: within INFERENCE_MAX_SIDE, sides a multiple of 8 (the VAE's factor)."""
    scale = min(1.0, settings.INFERENCE_MAX_SIDE / max(width, height))
    return max(64, int(width * scale) // 8 * 8), max(64, int(height * scale) // 8 * 8)


def _size_errors(
    operation: str, params: dict[str, Any], inputs: Sequence[Asset], record: ModelRecord | None
) -> dict[str, list[str]]:
    """Refuse, before anything is queued, an output too small to carry the watermark finalisation embeds
    (governance refuses to store an AI output without one)."""
    from governance import watermark  # numpy, which the web process otherwise never loads

    if inputs and operation == "inpaint":
        size, field = (inputs[0].width, inputs[0].height), "inputs"  # composited back at the source's size
    elif inputs and operation == "upscale_x4":
        size, field = (inputs[0].width * 4, inputs[0].height * 4), "inputs"
    elif inputs:
        size, field = working_size(inputs[0].width, inputs[0].height), "inputs"
    else:
        defaults = {**FALLBACKS[operation], **((record.default_params or {}) if record else {})}
        size, field = (
            (params.get("width", defaults["width"]), params.get("height", defaults["height"])),
            "width",
        )
    if watermark.can_carry(*size):
        return {}
    return {
        field: [
            f"the output would be {size[0]}x{size[1]}; AI outputs need at least "
            f"{watermark.MIN_PIXELS} pixels (256x256) to carry their watermark"
        ]
    }


def _completer(
    operation: str,
) -> Callable[[dict[str, Any], Sequence[Asset], Workspace | None], dict[str, Any]]:
    def complete(
        params: dict[str, Any], inputs: Sequence[Asset], workspace: Workspace | None
    ) -> dict[str, Any]:
        if not params.get("model"):
            params = {**params, "model": registry.default_model_key(operation)}
        if operation == "style_transfer" and len(inputs) > 1 and not params.get("ip_adapter"):
            # The saved job names the IP-Adapter that will run, so policy and licences see it.
            base = registry.usable_model(str(params["model"]), workspace)
            adapter = registry.adapter_for_base(ModelKind.IP_ADAPTER, base, workspace) if base else None
            if adapter is not None:
                params = {**params, "ip_adapter": adapter.key}
        return params

    return complete


# --- running ------------------------------------------------------------------------------------------


def _resolve(ctx: RunContext) -> tuple[ModelRecord, dict[str, Any]]:
    key = ctx.params.get("model") or registry.default_model_key(ctx.operation)
    problems = registry.model_errors(ctx.operation, key, ctx.workspace_id)
    if problems:
        # The model was disabled or removed after the job was accepted: retrying cannot help.
        raise PermanentJobError("model_unavailable", "; ".join(problems))
    record = registry.usable_model(str(key), ctx.workspace_id)
    assert record is not None  # model_errors found it  # noqa: S101
    defaults = {k: v for k, v in (record.default_params or {}).items() if k in MODEL_DEFAULT_KEYS}
    effective = {**FALLBACKS[ctx.operation], **defaults, **ctx.params}
    if effective.get("seed") is None:
        effective["seed"] = secrets.randbelow(SEED_MAX + 1)
    return record, effective


@dataclass
class Adapters:
    """The adapters one run loads into its base pipeline."""

    loras: list[tuple[ModelRecord, float]] = field(default_factory=list)
    ip_adapter: ModelRecord | None = None
    ip_adapter_scale: float = 0.6

    @property
    def records(self) -> list[ModelRecord]:
        return [r for r, _ in self.loras] + ([self.ip_adapter] if self.ip_adapter is not None else [])


def _adapters(ctx: RunContext, base: ModelRecord, params: dict[str, Any]) -> Adapters:
    """The style (LoRA) and IP-Adapter the job named, checked again at run time (an admin may have disabled
    one since the job was accepted: that fails the job, it never runs without the style it asked for)."""
    found = Adapters(ip_adapter_scale=float(params.get("ip_adapter_scale", 0.6)))
    for param in ("style", "ip_adapter"):
        key = params.get(param)
        if not key:
            continue
        problems = registry.reference_errors(param, key, ctx.workspace_id)
        record = registry.usable_model(key, ctx.workspace_id)
        if not problems and record is not None:
            problems = registry.adapter_base_errors(record, base)
        if problems or record is None:
            raise PermanentJobError("model_unavailable", "; ".join(problems))
        if param == "style":
            found.loras.append((record, float(params.get("style_scale", 1.0))))
        else:
            found.ip_adapter = record
    return found


def with_trigger_words(prompt: str, adapters: Adapters) -> str:
    """The prompt with each style's trigger words that it does not already contain."""
    words = [
        word
        for record, _ in adapters.loras
        for word in (record.trigger_words or [])
        if isinstance(word, str) and word.strip() and word.lower() not in prompt.lower()
    ]
    return ", ".join(part for part in (prompt.strip(), *words) if part)


def _working_image(image: Image.Image) -> Image.Image:
    """The source as RGB, upright, within INFERENCE_MAX_SIDE, sides a multiple of 8 (the VAE's factor)."""
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGBA").convert("RGB") if "A" in image.getbands() else image.convert("RGB")
    width, height = working_size(image.width, image.height)
    if (width, height) != image.size:
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return image


def _working_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    gray = ImageOps.exif_transpose(mask).convert("L").resize(size, Image.Resampling.NEAREST)
    return gray.point(lambda v: 255 if v >= 128 else 0)


def _accepts(pipeline: Any, name: str) -> bool:
    return name in inspect.signature(pipeline.__call__).parameters


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    )


class _Progress:
    """Step callbacks that report progress into the job and stop it between steps when cancelled."""

    def __init__(
        self, ctx: RunContext, *, steps_per_call: int, calls: int, start: int = 5, end: int = 90
    ) -> None:
        self.ctx = ctx
        self.steps_per_call = max(1, steps_per_call)
        self.calls = max(1, calls)
        self.call = 0
        self.start = start
        self.end = end
        self.last = -1

    def next_call(self) -> None:
        self.call += 1

    def step(self, step: int, total: int | None = None) -> None:
        self.ctx.check_cancelled()
        per_call = total or self.steps_per_call
        done = (self.call + min(step + 1, per_call) / per_call) / self.calls
        percent = self.start + int((self.end - self.start) * done)
        if percent != self.last:
            self.last = percent
            self.ctx.progress(percent)

    def kwargs_for(self, pipeline: Any) -> dict[str, Any]:
        if _accepts(pipeline, "callback_on_step_end"):

            def on_step_end(
                pipe: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]
            ) -> dict[str, Any]:
                self.step(step, getattr(pipe, "num_timesteps", None))
                return callback_kwargs

            return {"callback_on_step_end": on_step_end}
        if _accepts(pipeline, "callback"):  # older pipelines (the x4 upscaler) take the legacy callback
            return {"callback": lambda step, timestep, latents: self.step(step), "callback_steps": 1}
        return {}


def generate(
    ctx: RunContext, pipeline: Any, *, seeds: list[int], call_kwargs: dict[str, Any], steps: int
) -> list[Image.Image]:
    """Run ``pipeline`` once per seed in as few batches as memory allows (one retry at a smaller batch)."""
    import torch

    kwargs = {k: v for k, v in call_kwargs.items() if v is not None and _accepts(pipeline, k)}

    def run(batch_seeds: list[int], progress: _Progress) -> list[Image.Image]:
        generators = [torch.Generator(device="cpu").manual_seed(s) for s in batch_seeds]
        try:
            result = pipeline(
                **kwargs,
                num_images_per_prompt=len(batch_seeds),
                generator=generators if len(generators) > 1 else generators[0],
                **progress.kwargs_for(pipeline),
            )
        except ValueError as exc:
            raise PermanentJobError("invalid_params", f"the pipeline refused the parameters: {exc}") from exc
        progress.next_call()
        return list(result.images)

    try:
        return run(seeds, _Progress(ctx, steps_per_call=steps, calls=1))
    except Exception as exc:
        if not _is_oom(exc):
            raise
        _free_gpu_memory()
        if len(seeds) == 1:
            raise TransientJobError("out_of_memory", "the GPU ran out of memory at batch size 1") from exc
    batch = max(1, len(seeds) // 2)
    chunks = [seeds[i : i + batch] for i in range(0, len(seeds), batch)]
    ctx.progress(5, f"out of GPU memory at batch {len(seeds)}; retrying at batch {batch}")
    progress = _Progress(ctx, steps_per_call=steps, calls=len(chunks))
    images: list[Image.Image] = []
    try:
        for chunk in chunks:
            images.extend(run(chunk, progress))
    except Exception as exc:
        if _is_oom(exc):
            _free_gpu_memory()
            raise TransientJobError(
                "out_of_memory", f"the GPU ran out of memory even at batch {batch}"
            ) from exc
        raise
    return images


def _free_gpu_memory() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _outputs(
    images: list[Image.Image],
    seeds: list[int],
    record: ModelRecord,
    loaded: LoadedPipeline,
    params: dict[str, Any],
    adapters: list[dict[str, Any]] | None = None,
) -> list[RunOutput]:
    info: ModelInfo = registry.model_info(
        record, revision=loaded.resolved_revision, weights_hash=loaded.weights_hash
    )
    recorded: dict[str, Any] = {
        k: params[k]
        for k in ("steps", "guidance", "strength", "noise_level", "width", "height")
        if k in params
    }
    if adapters:
        # The manifest's generation assertion lists them (key, kind, weights hash) beside the base model.
        recorded["adapters"] = adapters
    return [
        RunOutput(
            image=image,
            format=OUTPUT_FORMAT,
            model=info,
            seed=seed,
            details={
                **recorded,
                "seed": seed,
                "model": record.key,
                **({"variant": i} if len(images) > 1 else {}),
            },
        )
        for i, (image, seed) in enumerate(zip(images, seeds, strict=True))
    ]


def _pipeline_run(
    ctx: RunContext,
    task: str,
    seeds: list[int],
    call_kwargs: dict[str, Any],
    params: dict[str, Any],
    record: ModelRecord,
    adapters: Adapters | None = None,
) -> tuple[list[Image.Image], LoadedPipeline, list[dict[str, Any]]]:
    adapters = adapters or Adapters()
    ctx.progress(1, f"loading model {record.key}")
    with pipelines.pipeline_for(record) as loaded:
        ctx.check_cancelled()
        pipeline = loaded.for_task(task)
        applied = loaded.apply_adapters(
            pipeline, adapters.loras, adapters.ip_adapter, ip_adapter_scale=adapters.ip_adapter_scale
        )
        for item in applied:
            ctx.progress(
                3,
                f"{item['kind']} {item['key']} at scale {item['scale']:g} ({item['load']} into {record.key})",
            )
        images = generate(ctx, pipeline, seeds=seeds, call_kwargs=call_kwargs, steps=params["steps"])
    return images, loaded, [{k: v for k, v in item.items() if k != "load"} for item in applied]


def _text_kwargs(ctx: RunContext, params: dict[str, Any], adapters: Adapters | None = None) -> dict[str, Any]:
    return {
        "prompt": with_trigger_words(ctx.prompt, adapters) if adapters else ctx.prompt,
        "negative_prompt": params.get("negative_prompt"),
        "num_inference_steps": params["steps"],
        "guidance_scale": params["guidance"],
    }


def _text_to_image(ctx: RunContext) -> list[RunOutput]:
    record, params = _resolve(ctx)
    adapters = _adapters(ctx, record, params)
    seeds = [params["seed"]]
    kwargs = {**_text_kwargs(ctx, params, adapters), "width": params["width"], "height": params["height"]}
    images, loaded, applied = _pipeline_run(ctx, "text_to_image", seeds, kwargs, params, record, adapters)
    return _outputs(images, seeds, record, loaded, params, applied)


def _image_to_image(ctx: RunContext) -> list[RunOutput]:
    record, params = _resolve(ctx)
    adapters = _adapters(ctx, record, params)
    source = _working_image(ctx.source().image)
    seeds = [params["seed"]]
    kwargs = {**_text_kwargs(ctx, params, adapters), "image": source, "strength": params["strength"]}
    images, loaded, applied = _pipeline_run(ctx, "image_to_image", seeds, kwargs, params, record, adapters)
    return _outputs(images, seeds, record, loaded, params, applied)


def _style_transfer(ctx: RunContext) -> list[RunOutput]:
    """The source re-rendered in a style: low-strength image-to-image (the structure stays) with the
    workspace's style adapter and/or a style reference image through an IP-Adapter."""
    record, params = _resolve(ctx)
    adapters = _adapters(ctx, record, params)
    source = _working_image(ctx.source().image)
    reference = ctx.style()
    seeds = [params["seed"]]
    kwargs = {**_text_kwargs(ctx, params, adapters), "image": source, "strength": params["strength"]}
    if adapters.ip_adapter is not None:
        if reference is None:
            raise PermanentJobError("invalid_params", "an IP-Adapter needs a style reference image")
        kwargs["ip_adapter_image"] = ImageOps.exif_transpose(reference.image).convert("RGB")
    images, loaded, applied = _pipeline_run(ctx, "image_to_image", seeds, kwargs, params, record, adapters)
    return _outputs(images, seeds, record, loaded, params, applied)


def _inpaint(ctx: RunContext) -> list[RunOutput]:
    record, params = _resolve(ctx)
    original = ImageOps.exif_transpose(ctx.source().image).convert("RGB")
    source = _working_image(original)
    mask_input = ctx.mask()
    if mask_input is None:
        raise PermanentJobError("invalid_params", "inpaint needs a mask input")
    mask = _working_mask(mask_input.image, source.size)
    if mask.getbbox() is None:
        raise PermanentJobError("empty_mask", "the mask has no white pixels: nothing to inpaint")
    seeds = [params["seed"]]
    kwargs = {
        **_text_kwargs(ctx, params),
        "image": source,
        "mask_image": mask,
        "strength": params["strength"],
        "width": source.width,
        "height": source.height,
    }
    images, loaded, _ = _pipeline_run(ctx, "inpainting", seeds, kwargs, params, record)
    # Only the masked area may change: paste the generated pixels into the full-resolution original through
    # a slightly feathered mask, so everything outside it keeps its exact original pixels.
    hard = _working_mask(mask_input.image, original.size)
    feathered = hard.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(1))
    # The feather never reaches further than 4 px from the mask: beyond that the pixels are the original's.
    bound = hard.filter(ImageFilter.MaxFilter(9))
    blend = ImageChops.lighter(ImageChops.multiply(feathered, bound), hard)
    composited = [
        Image.composite(image.resize(original.size, Image.Resampling.LANCZOS), original, blend)
        for image in images
    ]
    return _outputs(composited, seeds, record, loaded, params)


def _variants(ctx: RunContext) -> list[RunOutput]:
    record, params = _resolve(ctx)
    seeds = [(params["seed"] + i) % (SEED_MAX + 1) for i in range(params["count"])]
    kwargs = _text_kwargs(ctx, params)
    if ctx.inputs:
        task = "image_to_image"
        kwargs |= {"image": _working_image(ctx.source().image), "strength": params["strength"]}
    else:
        task = "text_to_image"
        kwargs |= {"width": params["width"], "height": params["height"]}
    images, loaded, _ = _pipeline_run(ctx, task, seeds, kwargs, params, record)
    return _outputs(images, seeds, record, loaded, params)


def _upscale_x4(ctx: RunContext) -> list[RunOutput]:
    record, params = _resolve(ctx)
    source = ImageOps.exif_transpose(ctx.source().image).convert("RGB")
    if max(source.size) > UPSCALE_X4_MAX_INPUT_SIDE:
        raise PermanentJobError(
            "input_too_large", f"upscale_x4 takes sources up to {UPSCALE_X4_MAX_INPUT_SIDE} px"
        )
    seeds = [params["seed"]]
    kwargs = {**_text_kwargs(ctx, params), "image": source, "noise_level": params["noise_level"]}
    images, loaded, _ = _pipeline_run(ctx, "upscaling", seeds, kwargs, params, record)
    return _outputs(images, seeds, record, loaded, params)


SOURCE = InputSpec("source", description="the image to work on")
MASK = InputSpec("mask", description="white where the image may change, black where it must not")


def _register(
    name: str,
    description: str,
    run: Callable[[RunContext], list[RunOutput]],
    *,
    inputs: tuple[InputSpec, ...] = (),
    prompt: str = "required",
    **properties: Any,
) -> Operation:
    return register(
        Operation(
            name=name,
            kind="generative",
            queue="gpu",
            description=description,
            params_schema=_schema(**properties),
            run=run,
            inputs=inputs,
            prompt=prompt,  # type: ignore[arg-type]
            extra_validation=_validator(name),
            complete_params=_completer(name),
        )
    )


text_to_image = _register(
    "text_to_image",
    "Generate an image from the prompt, optionally in the workspace's brand style (params.style).",
    _text_to_image,
    width=_SIDE,
    height=_SIDE,
    **_STYLE,
)
image_to_image = _register(
    "image_to_image",
    "Re-imagine the source after the prompt; strength 0..1 is how far it may move from the source.",
    _image_to_image,
    inputs=(SOURCE,),
    strength=_STRENGTH,
    **_STYLE,
)
style_transfer = _register(
    "style_transfer",
    "Re-render the source in a style: a style adapter of the workspace (params.style) and/or a style "
    "reference image (second input, through a registered IP-Adapter). Low-strength image-to-image keeps "
    "the source's structure; strength 0..1 is how far it may move. The prompt is optional.",
    _style_transfer,
    inputs=(
        SOURCE,
        InputSpec("style", required=False, description="optional: an image whose style the output takes"),
    ),
    prompt="optional",
    strength=_STRENGTH,
    ip_adapter={"type": "string", "maxLength": 100, "description": "An IP-Adapter's key; else the default."},
    ip_adapter_scale={"type": "number", "minimum": 0, "maximum": 1},
    **_STYLE,
)
inpaint = _register(
    "inpaint",
    "Repaint the masked area after the prompt; pixels outside the mask are kept exactly.",
    _inpaint,
    inputs=(SOURCE, MASK),
    strength=_STRENGTH,
)
variants = _register(
    "variants",
    "N variants in one batch (seeds seed, seed+1, ...), from the prompt or from a source, for A/B tests.",
    _variants,
    inputs=(InputSpec("source", required=False, description="optional: vary this image"),),
    count={"type": "integer", "minimum": 2, "maximum": 8, "default": 4},
    width=_SIDE,
    height=_SIDE,
    strength=_STRENGTH,
)
upscale_x4 = _register(
    "upscale_x4",
    f"Text-guided x4 super-resolution (sources up to {UPSCALE_X4_MAX_INPUT_SIDE} px).",
    _upscale_x4,
    inputs=(SOURCE,),
    prompt="optional",
    noise_level={"type": "integer", "minimum": 0, "maximum": 350},
)
