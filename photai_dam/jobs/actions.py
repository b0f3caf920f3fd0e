"""State changes of jobs. Views and workers call these; nothing else mutates a Job."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from photai_dam import ports
from photai_dam.api.errors import Conflict, Unprocessable
from photai_dam.assets.models import Asset
from photai_dam.jobs.choices import FINISHED, TRANSITIONS, JobStatus
from photai_dam.jobs.models import Job, JobInput
from photai_dam.statemachine import InvalidTransition, cas_transition
from photai_dam.workspaces.access import WorkspaceAccess
from photai_dam.workspaces.choices import Role

logger = logging.getLogger(__name__)


def transition(job: Job, new_status: str, *, expected: str | None = None, **fields: Any) -> bool:
    """Compare-and-swap ``job`` to ``new_status`` (see :func:`photai_dam.statemachine.cas_transition`)."""
    now = timezone.now()
    if new_status == JobStatus.RUNNING:
        fields.setdefault("started_at", now)
    if new_status in FINISHED:
        fields.setdefault("finished_at", now)
    return cas_transition(
        job,
        new_status,
        table=TRANSITIONS,
        object_type="job",
        expected=expected,
        audit_fields=("error_code", "progress"),
        **fields,
    )


def create_job(
    access: WorkspaceAccess,
    *,
    operation: str,
    inputs: Sequence[UUID | str],
    params: dict[str, Any],
    prompt: str = "",
) -> Job:
    """Validate, run policy, save the job, and send it to its queue once the transaction commits."""
    access.require_role(Role.EDITOR, Role.ADMIN)
    op = ports.find_operation(operation)
    if op is None:
        raise Unprocessable(
            "unknown_operation",
            f"There is no operation {operation!r}.",
            details={"operations": ports.operation_names()},
        )
    input_ids = [_normalise_id(str(i)) for i in inputs]
    assets_by_id = {
        str(a.pk): a
        for a in Asset.objects.filter(
            workspace=access.workspace, pk__in=[i for i in input_ids if i is not None]
        )
    }
    missing = [str(raw) for raw, i in zip(inputs, input_ids, strict=True) if i not in assets_by_id]
    if missing:
        # Another workspace's asset is indistinguishable from a missing one (I4).
        raise Unprocessable(
            "input_not_found", "Some inputs are not assets of this workspace.", details={"missing": missing}
        )
    ordered = [assets_by_id[i] for i in input_ids if i is not None]
    clean_params = op.validate(params=params, inputs=ordered, prompt=prompt, workspace=access.workspace)
    reasons = ports.check_job_request(
        workspace=access.workspace, operation=op, inputs=ordered, params=clean_params, prompt=prompt
    )
    if reasons:
        raise Unprocessable(
            "policy_refused",
            "The request breaks the workspace's policy.",
            details={"reasons": [r.as_dict() for r in reasons]},
        )
    roles = op.input_roles(len(ordered))
    with transaction.atomic():
        job = Job.objects.create(
            workspace=access.workspace,
            operation=op.name,
            queue=op.queue,
            params=clean_params,
            prompt=prompt,
            created_by=access.membership.user,
        )
        JobInput.objects.bulk_create(
            JobInput(job=job, asset=asset, role=role, position=i)
            for i, (asset, role) in enumerate(zip(ordered, roles, strict=True))
        )
        ports.record_audit(
            job,
            "job.create",
            actor=access.membership.user,
            data={"operation": op.name, "inputs": [str(a.pk) for a in ordered], "params": clean_params},
        )
        transaction.on_commit(lambda: ports.enqueue_job(job))
    return job


def cancel_job(access: WorkspaceAccess, job: Job) -> Job:
    if job.created_by_id != access.membership.user_id:
        access.require_role(Role.ADMIN)
    for _ in range(3):  # the worker may move it from queued to running under us
        if job.status in FINISHED:
            raise Conflict(
                "invalid_transition",
                f"The job is already {job.status}.",
                details={"status": job.status},
            )
        if transition(
            job, JobStatus.CANCELLED, error_code="cancelled", error_message="Cancelled by a person."
        ):
            ports.record_audit(job, "job.cancel", actor=access.membership.user)
            return job
    raise Conflict("invalid_transition", "The job changed state while cancelling; try again.")


def report_progress(job_id: UUID, progress: int, message: str | None = None) -> None:
    """Record progress from a worker (no audit event: progress is not a state change)."""
    progress = max(0, min(100, int(progress)))
    updates: dict[str, Any] = {"progress": progress}
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, progress__lte=progress).update(**updates)
    if message:
        append_log(job_id, message)


def append_log(job_id: UUID, message: str) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().only("log").get(pk=job_id)
        job.log = [*job.log, {"at": timezone.now().isoformat(), "message": message}][-200:]
        job.save(update_fields=["log"])


def is_cancelled(job_id: UUID) -> bool:
    return Job.objects.filter(pk=job_id, status=JobStatus.CANCELLED).exists()


def count_attempt(job_id: UUID) -> None:
    Job.objects.filter(pk=job_id).update(attempts=F("attempts") + 1)


def _normalise_id(value: str) -> str | None:
    try:
        return str(UUID(value))
    except ValueError:
        return None


__all__ = ["InvalidTransition", "cancel_job", "create_job", "report_progress", "transition"]
