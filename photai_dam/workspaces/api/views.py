from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import generics

from photai_dam.workspaces.api.serializers import MyWorkspaceSerializer
from photai_dam.workspaces.models import Membership


class MyWorkspacesView(generics.ListAPIView):
    """The workspaces the caller belongs to, with their roles in each."""

    serializer_class = MyWorkspaceSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return (
            Membership.objects.filter(user_id=self.request.user.pk or 0)
            .select_related("workspace")
            .order_by("workspace__slug")
        )
