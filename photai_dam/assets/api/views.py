from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from photai_dam import ports
from photai_dam.api.errors import ApiError
from photai_dam.api.scoping import WorkspaceViewSet
from photai_dam.assets import actions
from photai_dam.assets.api.serializers import AssetSerializer, AssetUploadSerializer
from photai_dam.assets.choices import AssetStatus, Origin
from photai_dam.assets.models import Asset, AssetParent


class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Assets of a workspace: upload, list, detail, download, delete."""

    queryset = Asset.objects.all()
    serializer_class = AssetSerializer
    object_name = "asset"

    def get_queryset(self) -> QuerySet[Any]:
        qs = (
            super()
            .get_queryset()
            .select_related("created_by")
            .prefetch_related(
                Prefetch("parent_links", queryset=AssetParent.objects.order_by("position")),
                ports.current_licence_prefetch(),
            )
        )
        params = self.request.query_params
        for name, choices in (("origin", Origin.values), ("status", AssetStatus.values)):
            value = params.get(name)
            if value:
                if value not in choices:
                    raise ApiError(
                        "invalid_filter", f"{name} must be one of {choices}", details={name: value}
                    )
                qs = qs.filter(**{name: value})
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("origin", enum=Origin.values),
            OpenApiParameter("status", enum=AssetStatus.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AssetUploadSerializer, responses={201: AssetSerializer})
    def create(self, request: Request, slug: str) -> Response:
        declared = request.META.get("CONTENT_LENGTH")
        if declared and declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + 64 * 1024:
            raise ApiError(
                "file_too_large",
                f"The upload is larger than the limit of {settings.UPLOAD_MAX_BYTES} bytes.",
                status_code=413,
                details={"limit": settings.UPLOAD_MAX_BYTES},
            )
        upload = AssetUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        uploaded = upload.validated_data["file"]
        if uploaded.size > settings.UPLOAD_MAX_BYTES:
            raise ApiError(
                "file_too_large",
                f"The file is {uploaded.size} bytes; the limit is {settings.UPLOAD_MAX_BYTES}.",
                status_code=413,
                details={"size": uploaded.size, "limit": settings.UPLOAD_MAX_BYTES},
            )
        asset = actions.ingest_upload(
            self.access,
            data=uploaded.read(),
            title=upload.validated_data.get("title", ""),
            licence=upload.validated_data.get("licence"),
        )
        asset = self.get_queryset().get(pk=asset.pk)
        return Response(self.get_serializer(asset).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, slug: str, pk: str) -> Response:
        actions.delete_asset(self.access, self.get_object())  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, slug: str, pk: str) -> FileResponse:
        asset: Asset = self.get_object()  # type: ignore[assignment]
        handle = asset.file.open("rb")
        extension = (asset.file.name or "").rsplit(".", 1)[-1]
        response = FileResponse(
            handle, content_type=asset.mime_type, as_attachment=True, filename=f"{asset.pk}.{extension}"
        )
        response["Content-Length"] = str(asset.size)
        response["ETag"] = f'"{asset.sha256}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
