from __future__ import annotations

from django.db import models


class WatermarkStatus(models.TextChoices):
    EMBEDDED = "embedded", "Embedded"  # the stored pixels carry the watermark id; finalisation decoded it
    # Below the carrier's minimum size and with no AI in its lineage (a small rendition of an upload):
    # signed, not watermarked. An AI output (or anything derived from one) this small is refused instead.
    OMITTED_TOO_SMALL = "omitted_too_small", "Omitted (image too small)"


class ValidationState(models.TextChoices):
    TRUSTED = "Trusted", "Trusted"  # signature valid and the chain ends at a configured trust anchor
    VALID = "Valid", "Valid"  # signature and hashes valid, signer not in the trust anchors
    INVALID = "Invalid", "Invalid"  # a hash, signature or structural check failed
