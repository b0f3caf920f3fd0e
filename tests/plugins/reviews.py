"""Fixtures for reviews, audit and web tests: stored outputs made by a job, and review helpers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fixtures.images import scene
from photai_dam.assets.models import Asset


@pytest.fixture
def make_output(editor2: Any, upload: Callable[..., dict[str, Any]]) -> Callable[..., Asset]:
    """Store an output the way the runner does: a job (by ``creator``, default editor2) over an upload,
    finalised by governance.finalise and stored by the assets action, with its lineage. ``source``: the
    input (default: a fresh upload by the creator)."""

    def _make(
        *,
        creator: Any = None,
        prompt: str = "",
        kind: str = "classical",
        seed: int = 1,
        source: Asset | None = None,
    ) -> Asset:
        from governance import finalise
        from photai_dam.assets.actions import store_output
        from photai_dam.jobs.choices import JobStatus
        from photai_dam.jobs.models import Job, JobInput

        who = creator or editor2
        source = source or Asset.objects.get(pk=upload(member=who)["id"])
        job = Job.objects.create(
            workspace=source.workspace,
            operation="resize" if kind == "classical" else "img2img",
            queue="cpu",
            params={},
            prompt=prompt,
            status=JobStatus.RUNNING,
            created_by=who.user,
        )
        JobInput.objects.create(job=job, asset=source, role="source", position=0)
        spec = finalise.OutputSpec(
            asset_id=uuid.uuid4(),
            workspace=source.workspace,
            image=scene(320, 256, seed=seed),
            format="PNG",
            quality=None,
            operation=job.operation,
            kind=kind,
            job_id=job.pk,
            model=None,
            seed=seed,
            prompt=prompt,
            sources=[(source, "source")],
        )
        return store_output(job=job, index=0, spec=spec, result=finalise.finalise_output(spec))

    return _make


@pytest.fixture
def submit(editor: Any) -> Callable[..., Any]:
    """Submit an asset for review through the API as ``member`` (default: the editor)."""

    def _submit(asset: Asset, *, member: Any = None, **body: Any) -> Any:
        who = member or editor
        return who.client.post(f"/api/v1/workspaces/acme/assets/{asset.pk}/reviews", body, format="json")

    return _submit


@pytest.fixture
def decide() -> Callable[..., Any]:
    def _decide(member: Any, review_id: str, decision: str, sha256: str, comment: str = "") -> Any:
        return member.client.post(
            f"/api/v1/workspaces/acme/reviews/{review_id}/decisions",
            {"decision": decision, "sha256": sha256, "comment": comment},
            format="json",
        )

    return _decide


@pytest.fixture
def live_publication() -> Callable[..., Any]:
    """A publication of ``asset`` that a connector reports live (the state the publish actor leaves)."""

    def _live(asset: Asset, *, name: str = "Main blog", channel: str = "web") -> Any:
        from django.utils import timezone

        from integrations.choices import ConnectionKind, PublicationStatus
        from integrations.models import Connection, Publication

        connection = Connection.objects.create(
            workspace=asset.workspace,
            kind=ConnectionKind.values[0],
            name=name,
            base_url="https://cms.example",
            channel=channel,
            territory="GB",
        )
        return Publication.objects.create(
            workspace=asset.workspace,
            asset=asset,
            connection=connection,
            status=PublicationStatus.LIVE,
            sha256=asset.sha256,
            remote_id="42",
            remote_url="https://cms.example/media/42",
            published_at=timezone.now(),
        )

    return _live
