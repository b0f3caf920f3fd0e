"""``restore``: classical restoration on the ``cpu`` queue, with optional model stages.

The classical stages (:mod:`inference.restoration`) need no weights. When the job names them, a diffusion
refinement (low-strength image-to-image on a registered base model) and the x4 upscaler run after them;
the output is then AI-edited content, and provenance and licences say so. Every stage goes into the job
log and into the output's details, from which the manifest builder writes one C2PA action per stage.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from PIL import Image, ImageOps

from inference import pipelines, registry
from inference.catalog import InputSpec, Operation, register
from inference.choices import PipelineTask
from inference.context import ModelInfo, RunContext, RunOutput
from inference.errors import PermanentJobError
from inference.operations.classical import output_format_for
from inference.operations.generative import (
    SEED_MAX,
    UPSCALE_X4_MAX_INPUT_SIDE,
    generate,
    working_size,
)

if TYPE_CHECKING:
    from inference.models import ModelRecord
    from inference.restoration import Stage
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.models import Workspace

DEFAULT_REFINE_PROMPT = "a clean, sharp, restored photograph"
REFINE_TASKS = (PipelineTask.TEXT_TO_IMAGE, PipelineTask.IMAGE_TO_IMAGE)
UPSCALE_TASKS = (PipelineTask.UPSCALING,)


def _errors(
    params: dict[str, Any], inputs: Sequence[Asset], prompt: str, workspace: Workspace | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    source = inputs[0] if inputs else None
    if source is not None and source.width * source.height > settings.INFERENCE_RESTORE_MAX_PIXELS:
        errors["inputs"] = [
            f"restore takes photos up to {settings.INFERENCE_RESTORE_MAX_PIXELS} pixels "
            f"(this one is {source.width}x{source.height}); resize it first"
        ]
    for param, tasks in (("refine_model", REFINE_TASKS), ("upscale_model", UPSCALE_TASKS)):
        key = params.get(param)
        if key:
            problems = registry.reference_errors(param, key, workspace, tasks=tasks)
            if problems:
                errors[param] = problems
    if params.get("upscale_model") and source is not None:
        side = max(source.width, source.height)
        if params.get("refine_model"):
            side = max(working_size(source.width, source.height))
        if side > UPSCALE_X4_MAX_INPUT_SIDE:
            errors.setdefault("upscale_model", []).append(
                f"the x4 upscaler takes images up to {UPSCALE_X4_MAX_INPUT_SIDE} px on the longest side "
                f"(this one is {side} px); resize it first"
            )
        elif source.width * source.height * 16 > settings.INFERENCE_MAX_OUTPUT_PIXELS:
            errors.setdefault("upscale_model", []).append("the x4 output would exceed the output pixel limit")
    return errors


def _makes_ai_content(params: dict[str, Any]) -> bool:
    return bool(params.get("refine_model") or params.get("upscale_model"))


def _model_stage(
    ctx: RunContext,
    key: str,
    tasks: tuple[str, ...],
    task: str,
    kwargs: dict[str, Any],
    steps: int,
) -> tuple[Image.Image, ModelRecord, ModelInfo]:
    param = "refine_model" if task == "image_to_image" else "upscale_model"
    problems = registry.reference_errors(param, key, ctx.workspace_id, tasks=tasks)
    record = registry.usable_model(key, ctx.workspace_id)
    if problems or record is None:
        raise PermanentJobError("model_unavailable", "; ".join(problems))
    with pipelines.pipeline_for(record) as loaded:
        ctx.check_cancelled()
        pipeline = loaded.for_task(task)
        # A refinement or upscale never runs with a style left active by another job on the same base.
        loaded.apply_adapters(pipeline, [], None)
        (image,) = generate(ctx, pipeline, seeds=[kwargs.pop("seed")], call_kwargs=kwargs, steps=steps)
    info = registry.model_info(record, revision=loaded.resolved_revision, weights_hash=loaded.weights_hash)
    return image, record, info


def _restore(ctx: RunContext) -> list[RunOutput]:
    import numpy as np

    from inference.restoration import Deadline, Options, deadline_check, restore  # numpy and OpenCV

    source = ctx.source()
    upright = ImageOps.exif_transpose(source.image)
    upright = upright if upright is not None else source.image
    alpha = upright.getchannel("A") if "A" in upright.getbands() else None
    rgb = np.asarray(upright.convert("RGB"))
    # The JPEG tables of the file as uploaded tell how hard it was compressed (EXIF rotation keeps them).
    quantization = getattr(source.image, "quantization", None) if source.mime_type == "image/jpeg" else None
    params = ctx.params
    options = Options(
        deblock=params["deblock"],
        scratches=params["scratches"],
        denoise=params["denoise"],
        white_balance=params["white_balance"],
        contrast=params["contrast"],
    )
    steps_done = [0]
    total = sum(
        [options.deblock, options.scratches, options.denoise > 0, options.white_balance, options.contrast]
    )

    def report(stage: Stage) -> None:
        steps_done[0] += 1
        detail = ", ".join(f"{k}={v}" for k, v in stage.parameters.items() if not isinstance(v, list | dict))
        ctx.progress(
            5 + int(60 * steps_done[0] / max(1, total)),
            f"{stage.name}: {stage.description}" + (f" ({detail})" if detail else ""),
        )

    try:
        restored, stages = restore(
            rgb,
            quantization=quantization,
            options=options,
            check=deadline_check(ctx.check_cancelled, ctx.deadline),
            report=report,
        )
    except Deadline:
        raise PermanentJobError(
            "timeout",
            f"restoring this photo took longer than the job time limit ({settings.JOB_TIME_LIMIT_S} s)",
        ) from None
    details: dict[str, Any] = {"stages": [s.as_detail() for s in stages if s.applied]}
    details["skipped"] = [s.name for s in stages if not s.applied]
    image = Image.fromarray(restored)
    model_info: ModelInfo | None = None
    seed: int | None = None
    if _makes_ai_content(params):
        seed = params.get("seed")
        seed = secrets.randbelow(SEED_MAX + 1) if seed is None else seed
        prompt = ctx.prompt.strip() or DEFAULT_REFINE_PROMPT
        if params.get("refine_model"):
            work = image.resize(working_size(*image.size), Image.Resampling.LANCZOS)
            # Image-to-image runs strength x steps denoising steps: at least one, whatever was asked.
            refine_steps = max(params["refine_steps"], math.ceil(1 / params["refine_strength"]))
            ctx.progress(
                70, f"refinement: {params['refine_model']} at strength {params['refine_strength']:g}"
            )
            refined, record, model_info = _model_stage(
                ctx,
                params["refine_model"],
                REFINE_TASKS,
                "image_to_image",
                {
                    "prompt": prompt,
                    "image": work,
                    "strength": params["refine_strength"],
                    "num_inference_steps": refine_steps,
                    "guidance_scale": 5.0,
                    "seed": seed,
                },
                refine_steps,
            )
            # Back to the restored photo's size only when no upscale follows (the upscaler takes it small).
            image = (
                refined
                if params.get("upscale_model")
                else refined.resize(image.size, Image.Resampling.LANCZOS)
            )
            details["stages"].append(
                _ai_stage("refine", "c2pa.edited", record, model_info, params["refine_strength"])
            )
        if params.get("upscale_model"):
            ctx.progress(80, f"x4 upscale: {params['upscale_model']}")
            upscaled, record, model_info = _model_stage(
                ctx,
                params["upscale_model"],
                UPSCALE_TASKS,
                "upscaling",
                {
                    "prompt": prompt,
                    "image": image.convert("RGB"),
                    "noise_level": 20,
                    "num_inference_steps": params["refine_steps"],
                    "guidance_scale": 9.0,
                    "seed": seed,
                },
                params["refine_steps"],
            )
            image = upscaled
            details["stages"].append(_ai_stage("upscale_x4", "c2pa.resized", record, model_info, None))
        alpha = alpha.resize(image.size, Image.Resampling.LANCZOS) if alpha is not None else None
        details["seed"] = seed
    if alpha is not None:
        image.putalpha(alpha)
    ctx.progress(
        90, "restored: " + (", ".join(s["stage"] for s in details["stages"]) or "nothing to correct")
    )
    # The source's format (a restored JPEG stays a JPEG, at a quality that adds no new artefacts).
    fmt = "PNG" if alpha is not None else output_format_for(source.mime_type)
    return [
        RunOutput(
            image=image,
            format=fmt,
            quality=95 if fmt != "PNG" else None,
            model=model_info,
            seed=seed,
            kind="generative" if model_info is not None else None,
            details=details,
        )
    ]


def _ai_stage(
    name: str, action: str, record: ModelRecord, info: ModelInfo, strength: float | None
) -> dict[str, Any]:
    return {
        "stage": name,
        "action": action,
        "description": f"{name} with {record.key}",
        "parameters": {
            "model": record.key,
            "weights_hash": info.weights_hash,
            **({"strength": strength} if strength is not None else {}),
        },
        "ai": True,
    }


restore_operation = register(
    Operation(
        name="restore",
        kind="classical",
        queue="cpu",
        description="Restore an old or damaged photo: JPEG deblocking, dust and scratch removal, non-local "
        "means denoising; automatic white balance and contrast on request; optionally a low-strength "
        "diffusion refinement (refine_model) and the x4 upscaler (upscale_model). Each stage is recorded.",
        inputs=(InputSpec("source", description="the photo to restore"),),
        prompt="optional",
        params_schema={
            "type": "object",
            "properties": {
                "deblock": {"type": "boolean", "default": True, "description": "JPEG-artefact reduction."},
                "scratches": {"type": "boolean", "default": True, "description": "Dust and scratch removal."},
                "denoise": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 3,
                    "default": 1.0,
                    "description": "Denoising strength (0: off; 1: as measured).",
                },
                "white_balance": {
                    "type": "boolean",
                    "default": False,
                    "description": "Automatic (grey-edge) white balance when a strong cast is found.",
                },
                "contrast": {
                    "type": "boolean",
                    "default": False,
                    "description": "Stretch a faded photo's range.",
                },
                "refine_model": {
                    "type": "string",
                    "maxLength": 100,
                    "description": "A base model for a low-strength diffusion refinement after the stages.",
                },
                "refine_strength": {"type": "number", "minimum": 0.05, "maximum": 0.5, "default": 0.2},
                "refine_steps": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                "upscale_model": {
                    "type": "string",
                    "maxLength": 100,
                    "description": "An upscaling model: the result is made 4x larger (sources up to 512 px).",
                },
                "seed": {"type": "integer", "minimum": 0, "maximum": SEED_MAX},
            },
            "additionalProperties": False,
        },
        run=_restore,
        extra_validation=_errors,
        generative_when=_makes_ai_content,
    )
)
