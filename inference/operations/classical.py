"""Classical operations: CPU only, no model weights, fully offline."""

from __future__ import annotations

from PIL import Image, ImageOps

from inference.catalog import InputSpec, Operation, register
from inference.context import RunContext, RunOutput

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
