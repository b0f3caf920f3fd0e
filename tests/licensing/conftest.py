"""Factories for licence tests: assets with lineage and the job/model that made them, and the clock."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile

from fixtures.images import image_bytes
from governance import clock
from governance.licensing import record_licence
from photai_dam.assets.models import Asset, AssetParent
from photai_dam.jobs.models import Job, JobOutput

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    """Governance's clock pinned at T0; tests move it with ``frozen_clock.set(...)`` / ``.advance(...)``."""

    class Controller:
        now = staticmethod(clock.now)
        set = staticmethod(clock.set_now)
        advance = staticmethod(clock.advance)

    clock.set_now(T0)
    yield Controller()
    clock.set_now(None)


@pytest.fixture
def make_model(db: None):
    def _make(key: str = "sd-test", *, commercial: bool = True, licence_id: str = "openrail++") -> Any:
        from inference.models import ModelRecord

        return ModelRecord.objects.create(
            key=key,
            name=key,
            hub_repo_id=f"example/{key}",
            pipeline_task="text_to_image",
            licence_id=licence_id,
            commercial_use_allowed=commercial,
        )

    return _make


@pytest.fixture
def make_asset(workspace: Any, editor: Any):
    """An asset with real stored bytes: an upload with a licence, or an output with its lineage and job."""

    def _make(
        licence: dict[str, Any] | None = None,
        *,
        parents: tuple[Asset, ...] = (),
        origin: str | None = None,
        model_key: str = "",
        prompt: str = "",
        ws: Any = None,
        title: str = "",
    ) -> Asset:
        pk = uuid.uuid4()
        origin = origin or ("ai_edited" if parents else "upload")
        # Real bytes on the storage, so the provenance part of the gate reads an actual file.
        data = image_bytes("PNG", 16, 12, seed=pk.int % 1000)
        asset = Asset(
            id=pk,
            workspace=ws or workspace,
            title=title or f"{origin} {str(pk)[:8]}",
            sha256=hashlib.sha256(data).hexdigest(),
            mime_type="image/png",
            width=16,
            height=12,
            size=len(data),
            origin=origin,
            created_by=editor.user,
        )
        asset.file.save("asset.png", ContentFile(data), save=False)
        asset.save(force_insert=True)
        if origin == "upload":
            record_licence(asset=asset, data=licence, actor=editor.user, source="upload")
        else:
            for i, parent in enumerate(parents):
                AssetParent.objects.create(child=asset, parent=parent, position=i)
            job = Job.objects.create(
                workspace=asset.workspace,
                operation="image_to_image" if origin != "rendition" else "resize",
                queue="gpu" if origin != "rendition" else "cpu",
                prompt=prompt,
                status="succeeded",
                model_key=model_key,
                created_by=editor.user,
            )
            JobOutput.objects.create(job=job, asset=asset, index=0)
            if licence is not None:
                record_licence(asset=asset, data=licence, actor=editor.user, source="api")
        return asset

    return _make
