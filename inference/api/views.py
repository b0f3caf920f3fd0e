from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inference import actions, catalog
from inference.api.serializers import ModelRecordSerializer
from inference.models import ModelRecord
from photai_dam.api.errors import ApiError


class OperationListView(APIView):
    """The operation catalog: what each operation takes and its parameters as JSON Schema."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"results": [op.describe() for op in catalog.all_operations()]})


class ModelListView(generics.ListCreateAPIView):
    """The model registry: every registered model with its licence facts.

    Any signed-in user may list it (editors pick ``params.model`` from it). Registering (POST) needs staff
    status or the admin role in at least one workspace: the registry is shared by every workspace, and what
    each workspace may use is decided by policy from the licence facts. A local folder must lie inside
    PHOTAI_MODEL_ROOTS and hold a diffusers pipeline; its path is shown only to those who may register.
    """

    serializer_class = ModelRecordSerializer

    def get_queryset(self) -> QuerySet[Any]:
        qs = ModelRecord.objects.all()
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
