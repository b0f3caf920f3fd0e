from __future__ import annotations

from django.db import models


class ReviewStatus(models.TextChoices):
    OPEN = "open", "In review"  # waiting for the decision of its current stage
    APPROVED = "approved", "Approved"  # every stage approved the asset's exact bytes
    CHANGES_REQUESTED = "changes_requested", "Changes requested"  # a reviewer sent it back; closed
    REJECTED = "rejected", "Rejected"  # a reviewer (or an admin revoking an approval) refused it; closed
    WITHDRAWN = "withdrawn", "Withdrawn"  # the requester took it back before a final decision; closed


# Every allowed move of a review, in one place. OPEN -> OPEN is a stage being approved and the review
# moving on to the next one. APPROVED -> REJECTED / OPEN are an admin revoking an approval (reject, or
# reopen for a fresh round of decisions); both unpublish the asset everywhere.
TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.OPEN: frozenset(
        {
            ReviewStatus.OPEN,
            ReviewStatus.APPROVED,
            ReviewStatus.CHANGES_REQUESTED,
            ReviewStatus.REJECTED,
            ReviewStatus.WITHDRAWN,
        }
    ),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.REJECTED, ReviewStatus.OPEN}),
    ReviewStatus.CHANGES_REQUESTED: frozenset(),
    ReviewStatus.REJECTED: frozenset(),
    ReviewStatus.WITHDRAWN: frozenset(),
}
CLOSED = frozenset({ReviewStatus.CHANGES_REQUESTED, ReviewStatus.REJECTED, ReviewStatus.WITHDRAWN})


class DecisionKind(models.TextChoices):
    APPROVE = "approve", "Approve"  # this stage accepts these exact bytes
    REQUEST_CHANGES = "request_changes", "Request changes"  # send back to the requester; closes the review
    REJECT = "reject", "Reject"  # refuse; closes the review (an admin's reject of an approved one revokes it)


class ReviewKind(models.TextChoices):
    WORKFLOW = "workflow", "Workflow"  # decided stage by stage by the workspace's reviewers
    ATTESTATION = "attestation", "Admin attestation"  # an admin marked an upload approved for use


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # saved; the actor has not delivered it yet (or is retrying)
    DELIVERED = "delivered", "Delivered"  # the receiver answered 2xx
    FAILED = "failed", "Failed"  # the receiver refused it (4xx) or every retry failed
