"""POST /api/v1/verify: what a file is (manifest, watermark, and for members the record it belongs to)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from governance.provenance import verify_bytes
from photai_dam.api.errors import ApiError
from photai_dam.assets.imaging import inspect_image


class VerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField()


class VerifyView(APIView):
    """Any authenticated user may verify a file; ``record`` is filled only for members of its workspace."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]
    # Verifying can cost seconds of CPU (the watermark's crop search): a per-user rate keeps one account
    # from tying up the web workers (PHOTAI_VERIFY_RATE, default 30/min).
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    @extend_schema(request=VerifyRequestSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError("file_required", "Send the image as the multipart field 'file'.", status_code=400)
        data = upload.read()
        # Size, type, pixel count, truncation and polyglots (4xx with a code) before any decoding; damaged
        # but complete data is let through: telling what a damaged copy is, is what verify is for.
        inspect_image(data, tolerate_damage=True)
        return Response(verify_bytes(data, user=request.user))
