"""The worker's behaviour around a run: progress, cancellation between steps, timeouts, seeds, out-of-memory
retries at a smaller batch, the pipeline cache's keys and budget, and lazy imports."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from inference import catalog, pipelines
from inference.context import InputImage, RunContext
from inference.errors import JobCancelled, PermanentJobError, TransientJobError
from inference.operations import generative
from tests.inference.helpers import submit

REPO = Path(__file__).resolve().parents[2]


class Recorder:
    """A RunContext's reporting ends, as the runner wires them to the job row."""

    def __init__(self, cancel_after_reports: int | None = None) -> None:
        self.reports: list[tuple[int, str | None]] = []
        self.cancel_after = cancel_after_reports

    def report(self, percent: int, message: str | None = None) -> None:
        self.reports.append((percent, message))

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.reports) >= self.cancel_after

    def context(self, operation: str, params: dict[str, Any], prompt: str = "x", inputs=()) -> RunContext:
        op = catalog.get_operation(operation)
        return RunContext(
            job_id="test",
            operation=operation,
            params=op.validate(params=params, inputs=[], prompt=prompt) if not inputs else params,
            prompt=prompt,
            inputs=list(inputs),
            report=self.report,
            cancelled=self.cancelled,
        )


@pytest.mark.django_db
def test_progress_comes_from_every_denoising_step(tiny_models):
    recorder = Recorder()
    ctx = recorder.context("text_to_image", {"model": "tiny-sd", "steps": 6, "seed": 1})

    outputs = catalog.get_operation("text_to_image").run(ctx)

    assert len(outputs) == 1
    step_reports = [p for p, message in recorder.reports if message is None]
    assert len(step_reports) == 6
    assert step_reports == sorted(step_reports)
    assert step_reports[-1] == 90


@pytest.mark.django_db
def test_cancellation_is_honoured_between_steps(tiny_models):
    # the job is cancelled while its second step runs (the first report is the loading message)
    recorder = Recorder(cancel_after_reports=2)
    ctx = recorder.context("text_to_image", {"model": "tiny-sd", "steps": 50, "seed": 1})

    with pytest.raises(JobCancelled):
        catalog.get_operation("text_to_image").run(ctx)

    # it stopped right there instead of running its 50 steps
    assert len(recorder.reports) == 2


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_image_and_another_seed_another(tiny_models):
    def render(seed: int) -> bytes:
        ctx = Recorder().context("text_to_image", {"model": "tiny-sd", "seed": seed})
        (output,) = catalog.get_operation("text_to_image").run(ctx)
        assert output.seed == seed
        assert output.model.key == "tiny-sd"
        return output.image.tobytes()

    assert render(42) == render(42)
    assert render(42) != render(43)


@pytest.mark.django_db
def test_a_seed_is_drawn_and_recorded_when_none_is_given(tiny_models):
    ctx = Recorder().context("text_to_image", {"model": "tiny-sd"})

    (output,) = catalog.get_operation("text_to_image").run(ctx)

    assert isinstance(output.seed, int) and 0 <= output.seed < 2**32
    assert output.details["seed"] == output.seed


@pytest.mark.django_db
def test_inpaint_changes_nothing_outside_the_mask(tiny_models):
    source = Image.new("RGB", (160, 96), (30, 90, 160))
    ImageDraw.Draw(source).line([(0, 0), (159, 95)], fill=(250, 250, 0), width=3)
    mask = Image.new("L", source.size, 0)
    ImageDraw.Draw(mask).rectangle([60, 30, 100, 60], fill=255)
    recorder = Recorder()
    ctx = RunContext(
        job_id="test",
        operation="inpaint",
        params={"model": "tiny-inpaint", "steps": 2, "seed": 5},
        prompt="a vase",
        inputs=[
            InputImage(asset_id="s", role="source", image=source, mime_type="image/png"),
            InputImage(asset_id="m", role="mask", image=mask, mime_type="image/png"),
        ],
        report=recorder.report,
        cancelled=recorder.cancelled,
    )

    (output,) = catalog.get_operation("inpaint").run(ctx)

    result, original = np.asarray(output.image), np.asarray(source)
    assert output.image.size == source.size
    outside = np.ones(original.shape[:2], bool)
    outside[25:66, 55:106] = False  # the mask plus its feathered edge
    assert np.array_equal(result[outside], original[outside])
    assert not np.array_equal(result[30:61, 60:101], original[30:61, 60:101])


class OutOfMemoryAbove:
    """A real pipeline on a card that fits only ``limit`` images per batch (no CUDA OOM on a CPU)."""

    def __init__(self, pipeline: Any, limit: int) -> None:
        self.pipeline = pipeline
        self.limit = limit
        self.batches: list[int] = []
        # The worker reads the pipeline's signature from ``__call__`` to decide which arguments to pass.
        self.__call__ = functools.update_wrapper(functools.partial(self._call), pipeline.__call__)

    def __call__(self, **kwargs: Any) -> Any:
        return self._call(**kwargs)

    def _call(self, **kwargs: Any) -> Any:
        import torch

        self.batches.append(kwargs["num_images_per_prompt"])
        if kwargs["num_images_per_prompt"] > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.pipeline(**kwargs)


@pytest.mark.django_db
def test_out_of_memory_is_retried_once_at_a_smaller_batch(tiny_models):
    with pipelines.pipeline_for(tiny_models["tiny-sd"]) as loaded:
        card = OutOfMemoryAbove(loaded.for_task("text_to_image"), limit=2)
        recorder = Recorder()

        images = generative.generate(
            recorder.context("variants", {"model": "tiny-sd"}),
            card,
            seeds=[10, 11, 12, 13],
            call_kwargs={"prompt": "x", "num_inference_steps": 2, "width": 64, "height": 64},
            steps=2,
        )

    assert card.batches == [4, 2, 2]
    assert len(images) == 4
    assert any("retrying at batch 2" in (m or "") for _, m in recorder.reports)


@pytest.mark.django_db
def test_out_of_memory_at_the_smallest_batch_is_a_transient_error(tiny_models):
    with pipelines.pipeline_for(tiny_models["tiny-sd"]) as loaded:
        card = OutOfMemoryAbove(loaded.for_task("text_to_image"), limit=0)
        with pytest.raises(TransientJobError) as error:
            generative.generate(
                Recorder().context("text_to_image", {"model": "tiny-sd"}),
                card,
                seeds=[1],
                call_kwargs={"prompt": "x", "num_inference_steps": 2},
                steps=2,
            )
    assert error.value.code == "out_of_memory"
    assert card.batches == [1]


@pytest.mark.django_db
def test_the_cache_keeps_the_most_recently_used_pipelines_within_its_budget(tiny_models):
    from inference.models import ModelRecord

    # three models of the same size (copies of one tiny checkpoint under different keys)
    sd = tiny_models["tiny-sd"]
    a, b, c = (
        ModelRecord.objects.create(
            key=key,
            name=key,
            local_path=sd.local_path,
            pipeline_task="text_to_image",
            licence_id="apache-2.0",
            commercial_use_allowed=True,
        )
        for key in ("copy-a", "copy-b", "copy-c")
    )
    size = pipelines.PipelineCache().get(a).size_bytes
    cache = pipelines.PipelineCache(budget_bytes=2 * size)  # room for two

    cache.get(a)
    cache.get(b)
    cache.get(a)  # a hit: copy-a is now the most recently used
    cache.get(c)  # over budget: the least recently used, copy-b, goes

    stats = cache.stats()
    assert (stats["loads"], stats["hits"], stats["evictions"]) == (3, 1, 1)
    assert [e["model"].split("@")[0] for e in stats["entries"]] == ["copy-a", "copy-c"]
    assert stats["bytes"] == 2 * size
    cache.get(b)  # loaded again, and now copy-a is the oldest
    assert [e["model"].split("@")[0] for e in cache.stats()["entries"]] == ["copy-c", "copy-b"]


@pytest.mark.django_db
def test_cache_keys_name_model_revision_dtype_and_device(tiny_models):
    record = tiny_models["tiny-sd"]
    record.dtype = "float16"
    pipelines.cache.clear()

    entry = pipelines.cache.get(record)

    # no GPU here: half precision is not used on a CPU
    assert (entry.key.revision, entry.key.dtype, entry.key.device) == ("test-1", "float32", "cpu")
    assert entry.key.model.startswith("tiny-sd@")
    record.revision = "test-2"
    assert pipelines.cache.get(record) is not entry
    assert pipelines.cache.stats()["loads"] == 2


@pytest.mark.django_db
def test_the_loader_refuses_folders_outside_the_model_roots(tiny_models, settings, tmp_path):
    record = tiny_models["tiny-sd"]
    settings.INFERENCE_MODEL_ROOTS = [str(tmp_path)]

    with pytest.raises(PermanentJobError) as error:
        pipelines.resolve_source(record)

    assert error.value.code == "model_path_not_allowed"


def test_the_weights_hash_changes_with_any_weight_byte(tmp_path):
    folder = tmp_path / "m"
    (folder / "unet").mkdir(parents=True)
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(b"\0" * 64)
    (folder / "model_index.json").write_text("{}")
    (folder / "README.md").write_text("not part of the model")
    before = pipelines.weights_hash(folder)

    (folder / "README.md").write_text("edited")
    assert pipelines.weights_hash(folder) == before
    weights.write_bytes(b"\0" * 63 + b"\1")
    assert pipelines.weights_hash(folder) != before


def test_importing_the_inference_package_loads_no_torch_diffusers_or_opencv():
    code = (
        "import django, sys; django.setup();"
        "import inference.catalog, inference.pipelines, inference.registry, inference.api.views;"
        "from inference import catalog; catalog.all_operations();"
        "heavy = [m for m in ('torch', 'diffusers', 'cv2', 'transformers') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "photai_dam.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- through the API on a real worker -----------------------------------------------------------------


def _long_job(editor: Any) -> str:
    response = submit(
        editor,
        "text_to_image",
        params={"model": "tiny-sd", "steps": 150, "width": 256, "height": 256, "seed": 1},
        prompt="a very slow picture",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_job_stops_it_between_steps(editor, tiny_models, worker, wait_for_job):
    from photai_dam.jobs.models import Job
    from tests.plugins.worker import wait_until

    job_id = _long_job(editor)
    wait_until(lambda: Job.objects.filter(pk=job_id, status="running", progress__gte=6).exists(), timeout=60)

    response = editor.client.post(f"/api/v1/workspaces/acme/jobs/{job_id}/cancel")
    assert response.status_code == 200, response.content

    job = wait_for_job(editor.client, job_id)
    assert job["status"] == "cancelled"
    assert job["outputs"] == []
    # the worker let go of the pipeline: the next job on the same model runs at once
    response = submit(editor, "text_to_image", params={"model": "tiny-sd", "seed": 2}, prompt="quick")
    assert wait_for_job(editor.client, response.json()["id"], timeout=30)["status"] == "succeeded"
    assert Job.objects.get(pk=job_id).progress < 90


@pytest.mark.django_db(transaction=True)
def test_a_job_running_past_its_time_limit_fails_with_timeout(
    editor, tiny_models, broker, worker, wait_for_job
):
    from inference.embedded_worker import start_time_limits
    from inference.tasks import run_gpu_job

    start_time_limits(broker)  # what `manage.py rundramatiq` does at process boot
    limit = run_gpu_job.options["time_limit"]
    run_gpu_job.options["time_limit"] = 1_000  # ms; what PHOTAI_JOB_TIME_LIMIT_S=1 configures at start-up
    try:
        job = wait_for_job(editor.client, _long_job(editor), timeout=90)
    finally:
        run_gpu_job.options["time_limit"] = limit

    assert job["status"] == "failed"
    assert job["error"]["code"] == "timeout"
    assert job["outputs"] == []


def test_the_bench_script_runs_in_dry_mode(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "BROKER_URL", "PHOTAI_REQUIRE_SERVICES")
    }
    env["PHOTAI_VAR_DIR"] = str(tmp_path / "var")

    result = subprocess.run(
        [sys.executable, "bench/inference.py", "--dry"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ratio cold / warm:" in result.stdout
    assert "UNet steps/s" in result.stdout
    assert "SDXL UNet: 2567M parameters" in result.stdout
    assert "ratio reload / switch:" in result.stdout
    assert "set_adapters switches at full size" in result.stdout


HUB_PROBE = """
import os, sys
import django
django.setup()
from pathlib import Path
import torch
from fixtures.tiny_models import build_tiny_pipeline
from inference import pipelines
from inference.errors import JobError
from inference.models import ModelRecord

def record(repo):
    return ModelRecord(key="hub", name="hub", hub_repo_id=repo, revision="main",
                       pipeline_task="text_to_image", licence_id="apache-2.0", commercial_use_allowed=True)

# A model the hub cache holds (as a previous download leaves it): refs/main -> snapshots/<commit>/
commit = "0123456789abcdef0123456789abcdef01234567"
repo = Path(os.environ["HF_HOME"]) / "hub" / "models--acme--tiny-sd"
(repo / "refs").mkdir(parents=True)
(repo / "refs" / "main").write_text(commit)
snapshot = build_tiny_pipeline("text_to_image", repo / "snapshots" / commit)
pipeline, revision, digest = pipelines.load_pipeline(record("acme/tiny-sd"), device="cpu", dtype=torch.float)
print("loaded", type(pipeline).__name__, revision, digest == pipelines.weights_hash(snapshot))

# A model it does not hold, on a worker configured offline
try:
    pipelines.resolve_source(record("acme/not-downloaded"))
except JobError as exc:
    print("missing", type(exc).__name__, exc.code)
"""


def test_hub_models_load_from_the_hub_cache_and_record_the_commit_offline(tmp_path):
    # given a worker with HF_HUB_OFFLINE=1 (no network here) and a hub cache holding one model
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "PHOTAI_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "photai_dam.settings",
    }

    result = subprocess.run(
        [sys.executable, "-c", HUB_PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )

    # then the production loader resolves the repo id through the cache and records the snapshot's commit,
    # and a model that is not cached fails permanently instead of being retried
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded StableDiffusionPipeline 0123456789abcdef0123456789abcdef01234567 True" in result.stdout
    assert "missing PermanentJobError model_not_downloaded" in result.stdout
