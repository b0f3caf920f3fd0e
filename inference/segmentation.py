"""Segmentation models for background removal: transformers architectures only, safetensors only.

A registered segmentation model is a ``save_pretrained`` folder (config.json, preprocessor_config.json,
model.safetensors). Architectures that need ``trust_remote_code`` (a config with ``auto_map``) are refused
at registration and at load: their Python would run on the worker. The background is every label the
record names in ``default_params.background_labels`` (default: a label called "background").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference.choices import SEGMENTATION_ARCHITECTURES
from inference.errors import PermanentJobError

if TYPE_CHECKING:
    from inference.models import ModelRecord

# Architectures whose output is one mask per query (post-processed into per-class probabilities).
_UNIVERSAL = {"mask2former", "maskformer"}


class SegmentationFolderError(ValueError):
    """A folder that does not hold a loadable native segmentation model."""


def inspect_folder(folder: Path, background_labels: list[str] | None = None) -> dict[str, Any]:
    """The facts of a segmentation folder (architecture, labels, background ids); raises
    SegmentationFolderError saying what is wrong."""
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise SegmentationFolderError("no config.json: not a transformers model folder")
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise SegmentationFolderError(f"config.json cannot be read: {exc}") from exc
    if config.get("auto_map") or config.get("trust_remote_code"):
        raise SegmentationFolderError(
            "this model needs trust_remote_code (its config maps to code shipped with the weights); "
            "only architectures native to transformers are loaded"
        )
    architecture = str(config.get("model_type", ""))
    if architecture not in SEGMENTATION_ARCHITECTURES:
        raise SegmentationFolderError(
            f"model_type {architecture!r} is not a native segmentation architecture "
            f"({', '.join(sorted(SEGMENTATION_ARCHITECTURES))})"
        )
    if not any(folder.glob("*.safetensors")):
        raise SegmentationFolderError("no .safetensors weights (pickled weights are never loaded)")
    if not (folder / "preprocessor_config.json").is_file():
        raise SegmentationFolderError("no preprocessor_config.json (save the image processor with the model)")
    labels = {int(k): str(v) for k, v in (config.get("id2label") or {}).items()}
    wanted = {name.lower() for name in (background_labels or ["background"])}
    background = sorted(i for i, name in labels.items() if name.lower() in wanted)
    if not background:
        raise SegmentationFolderError(
            f"no background label: none of {sorted(wanted)} is among its labels {sorted(labels.values())}; "
            "name them in default_params.background_labels"
        )
    if len(background) == len(labels):
        raise SegmentationFolderError("every label is background: nothing would be kept")
    return {"architecture": architecture, "labels": labels, "background_ids": background}


@dataclass
class SegmentationModel:
    """A loaded segmentation model with its image processor and which classes are background."""

    model: Any
    processor: Any
    architecture: str
    background_ids: list[int]
    device: str

    @property
    def components(self) -> dict[str, Any]:
        return {"model": self.model}

    def foreground_probability(self, rgb: Any) -> Any:
        """P(not background) per pixel of the RGB uint8 array ``rgb`` (float32, its height x width).

        The processor resizes to the model's input size, so the network's cost does not grow with the
        photo; only the final upsampling is per pixel."""
        import numpy as np
        import torch

        inputs = self.processor(images=rgb, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items() if hasattr(v, "to")}
        with torch.inference_mode():
            outputs = self.model(**inputs)
            if self.architecture in _UNIVERSAL:
                classes = outputs.class_queries_logits.softmax(dim=-1)[..., :-1]  # drop the "no object" class
                masks = outputs.masks_queries_logits.sigmoid()
                probabilities = torch.einsum("bqc,bqhw->bchw", classes, masks)
                probabilities = probabilities / probabilities.sum(dim=1, keepdim=True).clamp_min(1e-6)
            else:
                probabilities = outputs.logits.softmax(dim=1)
            probabilities = torch.nn.functional.interpolate(
                probabilities.float(), size=rgb.shape[:2], mode="bilinear", align_corners=False
            )
            background = probabilities[0, self.background_ids].sum(dim=0)
        return np.clip(1.0 - background.cpu().numpy(), 0.0, 1.0).astype(np.float32)


def load_segmentation(record: ModelRecord, folder: Path, *, device: str) -> SegmentationModel:
    """Load ``record`` from ``folder`` with transformers' own classes (never remote code)."""
    from transformers import (
        AutoImageProcessor,
        AutoModelForSemanticSegmentation,
        AutoModelForUniversalSegmentation,
    )

    labels = (record.default_params or {}).get("background_labels")
    try:
        facts = inspect_folder(folder, labels if isinstance(labels, list) else None)
    except SegmentationFolderError as exc:
        raise PermanentJobError("model_load_failed", f"segmentation model {record.key}: {exc}") from exc
    loader = (
        AutoModelForUniversalSegmentation
        if facts["architecture"] in _UNIVERSAL
        else AutoModelForSemanticSegmentation
    )
    try:
        model = loader.from_pretrained(str(folder), use_safetensors=True, trust_remote_code=False)
        processor = AutoImageProcessor.from_pretrained(str(folder), trust_remote_code=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PermanentJobError(
            "model_load_failed", f"segmentation model {record.key} cannot be loaded: {exc}"
        ) from exc
    model.to(device).eval()
    return SegmentationModel(
        model=model,
        processor=processor,
        architecture=facts["architecture"],
        background_ids=facts["background_ids"],
        device=device,
    )
