"""Base classes for workspace-scoped API views: every queryset is filtered to the caller's workspace."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from rest_framework import generics, viewsets
from rest_framework.request import Request

from photai_dam.api.errors import not_found
from photai_dam.workspaces.access import WorkspaceAccess, workspace_access


class WorkspaceScopedMixin(generics.GenericAPIView):
    """Resolves ``{slug}`` to the caller's membership (404 when not a member, I4) and scopes querysets."""

    workspace_field = "workspace"
    object_name = "resource"

    @cached_property
    def access(self) -> WorkspaceAccess:
        return workspace_access(self.request.user, self.kwargs["slug"])

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _ = self.access  # resolve (and 404) before any handler runs

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(**{self.workspace_field: self.access.workspace})

    def get_object(self) -> Model:
        try:
            return self.get_queryset().get(pk=self.kwargs.get("pk"))
        # A malformed id (not a UUID) raises ValidationError from the field: to the caller it is absent.
        except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
            raise not_found(self.object_name) from None

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["workspace"] = self.access.workspace
        return context


class WorkspaceViewSet(WorkspaceScopedMixin, viewsets.GenericViewSet):
    pass
