"""One JSON bundle of everything known about an asset, for auditors: lineage, jobs, models, prompt hashes,
licences and their derivation, manifest summary, reviews with decisions, publications, audit events.

Publications and model licences come from the packages above governance through its ports
(``governance.ports``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from governance import licensing, ports, provenance, reviews
from governance.audit.models import AuditEvent
from governance.licensing.models import LicenceRecord
from governance.reviews.models import Review
from governance.reviews.summary import review_dict
from photai_dam.assets.models import Asset, AssetParent
from photai_dam.jobs.models import Job, JobOutput

MAX_LINEAGE = 500  # ancestors listed at most (a guard against pathological graphs)


def _asset_dict(asset: Asset) -> dict[str, Any]:
    return {
        "id": str(asset.pk),
        "title": asset.title,
        "origin": asset.origin,
        "status": asset.status,
        "sha256": asset.sha256,
        "mime_type": asset.mime_type,
        "width": asset.width,
        "height": asset.height,
        "size": asset.size,
        "created_by": asset.created_by.get_username() if asset.created_by else None,
        "created_at": asset.created_at.isoformat(),
    }


def prompt_hash(prompt: str) -> str | None:
    return hashlib.sha256(prompt.encode()).hexdigest() if prompt else None


def lineage(asset: Asset) -> list[dict[str, Any]]:
    """Every ancestor, breadth first, with the edge that reached it."""
    edges: list[dict[str, Any]] = []
    seen = {asset.pk}
    frontier = [asset.pk]
    while frontier and len(edges) < MAX_LINEAGE:
        links = AssetParent.objects.filter(child_id__in=frontier).select_related(
            "parent", "parent__created_by"
        )
        frontier = []
        for link in links:
            edges.append(
                {
                    "child": str(link.child_id),
                    "relationship": link.relationship,
                    "parent": _asset_dict(link.parent),
                }
            )
            if link.parent_id not in seen:
                seen.add(link.parent_id)
                frontier.append(link.parent_id)
    return edges


def _job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "operation": job.operation,
        "status": job.status,
        "params": job.params,
        "prompt_sha256": prompt_hash(job.prompt),
        "model": {
            "key": job.model_key,
            "revision": job.model_revision,
            "weights_hash": job.weights_hash,
        }
        if job.model_key
        else None,
        "seed": job.seed,
        "created_by": job.created_by.get_username() if job.created_by else None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "inputs": [{"asset": str(i.asset_id), "role": i.role} for i in job.inputs.all()],
    }


def model_dict(key: str) -> dict[str, Any]:
    record = ports.model_licence(key)
    if record is None:
        return {"key": key, "registered": False}
    return {
        "key": record.key,
        "name": record.name,
        "registered": True,
        "licence_id": record.licence_id,
        "commercial_use_allowed": record.commercial_use_allowed,
    }


def bundle(asset: Asset) -> dict[str, Any]:
    ancestry = lineage(asset)
    related_ids = [asset.pk, *{edge["parent"]["id"] for edge in ancestry}]
    job_ids = JobOutput.objects.filter(asset_id__in=related_ids).values_list("job_id", flat=True)
    jobs = [
        _job_dict(j)
        for j in Job.objects.filter(pk__in=job_ids).select_related("created_by").prefetch_related("inputs")
    ]
    produced_by = JobOutput.objects.filter(asset=asset).values_list("job_id", flat=True).first()
    model_keys = sorted({j["model"]["key"] for j in jobs if j["model"]})

    # The records of the asset and of every ancestor: the inputs of the derivation below.
    records = LicenceRecord.objects.filter(asset_id__in=related_ids).order_by(
        "asset_id", "-created_at", "-id"
    )
    licences: dict[str, Any] = {"records": {}}
    for record in records:
        licences["records"].setdefault(str(record.asset_id), []).append(
            {
                "data": record.data,
                "current": record.is_current,
                "source": record.source,
                "at": record.created_at.isoformat(),
            }
        )
    licences["effective"] = licensing.effective_licence(asset).as_dict()
    review_rows = (
        Review.objects.filter(asset=asset).select_related("requested_by").prefetch_related("decisions")
    )
    events = AuditEvent.objects.filter(object_id__in=[str(asset.pk), *[str(r.pk) for r in review_rows]])
    return {
        "asset": _asset_dict(asset),
        "lineage": ancestry,
        "produced_by_job": str(produced_by) if produced_by else None,
        "jobs": jobs,
        "models": [model_dict(k) for k in model_keys],
        "prompt_hashes": sorted({j["prompt_sha256"] for j in jobs if j["prompt_sha256"]}),
        "licences": licences,
        "manifest": provenance.summary(asset),
        "reviews": [review_dict(r) for r in review_rows],
        "approved": reviews.is_approved(asset),
        "publications": ports.publications_of(asset),
        "audit_events": [event_dict(e) for e in events.order_by("id")],
        # Every section has its provider (a missing port fails at start-up); kept for API clients.
        "unavailable": [],
    }


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "timestamp": event.timestamp.isoformat(),
        "actor": event.actor_label,
        "workspace": event.workspace_slug,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
