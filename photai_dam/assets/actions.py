"""State changes of assets: ingest an upload, store a finalised output, delete."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError

from photai_dam import ports
from photai_dam.api.errors import Conflict
from photai_dam.assets.choices import EXTENSION_BY_MIME, Origin, Relationship
from photai_dam.assets.imaging import inspect_image
from photai_dam.assets.models import Asset, AssetParent
from photai_dam.jobs.models import Job, JobOutput
from photai_dam.values import FinalisedOutput, OutputSpec
from photai_dam.workspaces.access import WorkspaceAccess
from photai_dam.workspaces.choices import Role

logger = logging.getLogger(__name__)


def _save_file(asset: Asset, data: bytes) -> None:
    # The storage name is built from ids only; the client's filename never reaches the path.
    asset.file.save(f"upload{EXTENSION_BY_MIME[asset.mime_type]}", ContentFile(data), save=False)


def _discard_file(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.exception("could not remove orphaned file %s", name)


def ingest_upload(
    access: WorkspaceAccess, *, data: bytes, title: str = "", licence: dict[str, Any] | None = None
) -> Asset:
    """Store an uploaded image after it decoded as an accepted type and size; refuse anything else."""
    access.require_role(Role.EDITOR, Role.ADMIN)
    facts = inspect_image(data)
    # Refuse a malformed licence before anything touches storage.
    licence = ports.validate_licence(licence)
    asset = Asset(
        workspace=access.workspace,
        title=title[:300],
        sha256=facts.sha256,
        mime_type=facts.mime_type,
        width=facts.width,
        height=facts.height,
        size=facts.size,
        origin=Origin.UPLOAD,
        created_by=access.membership.user,
    )
    _save_file(asset, data)
    try:
        with transaction.atomic():
            asset.save()
            ports.record_licence(asset=asset, data=licence, actor=access.membership.user, source="upload")
            ports.record_audit(
                asset,
                "asset.upload",
                actor=access.membership.user,
                data={"sha256": asset.sha256, "mime_type": asset.mime_type, "size": asset.size},
            )
    except BaseException:
        _discard_file(asset.file.name)
        raise
    return asset


def store_output(*, job: Job, index: int, spec: OutputSpec, result: FinalisedOutput) -> Asset:
    """Store a finalised job output as a new asset with its lineage, exactly once per (job, index)."""
    origin = _origin_for(spec)
    asset = Asset(
        id=spec.asset_id,
        workspace=job.workspace,
        title=f"{job.operation} of {job.pk}"[:300] if index == 0 else f"{job.operation} of {job.pk} #{index}",
        sha256=hashlib.sha256(result.data).hexdigest(),
        mime_type=result.mime_type,
        width=result.width,
        height=result.height,
        size=len(result.data),
        origin=origin,
        created_by=job.created_by,
    )
    _save_file(asset, result.data)
    try:
        with transaction.atomic():
            asset.save(force_insert=True)
            AssetParent.objects.bulk_create(
                AssetParent(
                    child=asset,
                    parent=source,
                    relationship=Relationship.PARENT_OF if role == "source" else Relationship.COMPONENT_OF,
                    position=i,
                )
                for i, (source, role) in enumerate(spec.sources)
            )
            JobOutput.objects.create(job=job, asset=asset, index=index)
            ports.record_provenance(asset=asset, spec=spec, result=result)
            ports.record_audit(
                asset,
                "asset.output",
                data={
                    "job": str(job.pk),
                    "index": index,
                    "origin": origin,
                    "sha256": asset.sha256,
                    "parents": [str(s.pk) for s, _ in spec.sources],
                },
            )
    except BaseException:
        _discard_file(asset.file.name)
        raise
    return asset


def _origin_for(spec: OutputSpec) -> str:
    if spec.kind == "classical":
        return Origin.RENDITION
    return Origin.AI_EDITED if spec.sources else Origin.AI_GENERATED


def delete_asset(access: WorkspaceAccess, asset: Asset) -> None:
    """Delete an asset and its file; refused (409) while anything was derived from it or uses it."""
    if asset.created_by_id != access.membership.user_id:
        access.require_role(Role.ADMIN)
    else:
        access.require_role(Role.EDITOR, Role.ADMIN)
    if asset.child_links.exists():
        raise Conflict(
            "asset_has_descendants",
            "Assets were derived from this one; delete those first.",
            details={"children": [str(c) for c in asset.child_links.values_list("child_id", flat=True)]},
        )
    name = asset.file.name
    try:
        with transaction.atomic():
            ports.record_audit(
                asset,
                "asset.delete",
                actor=access.membership.user,
                data={"sha256": asset.sha256},
            )
            asset.delete()
    except ProtectedError as exc:
        kinds = sorted({str(type(obj)._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise Conflict(
            "asset_in_use",
            f"The asset is still referenced by: {', '.join(str(k) for k in kinds)}.",
            details={"referenced_by": [str(k) for k in kinds]},
        ) from None
    transaction.on_commit(lambda: _discard_file(name))
