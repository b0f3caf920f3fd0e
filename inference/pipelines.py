"""Loading diffusers pipelines, and the per-process cache that keeps them warm between jobs.

The cache is an LRU keyed by (model, revision, dtype, device) with a memory budget: the second job on a
model pays no load. torch and diffusers are imported inside the functions, so importing this module costs
nothing in the web process.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from inference.choices import Dtype, ModelKind, PipelineTask
from inference.errors import PermanentJobError, TransientJobError
from inference.registry import allowed_local_path
from inference.segmentation import load_segmentation

if TYPE_CHECKING:
    from inference.models import ModelRecord

logger = logging.getLogger(__name__)

CPU_DEFAULT_BUDGET_MB = 8 * 1024
GPU_BUDGET_FRACTION = 0.85
# Files whose bytes define what a model computes; the weights hash covers these and nothing else.
_HASHED_SUFFIXES = {".safetensors", ".bin", ".json", ".txt", ".model", ".ckpt", ".pt", ".pth", ".gguf"}


@dataclass(frozen=True)
class CacheKey:
    model: str  # the registry key plus its source, so editing a record's source never serves stale weights
    revision: str
    dtype: str
    device: str


@dataclass
class LoadedPipeline:
    """A pipeline in memory with what we learned loading it."""

    key: CacheKey
    pipeline: Any
    resolved_revision: str
    weights_hash: str
    size_bytes: int
    load_seconds: float
    # Diffusers pipelines keep per-call state (scheduler timesteps): one run at a time per pipeline.
    run_lock: threading.Lock = field(default_factory=threading.Lock)
    derived: dict[str, Any] = field(default_factory=dict)
    # LoRA adapters loaded into this base (peft adapter name -> record key), least recently used first.
    loras: OrderedDict[str, str] = field(default_factory=OrderedDict)
    # The IP-Adapter loaded into the UNet (its name) and the task pipeline that holds its image encoder.
    ip_adapter: str | None = None
    ip_adapter_pipeline: Any = None
    adapter_loads: int = 0
    adapter_load_seconds: float = 0.0

    def for_task(self, task: str) -> Any:
        """The same weights behind the pipeline class of ``task`` (diffusers ``from_pipe`` shares modules)."""
        if task not in self.derived:
            self.derived[task] = _derive(self.pipeline, task)
        return self.derived[task]

    def apply_adapters(
        self,
        pipeline: Any,
        loras: list[tuple[ModelRecord, float]],
        ip_adapter: ModelRecord | None = None,
        *,
        ip_adapter_scale: float = 0.6,
    ) -> list[dict[str, Any]]:
        """Make exactly ``loras`` (at their scales) and ``ip_adapter`` active on the warm base, without
        reloading it: a LoRA is loaded once (``load_lora_weights``) and later runs only switch
        (``set_adapters`` / ``disable_lora``). Call with the run lock held. Returns what was applied."""
        applied: list[dict[str, Any]] = []
        names: list[str] = []
        for record, scale in loras:
            name, how = self._ensure_lora(record)
            names.append(name)
            applied.append(_applied(record, scale, how))
        if names:
            self.pipeline.enable_lora()
            self.pipeline.set_adapters(names, adapter_weights=[scale for _, scale in loras])
        elif self.loras:
            self.pipeline.disable_lora()  # the base alone, with every loaded style kept for later jobs
        if ip_adapter is not None:
            how = self._ensure_ip_adapter(pipeline, ip_adapter)
            pipeline.set_ip_adapter_scale(ip_adapter_scale)
            applied.append(_applied(ip_adapter, ip_adapter_scale, how))
        elif self.ip_adapter is not None:
            # IP-Adapter attention expects an image on every call: take it out when a job has none.
            self.ip_adapter_pipeline.unload_ip_adapter()
            self.ip_adapter = self.ip_adapter_pipeline = None
        return applied

    def _ensure_lora(self, record: ModelRecord) -> tuple[str, str]:
        folder, weight_name, digest = adapter_weights(record)
        name = adapter_name(record, digest)
        if name in self.loras:
            self.loras.move_to_end(name)
            return name, "warm"
        while len(self.loras) >= settings.INFERENCE_MAX_LORAS_PER_PIPELINE:
            oldest, _ = self.loras.popitem(last=False)
            self.pipeline.delete_adapters(oldest)
        started = time.perf_counter()
        try:
            self.pipeline.load_lora_weights(str(folder), weight_name=weight_name, adapter_name=name)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise PermanentJobError(
                "adapter_load_failed", f"{record.kind} {record.key} cannot be loaded into this model: {exc}"
            ) from exc
        self._count_load(started)
        self.loras[name] = record.key
        return name, "loaded"

    def _ensure_ip_adapter(self, pipeline: Any, record: ModelRecord) -> str:
        folder, weight_name, digest = adapter_weights(record)
        name = adapter_name(record, digest)
        if self.ip_adapter == name and self.ip_adapter_pipeline is pipeline:
            return "warm"
        if self.ip_adapter is not None:
            self.ip_adapter_pipeline.unload_ip_adapter()
            self.ip_adapter = self.ip_adapter_pipeline = None
        subfolder, _, file_name = weight_name.rpartition("/")
        started = time.perf_counter()
        try:
            # The image encoder sits beside the weights (the h94/IP-Adapter layout: models/image_encoder).
            pipeline.load_ip_adapter(
                str(folder), subfolder=subfolder, weight_name=file_name, image_encoder_folder="image_encoder"
            )
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise PermanentJobError(
                "adapter_load_failed", f"ip_adapter {record.key} cannot be loaded into this model: {exc}"
            ) from exc
        self._count_load(started)
        self.ip_adapter, self.ip_adapter_pipeline = name, pipeline
        return "loaded"

    def _count_load(self, started: float) -> None:
        self.adapter_loads += 1
        self.adapter_load_seconds += time.perf_counter() - started


def _applied(record: ModelRecord, scale: float, how: str) -> dict[str, Any]:
    return {
        "key": record.key,
        "kind": record.kind,
        "name": record.name,
        "weights_hash": record.weights_hash,
        "licence": record.licence_id,
        "scale": scale,
        "load": how,
    }


def adapter_name(record: ModelRecord, digest: str) -> str:
    """The peft adapter name: the key and its weights, so a replaced file is never served stale."""
    return re.sub(r"\W", "_", record.key) + "_" + digest[:12]


def adapter_weights(record: ModelRecord) -> tuple[Path, str, str]:
    """(folder, weight name relative to it, sha256) of an adapter's weights, checked against the registry:
    safetensors only, and exactly the bytes that were registered."""
    weight_name = record.weight_name
    if not weight_name.endswith(".safetensors"):
        raise PermanentJobError("model_load_failed", f"{record.key}: only .safetensors weights are loaded")
    if record.is_local:
        folder = allowed_local_path(record.local_path)
        if folder is None:
            raise PermanentJobError(
                "model_path_not_allowed", f"model {record.key}: its folder is outside PHOTAI_MODEL_ROOTS"
            )
    else:
        patterns = [weight_name]
        if record.kind == ModelKind.IP_ADAPTER:
            # The image encoder sits beside the weights (models/image_encoder in the published layout).
            patterns.append(f"{weight_name.rpartition('/')[0] or '.'}/image_encoder/*".removeprefix("./"))
        folder = _download_files(record, patterns)
    path = folder / weight_name
    if not path.is_file():
        raise PermanentJobError(
            "model_not_found", f"{record.kind} {record.key}: no {weight_name} in {folder}"
        )
    digest = file_digest(path)
    if record.weights_hash and digest != record.weights_hash:
        raise PermanentJobError(
            "adapter_weights_changed",
            f"{record.kind} {record.key}: the weights on this worker are not the ones registered "
            f"(sha256 {digest[:12]}…, registered {record.weights_hash[:12]}…)",
        )
    return folder, weight_name, digest


def _download_files(record: ModelRecord, names: list[str]) -> Path:
    """The hub snapshot folder holding ``names`` of ``record``'s repository (downloaded when missing)."""
    from huggingface_hub import errors as hub_errors
    from huggingface_hub import snapshot_download

    try:
        return Path(
            snapshot_download(
                record.hub_repo_id, revision=record.revision or "main", allow_patterns=[*names, "*.json"]
            )
        )
    except (hub_errors.RepositoryNotFoundError, hub_errors.RevisionNotFoundError) as exc:
        raise PermanentJobError("model_not_found", f"model {record.key}: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise TransientJobError("model_download_failed", f"model {record.key}: {exc}") from exc


# --- device and dtype ---------------------------------------------------------------------------------


def resolve_device() -> str:
    import torch

    wanted = settings.INFERENCE_DEVICE
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if (
        wanted == "cpu"
        and settings.INFERENCE_CPU_THREADS
        and torch.get_num_threads() != settings.INFERENCE_CPU_THREADS
    ):
        torch.set_num_threads(settings.INFERENCE_CPU_THREADS)
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise PermanentJobError(
            "device_unavailable", f"PHOTAI_INFERENCE_DEVICE={wanted} but CUDA is not available"
        )
    return wanted


def resolve_dtype(wanted: str, device: str) -> Any:
    """fp32 on CPU (half precision there is slow or unsupported); on CUDA bf16 where supported, else fp16."""
    import torch

    if not device.startswith("cuda") or wanted == Dtype.FLOAT32:
        return torch.float32
    if wanted == Dtype.FLOAT16:
        return torch.float16
    if wanted == Dtype.BFLOAT16 or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


# --- loading ------------------------------------------------------------------------------------------


def resolve_source(record: ModelRecord) -> tuple[Path, str]:
    """The local folder holding ``record``'s weights (downloading them from the hub if needed) and the
    revision that folder is (the hub commit, or the record's label for a local folder)."""
    if record.is_local:
        folder = allowed_local_path(record.local_path)
        if folder is None:
            raise PermanentJobError(
                "model_path_not_allowed", f"model {record.key}: its folder is outside PHOTAI_MODEL_ROOTS"
            )
        if not (folder / "model_index.json").is_file():
            raise PermanentJobError(
                "model_not_found", f"model {record.key}: no diffusers pipeline at {folder}"
            )
        return folder, record.revision or "local"
    return _download(record)


def _download(record: ModelRecord) -> tuple[Path, str]:
    from diffusers import DiffusionPipeline
    from huggingface_hub import errors as hub_errors

    try:
        folder = Path(
            DiffusionPipeline.download(
                record.hub_repo_id,
                revision=record.revision or "main",
                variant=record.variant or None,
                use_safetensors=True,
            )
        )
    except (
        hub_errors.RepositoryNotFoundError,
        hub_errors.RevisionNotFoundError,
        hub_errors.GatedRepoError,
    ) as exc:
        raise PermanentJobError("model_not_found", f"model {record.key}: {exc}") from exc
    except (OSError, ValueError) as exc:
        from huggingface_hub import constants as hub_constants

        if hub_constants.HF_HUB_OFFLINE:
            # Offline by configuration (HF_HUB_OFFLINE=1) and not in the cache: waiting will not help.
            raise PermanentJobError(
                "model_not_downloaded", f"model {record.key} is not in this worker's cache and it is offline"
            ) from exc
        # Network trouble: another worker, or this one a little later, may succeed.
        raise TransientJobError("model_download_failed", f"model {record.key}: {exc}") from exc
    # The hub cache lays snapshots out as .../snapshots/<commit>: that commit is the revision that ran.
    return folder, folder.name


_LOADERS = {
    PipelineTask.TEXT_TO_IMAGE: "AutoPipelineForText2Image",
    PipelineTask.IMAGE_TO_IMAGE: "AutoPipelineForImage2Image",
    PipelineTask.INPAINTING: "AutoPipelineForInpainting",
    # No auto class for super-resolution: model_index.json names the pipeline class.
    PipelineTask.UPSCALING: "DiffusionPipeline",
}


def load_pipeline(record: ModelRecord, *, device: str, dtype: Any) -> tuple[Any, str, str]:
    """Load ``record`` with ``from_pretrained`` onto ``device``; returns (pipeline, revision, hash)."""
    import diffusers

    if record.kind == ModelKind.SEGMENTATION:
        return _load_segmentation(record, device=device)
    if record.kind != ModelKind.BASE:
        raise PermanentJobError("model_task_unsupported", f"{record.kind} {record.key} is not a base model")
    folder, revision = resolve_source(record)
    loader = getattr(diffusers, _LOADERS[PipelineTask(record.pipeline_task)])
    try:
        # safetensors only: a pickled checkpoint can run code on the worker when it is loaded.
        pipeline = loader.from_pretrained(
            str(folder), dtype=dtype, use_safetensors=True, variant=record.variant or None
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PermanentJobError("model_load_failed", f"model {record.key} cannot be loaded: {exc}") from exc
    pipeline.to(device)
    pipeline.set_progress_bar_config(disable=True)
    _use_sdpa(pipeline)
    return pipeline, revision, weights_hash(folder)


def _load_segmentation(record: ModelRecord, *, device: str) -> tuple[Any, str, str]:
    if record.is_local:
        folder = allowed_local_path(record.local_path)
        if folder is None:
            raise PermanentJobError(
                "model_path_not_allowed", f"model {record.key}: its folder is outside PHOTAI_MODEL_ROOTS"
            )
        revision = record.revision or "local"
    else:
        folder = _download_files(record, ["*.safetensors"])
        revision = folder.name
    digest = weights_hash(folder)
    if record.weights_hash and digest != record.weights_hash:
        raise PermanentJobError(
            "adapter_weights_changed",
            f"segmentation model {record.key}: the weights on this worker are not the ones registered",
        )
    return load_segmentation(record, folder, device=device), revision, digest


def _use_sdpa(pipeline: Any) -> None:
    import torch.nn.functional as F

    unet = getattr(pipeline, "unet", None)
    if unet is not None and hasattr(F, "scaled_dot_product_attention"):
        from diffusers.models.attention_processor import AttnProcessor2_0

        unet.set_attn_processor(AttnProcessor2_0())


def _derive(pipeline: Any, task: str) -> Any:
    import diffusers

    auto = {
        "text_to_image": diffusers.AutoPipelineForText2Image,
        "image_to_image": diffusers.AutoPipelineForImage2Image,
        "inpainting": diffusers.AutoPipelineForInpainting,
    }.get(task)
    if auto is None:
        return pipeline
    try:
        derived = auto.from_pipe(pipeline)
    except (ValueError, KeyError) as exc:
        raise PermanentJobError("model_task_unsupported", f"this model cannot run {task}: {exc}") from exc
    derived.set_progress_bar_config(disable=True)
    return derived


_hash_memo: dict[tuple[str, int, int], str] = {}
_hash_lock = threading.Lock()


def file_digest(path: Path) -> str:
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        if memo_key in _hash_memo:
            return _hash_memo[memo_key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    with _hash_lock:
        _hash_memo[memo_key] = digest.hexdigest()
    return digest.hexdigest()


def weights_hash(folder: Path) -> str:
    """sha256 over every weight and config file of the folder (name and content), in a stable order."""
    combined = hashlib.sha256()
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix in _HASHED_SUFFIXES
        and not any(part.startswith(".") for part in p.parts[-3:])
    )
    for path in files:
        combined.update(f"{path.relative_to(folder).as_posix()}\0{file_digest(path)}\n".encode())
    return combined.hexdigest()


def pipeline_size_bytes(pipeline: Any) -> int:
    import torch

    total = 0
    for component in pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            total += sum(t.numel() * t.element_size() for t in component.parameters())
            total += sum(t.numel() * t.element_size() for t in component.buffers())
    return total


# --- the cache ----------------------------------------------------------------------------------------


class PipelineCache:
    """LRU of loaded pipelines within a memory budget; thread-safe, one load per key at a time."""

    def __init__(self, budget_bytes: int | None = None) -> None:
        # None: from settings (PHOTAI_MODEL_CACHE_MB, else a share of the device's memory).
        self._budget_bytes = budget_bytes
        self._entries: OrderedDict[CacheKey, LoadedPipeline] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[CacheKey, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self.loads = 0
        self.evictions = 0
        self.load_seconds = 0.0

    def budget_bytes(self, device: str) -> int:
        if self._budget_bytes is not None:
            return self._budget_bytes
        if settings.INFERENCE_CACHE_BUDGET_MB:
            return settings.INFERENCE_CACHE_BUDGET_MB * 1024 * 1024
        if device.startswith("cuda"):
            import torch

            return int(
                torch.cuda.get_device_properties(torch.device(device)).total_memory * GPU_BUDGET_FRACTION
            )
        return CPU_DEFAULT_BUDGET_MB * 1024 * 1024

    def key_for(self, record: ModelRecord, device: str, dtype: Any) -> CacheKey:
        return CacheKey(
            model=f"{record.key}@{record.source}",
            revision=record.revision or ("local" if record.is_local else "main"),
            dtype=dtype_name(dtype),
            device=device,
        )

    def get(self, record: ModelRecord) -> LoadedPipeline:
        device = resolve_device()
        dtype = resolve_dtype(record.dtype, device)
        key = self.key_for(record, device, dtype)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
            load_lock = self._loading.setdefault(key, threading.Lock())
        with load_lock:
            # Another thread may have loaded it while we waited for the key's lock.
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry
                self.misses += 1
            started = time.perf_counter()
            pipeline, revision, digest = load_pipeline(record, device=device, dtype=dtype)
            elapsed = time.perf_counter() - started
            entry = LoadedPipeline(
                key=key,
                pipeline=pipeline,
                resolved_revision=revision,
                weights_hash=digest,
                size_bytes=pipeline_size_bytes(pipeline),
                load_seconds=elapsed,
            )
            with self._lock:
                self.loads += 1
                self.load_seconds += elapsed
                self._entries[key] = entry
                self._evict_over_budget(device, keep=key)
                self._loading.pop(key, None)
            logger.info(
                "loaded model %s (%s, %s) in %.2f s, %d MiB",
                record.key,
                key.dtype,
                device,
                elapsed,
                entry.size_bytes >> 20,
            )
            return entry

    def _evict_over_budget(self, device: str, *, keep: CacheKey) -> None:
        budget = self.budget_bytes(device)
        while sum(e.size_bytes for e in self._entries.values()) > budget:
            victim = next((k for k in self._entries if k != keep), None)
            if victim is None:
                break  # the newest pipeline alone is over budget; it stays, as it is about to run
            self._drop(victim)

    def _drop(self, key: CacheKey) -> None:
        entry = self._entries.pop(key)
        self.evictions += 1
        logger.info("evicted model %s (%s, %s) from the pipeline cache", key.model, key.dtype, key.device)
        del entry
        if key.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()

    def clear(self) -> None:
        with self._lock:
            for key in list(self._entries):
                self._drop(key)
            self.hits = self.misses = self.loads = self.evictions = 0
            self.load_seconds = 0.0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "entries": [
                    {
                        "model": k.model,
                        "revision": k.revision,
                        "dtype": k.dtype,
                        "device": k.device,
                        "bytes": e.size_bytes,
                    }
                    for k, e in self._entries.items()
                ],
                "bytes": sum(e.size_bytes for e in self._entries.values()),
                "hits": self.hits,
                "misses": self.misses,
                "loads": self.loads,
                "evictions": self.evictions,
                "load_seconds": round(self.load_seconds, 4),
            }


cache = PipelineCache()


@contextlib.contextmanager
def pipeline_for(record: ModelRecord) -> Iterator[LoadedPipeline]:
    """The warm pipeline of ``record``, held for one run (other jobs on the same weights wait)."""
    entry = cache.get(record)
    with entry.run_lock:
        yield entry
