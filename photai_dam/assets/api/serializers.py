from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from photai_dam import ports
from photai_dam.api import parsers
from photai_dam.api.errors import ApiError
from photai_dam.assets.models import Asset


class AssetSerializer(serializers.ModelSerializer):
    parents = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "title",
            "mime_type",
            "width",
            "height",
            "size",
            "sha256",
            "origin",
            "status",
            "parents",
            "created_by",
            "created_at",
            "updated_at",
            "download_url",
            "licence",
        ]

    def get_parents(self, asset: Asset) -> list[dict[str, str]]:
        return [
            {"id": str(link.parent_id), "relationship": link.relationship}
            for link in asset.parent_links.all()
        ]

    def get_created_by(self, asset: Asset) -> str | None:
        return asset.created_by.username if asset.created_by else None

    def get_download_url(self, asset: Asset) -> str:
        return reverse("asset-download", kwargs={"slug": self.context["workspace"].slug, "pk": asset.pk})

    def get_licence(self, asset: Asset) -> dict[str, Any] | None:
        return ports.current_licence(asset)


class AssetUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    licence = serializers.CharField(required=False, allow_blank=True)

    def validate_licence(self, value: str) -> dict[str, Any] | None:
        if not value:
            return None
        try:
            parsed = parsers.loads(value)
        except parsers.JSONRejected as exc:
            # The parser's own code (json_too_deep, invalid_number) says more than invalid_licence would.
            code = "invalid_licence" if exc.code == "invalid_json" else exc.code
            raise ApiError(code, f"licence: {exc.message}", status_code=400, details=exc.details) from None
        if not isinstance(parsed, dict):
            raise ApiError("invalid_licence", "licence must be a JSON object", status_code=400)
        return parsed
