"""Inference speed: the warm pipeline cache on CPU, and UNet steps/s on a GPU.

CPU (always): enqueue -> output stored for a tiny random-weight text-to-image model through the real path
(create_job -> Dramatiq worker -> production loader -> finalise -> storage), the first job on a cold
pipeline cache vs. the second job on the same model, measured side by side in one run; prints the ratio.
The process's one-time imports (torch, diffusers) are paid by a warm-up job on another model first, so
the cold job pays what a worker pays for a model it has not loaded yet: reading and placing the weights.

CPU adapters: switching a style adapter (LoRA) on the warm base (``set_adapters``), loading a new one
into it (``load_lora_weights``), against a full reload of the base with the adapter, measured side by side
on the tiny models through the production cache (``PipelineCache.get`` + ``LoadedPipeline.apply_adapters``).

GPU (only where CUDA exists): full-size SD 1.5 and SDXL UNets built from their configs with random
weights (no downloads; the compute per step is that of the real models), at 512² and 1024², fp16,
classifier-free guidance (2 x batch): UNet steps/s eager vs. torch.compile, batch 1 vs. 4; and on the
SD 1.5 UNet, switching between two rank-16 LoRAs against reloading the UNet's weights onto the card.
With --dry the adapter switch runs on the full-size SD 1.5 UNet on PyTorch's meta device (shapes only).

    .venv/bin/python bench/inference.py [--rounds 5] [--steps 2] [--size 256]
    .venv/bin/python bench/inference.py --dry   # seconds; run by the test suite so this script cannot rot

Without DATABASE_URL/BROKER_URL it runs on a temporary SQLite database and the stub broker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# --- full-size UNet configurations (from the public model repositories' unet/config.json) ----------------

SD15_UNET: dict[str, Any] = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2,
    "cross_attention_dim": 768,
    "attention_head_dim": 8,
    "norm_num_groups": 32,
}
SDXL_UNET: dict[str, Any] = {
    "sample_size": 128,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [320, 640, 1280],
    "layers_per_block": 2,
    "transformer_layers_per_block": [1, 2, 10],
    "attention_head_dim": [5, 10, 20],
    "cross_attention_dim": 2048,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
    "norm_num_groups": 32,
}
# A tiny stand-in with the same code path, for --dry on a CPU.
TINY_UNET: dict[str, Any] = {
    "sample_size": 8,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [8, 16],
    "layers_per_block": 1,
    "cross_attention_dim": 16,
    "attention_head_dim": 2,
    "norm_num_groups": 4,
}


# --- CPU: the pipeline cache through the real job path ------------------------------------------------


def _setup_django(scratch: Path) -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("PHOTAI_VAR_DIR", str(scratch / "var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # Outputs are C2PA-signed before they are stored: the development identity, as `make run` creates it.
    call_command("ensure_signing_identity", verbosity=0)


def _wait_for(job_id: Any, timeout: float = 300.0) -> str:
    from photai_dam.jobs.choices import FINISHED
    from photai_dam.jobs.models import Job

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status in FINISHED:
            return str(status)
        time.sleep(0.002)
    raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


def bench_cpu_cache(*, rounds: int, steps: int, size: int, threads: int, scratch: Path) -> dict[str, Any]:
    import dramatiq
    from django.conf import settings
    from django.contrib.auth import get_user_model

    import inference.tasks  # noqa: F401  (declares the actors)
    from fixtures.tiny_models import build_tiny_pipeline
    from inference import pipelines
    from inference.models import ModelRecord
    from photai_dam.jobs import actions as job_actions
    from photai_dam.jobs.models import JobOutput
    from photai_dam.workspaces import actions as ws_actions
    from photai_dam.workspaces.access import workspace_access
    from photai_dam.workspaces.choices import Role

    models = scratch / "models"
    settings.INFERENCE_MODEL_ROOTS = [str(models)]
    settings.INFERENCE_CPU_THREADS = threads
    for key in ("bench-tiny", "bench-warmup"):
        folder = build_tiny_pipeline("text_to_image", models / key)
        ModelRecord.objects.update_or_create(
            key=key,
            defaults={
                "name": key,
                "local_path": str(folder),
                "pipeline_task": "text_to_image",
                "licence_id": "apache-2.0",
                "commercial_use_allowed": True,
            },
        )
    slug = f"bench-{os.getpid()}"
    workspace = ws_actions.create_workspace(slug=slug, name="Inference bench")
    user = get_user_model().objects.create_user(username=slug, password=None)
    ws_actions.set_membership(workspace=workspace, user=user, roles=[Role.EDITOR])
    access = workspace_access(user, slug)

    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=settings.DRAMATIQ_WORKER_TIMEOUT_MS)
    worker.start()

    def one_job(model: str, seed: int) -> float:
        started = time.perf_counter()
        job = job_actions.create_job(
            access,
            operation="text_to_image",
            inputs=[],
            params={"model": model, "width": size, "height": size, "steps": steps, "seed": seed},
            prompt="a product photo of a red sneaker",
        )
        status = _wait_for(job.pk)
        elapsed = time.perf_counter() - started
        if status != "succeeded" or not JobOutput.objects.filter(job=job).exists():
            job.refresh_from_db()
            raise RuntimeError(f"bench job {job.pk} ended {status}: {job.error_code} {job.error_message}")
        return elapsed

    try:
        first_in_process = one_job("bench-warmup", 0)  # pays the imports of torch/diffusers once
        cold: list[float] = []
        warm: list[float] = []
        loads = []
        for i in range(rounds):
            pipelines.cache.clear()
            cold.append(one_job("bench-tiny", 2 * i + 1))
            warm.append(one_job("bench-tiny", 2 * i + 2))
            stats = pipelines.cache.stats()
            loads.append((stats["loads"], stats["hits"], stats["load_seconds"]))
    finally:
        worker.stop()
    assert all(n_loads == 1 and hits == 1 for n_loads, hits, _ in loads), loads
    return {
        "first_in_process_s": first_in_process,
        "cold_s": statistics.median(cold),
        "warm_s": statistics.median(warm),
        "ratio": statistics.median(cold) / statistics.median(warm),
        # Each pair runs back to back, so its difference is what the cache saved, with the machine's drift
        # (other processes on a shared box) mostly cancelled out.
        "saved_s": statistics.median(c - w for c, w in zip(cold, warm, strict=True)),
        "warm_faster_in": sum(c > w for c, w in zip(cold, warm, strict=True)),
        "load_s": statistics.median(s for _, _, s in loads),
        "rounds": rounds,
        "steps": steps,
        "size": size,
        "threads": threads,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "broker": settings.BROKER_URL.split("://", 1)[0],
    }


# --- GPU: UNet steps/s --------------------------------------------------------------------------------


def _unet_inputs(
    config: dict[str, Any], batch: int, resolution: int, device: str, dtype: Any
) -> dict[str, Any]:
    import torch

    rows = 2 * batch  # classifier-free guidance runs the conditional and unconditional halves together
    latent = resolution // 8
    inputs: dict[str, Any] = {
        "sample": torch.randn(rows, 4, latent, latent, device=device, dtype=dtype),
        "timestep": torch.tensor(500, device=device),
        "encoder_hidden_states": torch.randn(
            rows, 77, config["cross_attention_dim"], device=device, dtype=dtype
        ),
    }
    if config.get("addition_embed_type") == "text_time":
        inputs["added_cond_kwargs"] = {
            "text_embeds": torch.randn(rows, 1280, device=device, dtype=dtype),
            "time_ids": torch.randn(rows, 6, device=device, dtype=dtype),
        }
    return inputs


def steps_per_second(unet: Any, inputs: dict[str, Any], *, steps: int, warmup: int, device: str) -> float:
    import torch

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    with torch.inference_mode():
        for _ in range(warmup):
            unet(**inputs)
        sync()
        started = time.perf_counter()
        for _ in range(steps):
            unet(**inputs)
        sync()
    return steps / (time.perf_counter() - started)


def check_full_size_configs() -> list[str]:
    """Build the full-size UNets on the meta device (no memory, no compute) and run one forward, so the
    GPU section's configurations and inputs are checked on any machine."""
    import torch
    from diffusers import UNet2DConditionModel

    lines = []
    for name, config, resolution, expected_millions in (
        ("SD 1.5 UNet", SD15_UNET, 512, 860),
        ("SDXL UNet", SDXL_UNET, 1024, 2567),
    ):
        with torch.device("meta"):
            unet = UNet2DConditionModel(**config)
        millions = round(sum(p.numel() for p in unet.parameters()) / 1e6)
        inputs = _unet_inputs(config, 4, resolution, "meta", torch.float16)
        with torch.inference_mode():
            shape = tuple(unet.to(torch.float16)(**inputs).sample.shape)
        assert millions == expected_millions, (name, millions)
        assert shape == (8, 4, resolution // 8, resolution // 8), (name, shape)
        lines.append(f"{name}: {millions}M parameters, batch 4 with CFG -> {shape} (meta device)")
    return lines


def bench_gpu_unets(*, dry: bool) -> list[dict[str, Any]] | str:
    import torch
    from diffusers import UNet2DConditionModel

    if dry:
        cases = [("tiny (dry run)", TINY_UNET, 64)]
        device, dtype, modes, batches, steps, warmup = "cpu", torch.float32, ["eager"], [1, 2], 2, 1
    else:
        if not torch.cuda.is_available():
            return "not run: CUDA is not available on this machine"
        cases = [("SD 1.5 UNet", SD15_UNET, 512), ("SDXL UNet", SDXL_UNET, 1024)]
        device, dtype, modes, batches, steps, warmup = (
            "cuda",
            torch.float16,
            ["eager", "compile"],
            [1, 4],
            20,
            3,
        )
    rows = []
    for name, config, resolution in cases:
        torch.manual_seed(0)
        unet = UNet2DConditionModel(**config).to(device=device, dtype=dtype).eval()
        for mode in modes:
            # Default inductor mode: max-autotune can spend many minutes on the SDXL UNet's kernels.
            model = torch.compile(unet) if mode == "compile" else unet
            for batch in batches:
                inputs = _unet_inputs(config, batch, resolution, device, dtype)
                rate = steps_per_second(model, inputs, steps=steps, warmup=warmup, device=device)
                rows.append(
                    {"unet": name, "resolution": resolution, "mode": mode, "batch": batch, "steps_s": rate}
                )
        del unet
        if device == "cuda":
            torch.cuda.empty_cache()
    return rows


# --- adapters -----------------------------------------------------------------------------------------


def bench_cpu_adapters(*, rounds: int, threads: int, scratch: Path) -> dict[str, Any]:
    """Median seconds of: a full reload of the base with a style (a cold cache), loading a new style into
    the warm base, and switching between two loaded styles; each measured in every round."""
    from django.conf import settings

    from fixtures.tiny_models import LORA_WEIGHT_NAME, build_tiny_lora, build_tiny_pipeline
    from inference import pipelines
    from inference.models import ModelRecord

    models = scratch / "adapter-models"
    settings.INFERENCE_MODEL_ROOTS = [str(models)]
    settings.INFERENCE_CPU_THREADS = threads
    base_folder = build_tiny_pipeline("text_to_image", models / "base")
    base, _ = ModelRecord.objects.update_or_create(
        key="bench-adapter-base",
        defaults={
            "name": "bench base",
            "local_path": str(base_folder),
            "pipeline_task": "text_to_image",
            "licence_id": "apache-2.0",
            "commercial_use_allowed": True,
        },
    )
    styles = []
    for index in range(3):
        folder = build_tiny_lora(base_folder, models / f"style-{index}", seed=index)
        record, _ = ModelRecord.objects.update_or_create(
            key=f"bench-style-{index}",
            defaults={
                "name": f"style {index}",
                "kind": "lora",
                "local_path": str(folder),
                "weight_name": LORA_WEIGHT_NAME,
                "weights_hash": pipelines.file_digest(folder / LORA_WEIGHT_NAME),
                "licence_id": "apache-2.0",
                "commercial_use_allowed": True,
            },
        )
        record.base_models.set([base])
        styles.append(record)

    cache = pipelines.PipelineCache()

    def activate(style: ModelRecord) -> float:
        started = time.perf_counter()
        entry = cache.get(base)
        with entry.run_lock:
            entry.apply_adapters(entry.for_task("text_to_image"), [(style, 1.0)])
        return time.perf_counter() - started

    activate(styles[2])  # the process's one-time imports (peft) are not what is measured
    reload_s, load_s, swap_s = [], [], []
    for _ in range(rounds):
        cache.clear()
        reload_s.append(activate(styles[0]))  # cold: the base from disk, then the style
        load_s.append(activate(styles[1]))  # warm base, a style it has not loaded yet
        swap_s.append(activate(styles[0]))  # warm base, both styles loaded: a switch
        assert cache.stats()["loads"] == 1 and cache.stats()["hits"] == 2
    reload_m, load_m, swap_m = (statistics.median(v) for v in (reload_s, load_s, swap_s))
    return {
        "rounds": rounds,
        "reload_s": reload_m,
        "load_s": load_m,
        "swap_s": swap_m,
        "reload_over_swap": reload_m / swap_m,
        "reload_over_load": reload_m / load_m,
    }


def adapter_swap_full_size(*, dry: bool) -> list[str] | str:
    """Two rank-16 LoRAs on the full-size SD 1.5 UNet: switching between them vs. putting the UNet's
    weights back on the card (what serving a style by reloading would cost at least). With ``dry``, on the
    meta device: the adapters attach and switch at full size (no timing)."""
    import torch
    from diffusers import UNet2DConditionModel
    from peft import LoraConfig

    if not dry and not torch.cuda.is_available():
        return "not run: CUDA is not available on this machine"
    device = "meta" if dry else "cuda"
    config = LoraConfig(r=16, lora_alpha=16, target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    with torch.device(device):
        unet = UNet2DConditionModel(**SD15_UNET).to(torch.float16)
        for name in ("style_a", "style_b"):
            unet.add_adapter(config, adapter_name=name)
    lora_params = sum(p.numel() for n, p in unet.named_parameters() if "lora_" in n)
    lines = [f"SD 1.5 UNet + 2 LoRAs (rank 16): {lora_params / 1e6:.1f}M adapter parameters ({device})"]
    if dry:
        unet.set_adapters(["style_b"])
        unet.set_adapters(["style_a"])
        lines.append("set_adapters switches at full size (meta device: no timing)")
        return lines

    def switch() -> None:
        unet.set_adapters(["style_b"])
        unet.set_adapters(["style_a"])
        torch.cuda.synchronize()

    base_state = {k: v.detach().to("cpu") for k, v in unet.state_dict().items() if "lora_" not in k}
    switch()
    started = time.perf_counter()
    for _ in range(10):
        switch()
    swap = (time.perf_counter() - started) / 20
    started = time.perf_counter()
    unet.load_state_dict(base_state, strict=False)  # copies every base weight back onto the card
    torch.cuda.synchronize()
    reload = time.perf_counter() - started
    lines.append(f"switch: {swap * 1000:.2f} ms; weights back onto the card: {reload * 1000:.1f} ms")
    lines.append(f"ratio reload / switch: {reload / swap:.1f}x (a reload from disk costs more still)")
    return lines


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="cold/warm job pairs")
    parser.add_argument("--steps", type=int, default=2, help="denoising steps per job")
    parser.add_argument("--size", type=int, default=256, help="output side in pixels")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--dry", action="store_true", help="one tiny round of everything, CPU only")
    parser.add_argument("--skip-gpu", action="store_true")
    args = parser.parse_args(argv)
    if args.dry:
        args.rounds, args.steps, args.size = 1, 1, 256

    with tempfile.TemporaryDirectory(prefix="photai-bench-") as tmp:
        scratch = Path(tmp)
        _setup_django(scratch)
        cpu = bench_cpu_cache(
            rounds=args.rounds, steps=args.steps, size=args.size, threads=args.threads, scratch=scratch
        )
        adapters = bench_cpu_adapters(rounds=args.rounds, threads=args.threads, scratch=scratch)
    print(
        f"## CPU: enqueue -> output stored, tiny text-to-image model ({cpu['size']}², {cpu['steps']} steps)"
    )
    print(
        f"database={cpu['database']} broker={cpu['broker']} rounds={cpu['rounds']} "
        f"torch threads={cpu['threads'] or 'default'} (medians)"
    )
    print(f"first job of the process (imports + load): {cpu['first_in_process_s'] * 1000:8.1f} ms")
    load_ms = cpu["load_s"] * 1000
    print(
        f"first job on a model (cold cache):          {cpu['cold_s'] * 1000:8.1f} ms  (load {load_ms:.1f} ms)"
    )
    print(f"second job on the model (warm cache):       {cpu['warm_s'] * 1000:8.1f} ms")
    print(f"ratio cold / warm:                          {cpu['ratio']:8.2f}x")
    print(
        f"saved per job (median of paired differences): {cpu['saved_s'] * 1000:6.1f} ms; "
        f"the warm job was faster in {cpu['warm_faster_in']} of {cpu['rounds']} pairs"
    )

    print(f"\n## CPU: style adapters on the warm base (tiny models, medians of {adapters['rounds']} rounds)")
    print(f"full reload of the base with a style:       {adapters['reload_s'] * 1000:8.1f} ms")
    print(f"a new style loaded into the warm base:      {adapters['load_s'] * 1000:8.1f} ms")
    print(f"switch between two loaded styles:           {adapters['swap_s'] * 1000:8.1f} ms")
    print(f"ratio reload / switch:                      {adapters['reload_over_swap']:8.1f}x")
    print(f"ratio reload / new style on the warm base:  {adapters['reload_over_load']:8.1f}x")

    if args.skip_gpu:
        return 0
    if args.dry:
        print("\n## Full-size configurations")
        for line in check_full_size_configs():
            print(line)
    print("\n## GPU: style adapter switch on the full-size SD 1.5 UNet")
    swap = adapter_swap_full_size(dry=args.dry)
    print(swap if isinstance(swap, str) else "\n".join(swap))
    gpu = bench_gpu_unets(dry=args.dry)
    print("\n## GPU: UNet steps/s (fp16, CFG batch = 2 x images)")
    if isinstance(gpu, str):
        print(gpu)
        return 0
    print("| UNet | resolution | mode | images/batch | steps/s | images·steps/s |")
    print("|---|---|---|---|---|---|")
    for row in gpu:
        print(
            f"| {row['unet']} | {row['resolution']}² | {row['mode']} | {row['batch']} | "
            f"{row['steps_s']:.2f} | {row['steps_s'] * row['batch']:.2f} |"
        )
    by_key = {(r["unet"], r["mode"], r["batch"]): r["steps_s"] for r in gpu}
    for unet in dict.fromkeys(r["unet"] for r in gpu):
        eager1 = by_key.get((unet, "eager", 1))
        compiled1 = by_key.get((unet, "compile", 1))
        if eager1 and compiled1:
            print(f"{unet}: torch.compile / eager at batch 1 = {compiled1 / eager1:.2f}x")
        batches = sorted(b for (u, m, b) in by_key if u == unet and m == "eager")
        if eager1 and len(batches) > 1:
            big = batches[-1]
            gain = by_key[(unet, "eager", big)] * big / eager1
            print(f"{unet}: images/s batch {big} / batch 1 (eager) = {gain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
