from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from integrations import actions
from integrations.api.serializers import (
    ConnectionSerializer,
    ConnectionWriteSerializer,
    PublicationCreateSerializer,
    PublicationSerializer,
    UnpublishSerializer,
)
from integrations.choices import PublicationStatus
from integrations.models import Connection, Publication
from photai_dam.api.errors import ApiError, not_found
from photai_dam.api.scoping import WorkspaceViewSet
from photai_dam.assets.models import Asset
from photai_dam.workspaces.choices import Role


class ConnectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    WorkspaceViewSet,
):
    """The workspace's CMS connections; admins only."""

    queryset = Connection.objects.all()
    serializer_class = ConnectionSerializer
    object_name = "connection"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.access.require_role(Role.ADMIN)

    @extend_schema(request=ConnectionWriteSerializer, responses={201: ConnectionSerializer})
    def create(self, request: Request, slug: str) -> Response:
        body = ConnectionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        values.pop("is_active", None)
        connection = actions.create_connection(self.access, **values)
        return Response(ConnectionSerializer(connection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConnectionWriteSerializer, responses={200: ConnectionSerializer})
    def partial_update(self, request: Request, slug: str, pk: str) -> Response:
        body = ConnectionWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        connection = actions.update_connection(self.access, self.get_object(), **body.validated_data)  # type: ignore[arg-type]
        return Response(ConnectionSerializer(connection).data)

    def destroy(self, request: Request, slug: str, pk: str) -> Response:
        actions.delete_connection(self.access, self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "ConnectionTest",
                {
                    "ok": serializers.BooleanField(),
                    "result": serializers.ChoiceField(
                        choices=["reachable", "auth_failed", "refused_by_policy", "unreachable"]
                    ),
                    "message": serializers.CharField(),
                },
            )
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, slug: str, pk: str) -> Response:
        return Response(actions.test_connection(self.access, self.get_object()))  # type: ignore[arg-type]


class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Publications of the workspace's assets; ``unpublish`` takes one down."""

    queryset = Publication.objects.all()
    serializer_class = PublicationSerializer
    object_name = "publication"

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset().select_related("connection")
        params = self.request.query_params
        wanted = params.get("status")
        if wanted:
            if wanted not in PublicationStatus.values:
                raise ApiError("invalid_filter", f"status must be one of {PublicationStatus.values}")
            qs = qs.filter(status=wanted)
        for name in ("asset", "connection"):
            value = params.get(name)
            if value:
                qs = qs.filter(**{f"{name}_id": actions.parse_uuid(value)})
        return qs

    @extend_schema(parameters=[OpenApiParameter("status", enum=PublicationStatus.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UnpublishSerializer, responses={202: PublicationSerializer})
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, slug: str, pk: str) -> Response:
        body = UnpublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        publication = actions.unpublish(self.access, self.get_object(), reason=body.validated_data["reason"])  # type: ignore[arg-type]
        return Response(self.get_serializer(publication).data, status=status.HTTP_202_ACCEPTED)


class AssetPublicationViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """``…/assets/{asset_id}/publications``: where one asset is published; POST publishes it."""

    queryset = Publication.objects.all()
    serializer_class = PublicationSerializer
    object_name = "publication"

    def _asset(self) -> Asset:
        wanted = actions.parse_uuid(self.kwargs["asset_id"])
        asset = Asset.objects.filter(workspace=self.access.workspace, pk=wanted).first() if wanted else None
        if asset is None:
            raise not_found("asset")
        return asset

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(asset=self._asset()).select_related("connection")

    @extend_schema(
        request=PublicationCreateSerializer,
        responses={202: PublicationSerializer, 200: PublicationSerializer},
        description="202 when an upload was scheduled; 200 with the existing publication when one is "
        "already pending, publishing or live on that connection (nothing is uploaded twice).",
    )
    def create(self, request: Request, slug: str, asset_id: str) -> Response:
        body = PublicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        publication, scheduled = actions.request_publication(
            self.access,
            self._asset(),
            connection_id=body.validated_data["connection"],
            target=body.validated_data["target"],
            alt_text=body.validated_data.get("alt_text"),
        )
        publication = Publication.objects.select_related("connection").get(pk=publication.pk)
        return Response(
            self.get_serializer(publication).data,
            status=status.HTTP_202_ACCEPTED if scheduled else status.HTTP_200_OK,
        )
