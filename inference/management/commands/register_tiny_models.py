"""Build tiny random-weight pipelines and register them, so generative operations run on a machine that
cannot download real weights (the embedded demo, CI). Their outputs are noise, by design."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference import registry
from inference.models import ModelRecord

KEYS = {
    "text_to_image": "tiny-sd",
    "image_to_image": "tiny-img2img",
    "inpainting": "tiny-inpaint",
    "upscaling": "tiny-upscaler",
}


class Command(BaseCommand):
    help = "Build tiny random-weight diffusers models under a model root and register them (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--root", help="folder to build into (default: the first of PHOTAI_MODEL_ROOTS)")

    def handle(self, *args: Any, **options: Any) -> None:
        from fixtures.tiny_models import build_tiny_pipeline  # torch and diffusers: only for this command

        root = Path(options["root"] or settings.INFERENCE_MODEL_ROOTS[0])
        if registry.allowed_local_path(str(root)) is None:
            raise CommandError(f"{root} is not inside PHOTAI_MODEL_ROOTS ({settings.INFERENCE_MODEL_ROOTS})")
        for task, key in KEYS.items():
            folder = root / key
            if not (folder / "model_index.json").is_file():
                build_tiny_pipeline(task, folder)
            _, created = ModelRecord.objects.update_or_create(
                key=key,
                defaults={
                    "name": f"Tiny random-weight {task} (demo/testing only)",
                    "local_path": str(folder.resolve()),
                    "hub_repo_id": "",
                    "revision": "tiny-1",
                    "pipeline_task": task,
                    "licence_id": "apache-2.0",
                    "commercial_use_allowed": True,
                    "licence_notes": "Random weights built by fixtures/tiny_models.py; no training data.",
                    "default_params": {"steps": 4, "width": 256, "height": 256},
                },
            )
            self.stdout.write(f"{'registered' if created else 'updated'} {key} at {folder}")
        self._register_adapters(root)
        self.stdout.write(
            "Use them with params.model, or make them the defaults: "
            "PHOTAI_DEFAULT_MODELS=text_to_image=tiny-sd,image_to_image=tiny-sd,variants=tiny-sd,"
            "inpaint=tiny-inpaint,upscale_x4=tiny-upscaler,style_transfer=tiny-sd"
        )

    def _register_adapters(self, root: Path) -> None:
        """A tiny style (LoRA) for tiny-sd and a tiny segmentation model, shared by every workspace."""
        from fixtures.tiny_models import LORA_WEIGHT_NAME, build_tiny_lora, build_tiny_segmentation
        from inference import pipelines

        lora = root / "tiny-style"
        if not (lora / LORA_WEIGHT_NAME).is_file():
            build_tiny_lora(root / KEYS["text_to_image"], lora)
        matting = root / "tiny-matting"
        if not (matting / "config.json").is_file():
            build_tiny_segmentation(matting)
        common = {
            "hub_repo_id": "",
            "revision": "tiny-1",
            "pipeline_task": "",
            "licence_id": "apache-2.0",
            "commercial_use_allowed": True,
            "licence_notes": "Random weights built by fixtures/tiny_models.py; no training data.",
        }
        style, created = ModelRecord.objects.update_or_create(
            key="tiny-style",
            defaults={
                **common,
                "name": "Tiny random-weight style LoRA (demo/testing only)",
                "kind": "lora",
                "local_path": str(lora.resolve()),
                "weight_name": LORA_WEIGHT_NAME,
                "weights_hash": pipelines.file_digest(lora / LORA_WEIGHT_NAME),
                "trigger_words": ["tinystyle"],
            },
        )
        style.base_models.set(ModelRecord.objects.filter(key=KEYS["text_to_image"]))
        self.stdout.write(f"{'registered' if created else 'updated'} tiny-style at {lora}")
        _, created = ModelRecord.objects.update_or_create(
            key="tiny-matting",
            defaults={
                **common,
                "name": "Tiny random-weight Segformer (demo/testing only)",
                "kind": "segmentation",
                "local_path": str(matting.resolve()),
                "weights_hash": pipelines.weights_hash(matting),
            },
        )
        self.stdout.write(f"{'registered' if created else 'updated'} tiny-matting at {matting}")
