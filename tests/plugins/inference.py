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
        "style_transfer": "tiny-sd",
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


@pytest.fixture(scope="session")
def tiny_adapter_folders(tiny_model_root: Path) -> dict[str, Path]:
    """A tiny LoRA (two), IP-Adapter and Segformer for the tiny models, built once per session."""
    from fixtures.tiny_models import build_adapters

    return build_adapters(tiny_model_root)


@pytest.fixture
def tiny_adapters(
    tiny_models: dict[str, Any], tiny_adapter_folders: dict[str, Path], workspace: Any
) -> dict[str, Any]:
    """Registry entries for them: ``acme-style`` (a LoRA of workspace acme, trigger word "acmestyle"),
    ``shared-style`` (a LoRA every workspace may use), ``tiny-ip-adapter`` (shared) and
    ``acme-matting`` (acme's segmentation model). Weights hashes as registration computes them."""
    from fixtures.tiny_models import IP_ADAPTER_WEIGHT_NAME, LORA_WEIGHT_NAME
    from inference import pipelines
    from inference.models import ModelRecord

    base = tiny_models["tiny-sd"]

    def adapter(key: str, kind: str, folder: Path, weight_name: str, **fields: Any) -> Any:
        record = ModelRecord.objects.create(
            key=key,
            name=key,
            kind=kind,
            local_path=str(folder),
            revision="test-1",
            weight_name=weight_name,
            weights_hash=pipelines.file_digest(folder / weight_name),
            licence_id="apache-2.0",
            commercial_use_allowed=True,
            **fields,
        )
        record.base_models.set([base])
        return record

    return {
        "acme-style": adapter(
            "acme-style",
            "lora",
            tiny_adapter_folders["lora"],
            LORA_WEIGHT_NAME,
            workspace=workspace,
            trigger_words=["acmestyle"],
        ),
        "shared-style": adapter("shared-style", "lora", tiny_adapter_folders["lora-2"], LORA_WEIGHT_NAME),
        "tiny-ip-adapter": adapter(
            "tiny-ip-adapter", "ip_adapter", tiny_adapter_folders["ip_adapter"], IP_ADAPTER_WEIGHT_NAME
        ),
        "acme-matting": ModelRecord.objects.create(
            key="acme-matting",
            name="Acme matting",
            kind="segmentation",
            local_path=str(tiny_adapter_folders["segmentation"]),
            revision="test-1",
            weights_hash=pipelines.weights_hash(tiny_adapter_folders["segmentation"]),
            licence_id="apache-2.0",
            commercial_use_allowed=True,
            workspace=workspace,
        ),
    }
