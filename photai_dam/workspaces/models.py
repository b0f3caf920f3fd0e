from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from photai_dam.workspaces.choices import Role


class Workspace(models.Model):
    """A tenant: a brand or team whose assets, jobs, reviews and connections are isolated from others."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # Per-workspace settings; each governance module validates its own keys (see their docs).
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


def _validate_roles(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("roles must be a non-empty list")
    unknown = [r for r in value if r not in Role.values]
    if unknown:
        raise ValidationError(f"unknown roles: {unknown}")


class Membership(models.Model):
    """A user's membership of a workspace with one or more roles."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    roles = models.JSONField(default=list, validators=[_validate_roles])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} as {','.join(self.roles)}"

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)
