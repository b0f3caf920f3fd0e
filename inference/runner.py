"""Runs one job on a worker: reload it, run its operation, finalise and store each output.

Safe to run twice for the same job (a redelivered message, a retry): finished jobs are left alone and an
output index already stored is never stored again (invariant I6).
"""

from __future__ import annotations

import io
import logging
import time
import uuid
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError
from PIL import Image

from governance import finalise
from inference import catalog
from inference.context import InputImage, RunContext, RunOutput
from inference.errors import JobCancelled, JobError, PermanentJobError
from photai_dam.assets import actions as asset_actions
from photai_dam.jobs import actions as job_actions
from photai_dam.jobs.choices import FINISHED, JobStatus
from photai_dam.jobs.models import Job, JobOutput
from photai_dam.values import OutputSpec

logger = logging.getLogger(__name__)


def time_limit_s() -> float:
    """The running job's time limit: its actor's ``time_limit`` (what Dramatiq's TimeLimit enforces)."""
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    if message is not None:
        import dramatiq
        from dramatiq.errors import ActorNotFound

        limit_ms = message.options.get("time_limit")
        if not limit_ms:
            try:
                limit_ms = dramatiq.get_broker().get_actor(message.actor_name).options.get("time_limit")
            except ActorNotFound:  # an actor declared on another broker (tests): the configured limit
                limit_ms = None
        if limit_ms:
            return float(limit_ms) / 1000
    return float(settings.JOB_TIME_LIMIT_S)


def execute_job(job_id: str | UUID) -> None:
    deadline = time.monotonic() + time_limit_s()
    job = Job.objects.select_related("workspace").filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s no longer exists; dropping the message", job_id)
        return
    if job.status in FINISHED:
        logger.info("job %s is already %s; nothing to do", job.pk, job.status)
        return
    if job.status == JobStatus.QUEUED and not job_actions.transition(job, JobStatus.RUNNING):
        # Someone else moved it (cancelled, or another worker took it); re-read and decide again.
        job.refresh_from_db()
        if job.status != JobStatus.RUNNING:
            return
    # status is RUNNING here: either we just took it, or a previous delivery died half-way. In both cases
    # the work below is idempotent per output index.
    job_actions.count_attempt(job.pk)
    op = catalog.get_operation(job.operation)
    if op is None:
        job_actions.transition(
            job, JobStatus.FAILED, error_code="unknown_operation", error_message=job.operation
        )
        return
    job_id = job.pk

    def report(percent: int, message: str | None = None) -> None:
        job_actions.report_progress(job_id, percent, message)

    try:
        context = RunContext(
            job_id=str(job_id),
            operation=job.operation,
            params=job.params,
            prompt=job.prompt,
            inputs=_load_inputs(job),
            report=report,
            cancelled=lambda: job_actions.is_cancelled(job_id),
            workspace_id=job.workspace_id,
            deadline=deadline,
        )
        outputs = op.run(context)
        context.check_cancelled()
        for index, output in enumerate(outputs):
            _store_output(job, index, output)
            context.check_cancelled()
    except JobCancelled:
        logger.info("job %s was cancelled while running", job.pk)
        return
    except JobError as exc:
        if not exc.permanent:
            raise  # the actor decides whether to retry
        _fail(job, exc.code, exc.message)
        return
    job_actions.transition(job, JobStatus.SUCCEEDED, expected=JobStatus.RUNNING, progress=100)


def fail_job(job_id: str | UUID, code: str, message: str) -> None:
    """Mark a job failed after its last retry (called by the actor)."""
    job = Job.objects.select_related("workspace").filter(pk=job_id).first()
    if job is not None and job.status not in FINISHED:
        _fail(job, code, message)


def _fail(job: Job, code: str, message: str) -> None:
    job.refresh_from_db()
    if job.status in FINISHED:
        return
    job_actions.transition(job, JobStatus.FAILED, error_code=code, error_message=message[:2000])


def _load_inputs(job: Job) -> list[InputImage]:
    loaded = []
    for link in job.inputs.select_related("asset"):
        asset = link.asset
        try:
            with asset.file.open("rb") as handle:
                image = Image.open(io.BytesIO(handle.read()))
                image.load()
        except OSError as exc:
            raise PermanentJobError("input_unreadable", f"input {asset.pk} cannot be read: {exc}") from exc
        loaded.append(
            InputImage(asset_id=str(asset.pk), role=link.role, image=image, mime_type=asset.mime_type)
        )
    return loaded


def _store_output(job: Job, index: int, output: RunOutput) -> None:
    if JobOutput.objects.filter(job=job, index=index).exists():
        logger.info("job %s output %s already stored (redelivery); skipping", job.pk, index)
        return
    if output.model is not None and not job.model_key:
        # Once per job, from its first output (variants carry seed, seed+1, ...: the job keeps the first).
        Job.objects.filter(pk=job.pk, model_key="").update(
            model_key=output.model.key,
            model_revision=output.model.revision,
            weights_hash=output.model.weights_hash,
            seed=output.seed,
        )
        job.model_key = output.model.key
    sources = list(job.inputs.select_related("asset").order_by("position"))
    asset_id = uuid.uuid4()
    spec = OutputSpec(
        asset_id=asset_id,
        workspace=job.workspace,
        image=output.image,
        format=output.format,
        quality=output.quality,
        operation=job.operation,
        kind=output.kind or catalog.get_operation(job.operation).kind,  # type: ignore[union-attr]
        job_id=job.pk,
        model=output.model,
        seed=output.seed,
        prompt=job.prompt,
        sources=[(link.asset, link.role) for link in sources],
        details=output.details,
    )
    try:
        result = finalise.finalise_output(spec)
    except finalise.FinalisationError as exc:
        raise PermanentJobError(exc.code, str(exc)) from exc
    try:
        asset_actions.store_output(job=job, index=index, spec=spec, result=result)
    except IntegrityError:
        # A concurrent delivery stored this index first; ours was rolled back and its file removed.
        logger.info("job %s output %s was stored by another delivery", job.pk, index)
