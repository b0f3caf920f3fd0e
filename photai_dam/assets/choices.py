from __future__ import annotations

from django.db import models


class Origin(models.TextChoices):
    UPLOAD = "upload", "Upload"  # a file a person uploaded
    AI_GENERATED = "ai_generated", "AI generated"  # made from a prompt alone
    AI_EDITED = "ai_edited", "AI edited"  # an AI edit of one or more source assets
    RENDITION = "rendition", "Rendition"  # a classical derivative: resize, crop, convert


class AssetStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # usable
    LICENCE_EXPIRED = "licence_expired", "Licence expired"  # the sweep found its effective licence expired
    LICENCE_REVOKED = "licence_revoked", "Licence revoked"  # a licence behind it was revoked


class Relationship(models.TextChoices):
    PARENT_OF = "parentOf", "Parent"  # the source this asset was derived from (C2PA parentOf)
    COMPONENT_OF = "componentOf", "Component"  # another input, e.g. a mask (C2PA componentOf)


# Formats we accept on upload and produce, by Pillow format name.
MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "AVIF": "image/avif",
}
EXTENSION_BY_MIME = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "image/avif": ".avif",
}
