"""Kinds of connection and the publication state machine (one transitions table)."""

from __future__ import annotations

from django.db import models


class ConnectionKind(models.TextChoices):
    WORDPRESS = "wordpress", "WordPress"  # REST API media library, Application Password
    SHOPIFY = "shopify", "Shopify"  # Admin GraphQL Files API, access token
    CONTENTFUL = "contentful", "Contentful"  # Content Management API assets, CMA token


class PublicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # accepted by the gate, waiting for a worker
    PUBLISHING = "publishing", "Publishing"  # a worker is uploading (retries stay here)
    LIVE = "live", "Live"  # the remote system serves the exact bytes
    FAILED = "failed", "Failed"  # stopped with the vendor's (or our) error code; nothing live
    UNPUBLISHING = "unpublishing", "Unpublishing"  # a worker is removing it from the remote system
    UNPUBLISHED = "unpublished", "Unpublished"  # we removed it (revocation, licence sweep or a person)
    REMOVED_REMOTELY = "removed_remotely", "Removed remotely"  # someone deleted it inside the CMS


# Every allowed move in one place. PUBLISHING -> PUBLISHING is a worker taking up a retry; FAILED,
# UNPUBLISHED and REMOVED_REMOTELY -> PENDING is publishing the same asset to the same connection again
# (the one row per asset+connection is reused, I6). UNPUBLISHING -> LIVE is a permanent unpublish error:
# the media is still there, and saying so is the truth.
TRANSITIONS: dict[str, frozenset[str]] = {
    PublicationStatus.PENDING: frozenset({PublicationStatus.PUBLISHING, PublicationStatus.FAILED}),
    PublicationStatus.PUBLISHING: frozenset(
        {PublicationStatus.PUBLISHING, PublicationStatus.LIVE, PublicationStatus.FAILED}
    ),
    PublicationStatus.LIVE: frozenset({PublicationStatus.UNPUBLISHING, PublicationStatus.REMOVED_REMOTELY}),
    PublicationStatus.UNPUBLISHING: frozenset(
        {
            PublicationStatus.UNPUBLISHING,
            PublicationStatus.UNPUBLISHED,
            PublicationStatus.REMOVED_REMOTELY,
            PublicationStatus.LIVE,
        }
    ),
    PublicationStatus.FAILED: frozenset({PublicationStatus.PENDING}),
    PublicationStatus.UNPUBLISHED: frozenset({PublicationStatus.PENDING}),
    PublicationStatus.REMOVED_REMOTELY: frozenset({PublicationStatus.PENDING}),
}
# States in which the asset is (or is about to be) on the remote system.
ACTIVE = frozenset(
    {
        PublicationStatus.PENDING,
        PublicationStatus.PUBLISHING,
        PublicationStatus.LIVE,
        PublicationStatus.UNPUBLISHING,
    }
)
# States from which publishing again starts over.
RESTARTABLE = frozenset(
    {PublicationStatus.FAILED, PublicationStatus.UNPUBLISHED, PublicationStatus.REMOVED_REMOTELY}
)

DEFAULT_CHANNEL = {
    ConnectionKind.WORDPRESS: "web",
    ConnectionKind.SHOPIFY: "ecommerce",
    ConnectionKind.CONTENTFUL: "web",
}
