from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inference import actions, catalog
from inference.api.serializers import ModelRecordSerializer
from inference.models import ModelRecord
from photai_dam.api.errors import ApiError
from photai_dam.workspaces.models import Membership


class OperationListView(APIView):
    """The operation catalog: what each operation takes and its parameters as JSON Schema."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"results": [op.describe() for op in catalog.all_operations()]})


class ModelListView(generics.ListCreateAPIView):
    """The model registry: every registered model with its licence facts.

    Any signed-in user may list it (editors pick ``params.model`` and ``params.style`` from it): the shared
    models and those owned by their workspaces. Registering (POST) needs staff status or the admin role in
    at least one workspace; an adapter or segmentation model may name a workspace the user administers as
    its owner. A local folder must lie inside PHOTAI_MODEL_ROOTS and hold the weights its kind needs; its
    path is shown only to those who may register.
    """

    serializer_class = ModelRecordSerializer

    def get_queryset(self) -> QuerySet[Any]:
        user = self.request.user
        if getattr(user, "is_staff", False):
            qs = ModelRecord.objects.all()
        else:
            # Shared models, and those of the workspaces the user belongs to (I4: others' are invisible).
            member_of = Membership.objects.filter(user_id=int(user.pk or 0)).values("workspace_id")
            qs = ModelRecord.objects.filter(Q(workspace__isnull=True) | Q(workspace_id__in=member_of))
        qs = qs.select_related("workspace").prefetch_related("base_models")
        enabled = self.request.query_params.get("enabled")
        if enabled is not None:
            if enabled not in ("true", "false"):
                raise ApiError("invalid_filter", "enabled must be true or false")
            qs = qs.filter(enabled=enabled == "true")
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "can_manage": actions.can_manage_models(self.request.user),
        }

    @extend_schema(parameters=[OpenApiParameter("enabled", bool)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Refuse non-admins before looking at the body, so they learn nothing about the file system.
        if not actions.can_manage_models(request.user):
            raise ApiError(
                "permission_denied",
                "Registering models needs staff status or the admin role in a workspace.",
                status_code=403,
            )
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        record = actions.register_model(request.user, data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)
