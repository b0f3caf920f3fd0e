from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inference import catalog


class OperationListView(APIView):
    """The operation catalog: what each operation takes and its parameters as JSON Schema."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"results": [op.describe() for op in catalog.all_operations()]})
