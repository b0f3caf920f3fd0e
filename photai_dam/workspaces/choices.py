from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    EDITOR = "editor", "Editor"  # asks for edits and generations, submits for review, publishes
    BRAND_REVIEWER = "brand_reviewer", "Brand reviewer"  # decides the brand stage of reviews
    LEGAL_REVIEWER = "legal_reviewer", "Legal reviewer"  # decides the legal stage of reviews
    ADMIN = "admin", "Admin"  # members, connections, models, settings, audit
