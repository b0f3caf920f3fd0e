"""State changes of workspaces and memberships."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from photai_dam import ports
from photai_dam.workspaces.models import Membership, Workspace


def create_workspace(*, slug: str, name: str, actor: Any = None) -> Workspace:
    with transaction.atomic():
        workspace = Workspace.objects.create(slug=slug, name=name)
        ports.record_audit(workspace, "workspace.create", actor=actor)
    return workspace


def set_membership(*, workspace: Workspace, user: Any, roles: list[str], actor: Any = None) -> Membership:
    """Add ``user`` to ``workspace`` with ``roles``, or change their roles."""
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            workspace=workspace, user=user, defaults={"roles": roles}
        )
        if not created and sorted(membership.roles) == sorted(roles):
            return membership
        before = [] if created else membership.roles
        membership.roles = roles
        membership.full_clean()
        membership.save()
        ports.record_audit(
            membership,
            "member.add" if created else "member.roles",
            actor=actor,
            workspace=workspace,
            data={"user": user.username, "roles": roles, "before": before},
        )
    return membership
