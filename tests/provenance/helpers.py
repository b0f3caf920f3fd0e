"""Building outputs the way the runner does (finalise, then store) and reading them back with c2pa."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import c2pa
from PIL import Image

from governance import finalise
from inference.context import ModelInfo
from photai_dam.assets import actions as asset_actions
from photai_dam.assets.models import Asset
from photai_dam.jobs.models import Job

TINY_MODEL = ModelInfo(
    key="tiny-sd", name="Tiny SD", revision="rev-7", weights_hash="ab" * 32, licence="apache-2.0"
)


def make_job(workspace: Any, user: Any, operation: str, *, prompt: str = "") -> Job:
    return Job.objects.create(
        workspace=workspace,
        operation=operation,
        queue="gpu",
        prompt=prompt,
        status="running",
        created_by=user,
    )


def spec_for(
    job: Job,
    image: Image.Image,
    *,
    kind: str = "generative",
    sources: list[tuple[Asset, str]] | None = None,
    fmt: str = "JPEG",
    model: ModelInfo | None = TINY_MODEL,
    seed: int | None = 42,
) -> finalise.OutputSpec:
    return finalise.OutputSpec(
        asset_id=uuid.uuid4(),
        workspace=job.workspace,
        image=image,
        format=fmt,
        quality=90,
        operation=job.operation,
        kind=kind,
        job_id=job.pk,
        model=model,
        seed=seed,
        prompt=job.prompt,
        sources=sources or [],
    )


def finalise_and_store(job: Job, spec: finalise.OutputSpec, index: int = 0) -> Asset:
    """What inference.runner does for one output."""
    result = finalise.finalise_output(spec)
    return asset_actions.store_output(job=job, index=index, spec=spec, result=result)


def stored_bytes(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


def read_back(data: bytes, mime_type: str, *, anchors: str | None = None) -> dict[str, Any]:
    """The manifest store as c2pa-python reads it (with ``anchors`` as trust anchors when given)."""
    config: dict[str, Any] = {"builder": {"thumbnail": {"enabled": False}}}
    if anchors:
        config["trust"] = {"user_anchors": anchors}
    reader = c2pa.Reader(mime_type, io.BytesIO(data), context=c2pa.Context.from_dict(config))
    with reader:
        return json.loads(reader.json())


def active(report: dict[str, Any]) -> dict[str, Any]:
    return report["manifests"][report["active_manifest"]]


def assertion(manifest: dict[str, Any], label: str) -> Any:
    return next(a["data"] for a in manifest["assertions"] if a["label"].split(".v")[0] == label)


def failures(report: dict[str, Any]) -> list[str]:
    return [f["code"] for f in report["validation_results"]["activeManifest"]["failure"]]
