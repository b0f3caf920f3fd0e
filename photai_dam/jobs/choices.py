from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # saved and sent to the broker; no worker has it yet
    RUNNING = "running", "Running"  # a worker is running it
    SUCCEEDED = "succeeded", "Succeeded"  # finished; outputs are stored
    FAILED = "failed", "Failed"  # stopped with an error code; nothing half-stored
    CANCELLED = "cancelled", "Cancelled"  # cancelled by a person before it finished


# Every allowed transition of a job, in one place. RUNNING -> QUEUED is a worker handing a job back
# for a retry after a transient error (and a redelivery after a worker died).
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.CANCELLED, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset(
        {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED}
    ),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}
FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class InputRole(models.TextChoices):
    SOURCE = "source", "Source"  # the image being edited
    MASK = "mask", "Mask"  # white where the operation applies
    STYLE = "style", "Style reference"  # an image whose look the output takes (style_transfer)
