"""Choices of the model registry."""

from __future__ import annotations

from django.db import models


class PipelineTask(models.TextChoices):
    TEXT_TO_IMAGE = (
        "text_to_image",
        "Text to image",
    )  # a base checkpoint; also serves image-to-image and variants
    IMAGE_TO_IMAGE = "image_to_image", "Image to image"  # a checkpoint meant for image-to-image (refiners)
    INPAINTING = "inpainting", "Inpainting"  # a checkpoint trained with masks (9-channel UNet)
    UPSCALING = "upscaling", "Upscaling"  # a text-guided super-resolution model (x4 upscaler)


class ModelKind(models.TextChoices):
    BASE = "base", "Base model"  # a diffusers pipeline (checkpoint) that runs on its own
    LORA = "lora", "LoRA adapter"  # low-rank weights loaded into a base model's UNet (a brand style)
    IP_ADAPTER = "ip_adapter", "IP-Adapter"  # image-prompt weights + image encoder: a style reference image
    SEGMENTATION = "segmentation", "Segmentation model"  # a transformers semantic-segmentation model


# Kinds that are loaded into a base pipeline rather than run on their own.
ADAPTER_KINDS = frozenset({ModelKind.LORA, ModelKind.IP_ADAPTER})
# Kinds a workspace may own (a brand's style or matting model must not leak to another workspace).
OWNABLE_KINDS = frozenset({ModelKind.LORA, ModelKind.IP_ADAPTER, ModelKind.SEGMENTATION})
# transformers architectures loaded for background removal: native code only (never trust_remote_code).
SEGMENTATION_ARCHITECTURES = frozenset(
    {"segformer", "dpt", "mask2former", "maskformer", "upernet", "beit", "mobilevit", "mobilevitv2"}
)


class Dtype(models.TextChoices):
    AUTO = "auto", "Auto"  # bf16 on GPUs that support it, else fp16; always fp32 on CPU
    FLOAT32 = "float32", "float32"  # full precision everywhere
    FLOAT16 = "float16", "float16"  # half precision on GPU (fp32 on CPU)
    BFLOAT16 = "bfloat16", "bfloat16"  # bfloat16 on GPU (fp32 on CPU)


# Which model tasks each generative operation can run on. A base text-to-image checkpoint serves
# image-to-image and inpainting too (diffusers shares its components through ``from_pipe``).
TASKS_FOR_OPERATION: dict[str, tuple[str, ...]] = {
    "text_to_image": (PipelineTask.TEXT_TO_IMAGE,),
    "variants": (PipelineTask.TEXT_TO_IMAGE, PipelineTask.IMAGE_TO_IMAGE),
    "image_to_image": (PipelineTask.TEXT_TO_IMAGE, PipelineTask.IMAGE_TO_IMAGE),
    "inpaint": (PipelineTask.INPAINTING, PipelineTask.TEXT_TO_IMAGE),
    "upscale_x4": (PipelineTask.UPSCALING,),
    "style_transfer": (PipelineTask.TEXT_TO_IMAGE, PipelineTask.IMAGE_TO_IMAGE),
}
