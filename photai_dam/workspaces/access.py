"""Resolving a workspace for a user: not a member means *not found* (invariant I4), never *forbidden*."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from photai_dam.api.errors import ApiError, not_found
from photai_dam.workspaces.models import Membership, Workspace


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace: Workspace
    membership: Membership

    def has_role(self, *roles: str) -> bool:
        return self.membership.has_role(*roles)

    def require_role(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise ApiError(
                "permission_denied",
                f"This needs one of the roles: {', '.join(roles)}.",
                status_code=403,
                details={"required_roles": list(roles)},
            )


def workspace_access(user: AbstractBaseUser | AnonymousUser, slug: str) -> WorkspaceAccess:
    if not user.is_authenticated:
        raise not_found("workspace")
    membership = (
        Membership.objects.select_related("workspace").filter(workspace__slug=slug, user_id=user.pk).first()
    )
    if membership is None:
        raise not_found("workspace")
    return WorkspaceAccess(workspace=membership.workspace, membership=membership)


def member_workspace_ids(user: AbstractBaseUser | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user_id=user.pk).values_list("workspace_id", flat=True))
