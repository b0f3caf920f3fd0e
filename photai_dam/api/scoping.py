"""Base classes for workspace-scoped API views: every queryset is filtered to the caller's workspace."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.request import Request

from photai_dam.api.errors import not_found
from photai_dam.workspaces.access import WorkspaceAccess, workspace_access


class WorkspaceScopedMixin:
    """Resolves ``{slug}`` to the caller's membership (404 when not a member, I4) and scopes querysets."""

    request: Request
    kwargs: dict[str, Any]
    queryset: QuerySet[Any]
    workspace_field = "workspace"
    object_name = "resource"

    @cached_property
    def access(self) -> WorkspaceAccess:
        return workspace_access(self.request.user, self.kwargs["slug"])

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        _ = self.access  # resolve (and 404) before any handler runs

    def get_queryset(self) -> QuerySet[Any]:
        return self.queryset.filter(**{self.workspace_field: self.access.workspace})

    def get_object(self) -> Model:
        lookup = self.kwargs.get("pk")
        try:
            return self.get_queryset().get(pk=lookup)
        except (self.queryset.model.DoesNotExist, ValueError, TypeError):
            raise not_found(self.object_name) from None
        except Exception as exc:  # invalid UUID strings raise ValidationError from the field
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError):
                raise not_found(self.object_name) from None
            raise

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["workspace"] = self.access.workspace
        return context


class WorkspaceViewSet(WorkspaceScopedMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    pass
