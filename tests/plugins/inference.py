"""Tiny random-weight diffusers models for the inference tests, registered as local ModelRecords.

The folders are built once per session (``save_pretrained``) and loaded by the production loader.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.tiny_models import build_all

TINY_KEYS = {
    "text_to_image": "tiny-sd",
    "image_to_image": "tiny-img2img",
    "inpainting": "tiny-inpaint",
    "upscaling": "tiny-upscaler",
}


@pytest.fixture(scope="session")
def tiny_model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_all(root)
    return root


@pytest.fixture
def tiny_models(db: None, settings: Any, tiny_model_root: Path) -> Iterator[dict[str, Any]]:
    """ModelRecords for the tiny pipelines; every generative operation's default model is one of them."""
    from inference.models import ModelRecord

    settings.INFERENCE_MODEL_ROOTS = [str(tiny_model_root)]
    # Tiny models gain nothing from more threads, and the test machine's cores are shared.
    settings.INFERENCE_CPU_THREADS = 1
    settings.INFERENCE_DEFAULT_MODELS = {
        "text_to_image": "tiny-sd",
        "image_to_image": "tiny-sd",
        "variants": "tiny-sd",
        "inpaint": "tiny-inpaint",
        "upscale_x4": "tiny-upscaler",
    }
    records = {
        key: ModelRecord.objects.create(
            key=key,
            name=f"Tiny {task}",
            local_path=str(tiny_model_root / f"tiny-{task}"),
            revision="test-1",
            pipeline_task=task,
            licence_id="apache-2.0",
            commercial_use_allowed=True,
            default_params={"steps": 2, "width": 256, "height": 256},
        )
        for task, key in TINY_KEYS.items()
    }
    yield records
