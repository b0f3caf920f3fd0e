from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.audit import evidence
from governance.audit.models import AuditEvent
from photai_dam.api.errors import ApiError, not_found
from photai_dam.api.scoping import WorkspaceScopedMixin, WorkspaceViewSet
from photai_dam.assets.models import Asset
from photai_dam.workspaces.choices import Role

EXPORT_FIELDS = [
    "id",
    "timestamp",
    "actor",
    "workspace",
    "action",
    "object_type",
    "object_id",
    "data",
    "prev_hash",
    "hash",
]
FILTER_PARAMETERS = [
    OpenApiParameter("action", str, description="exact action, or a namespace ending in '.', e.g. review."),
    OpenApiParameter("actor", str, description="username of who acted"),
    OpenApiParameter("object_type", str),
    OpenApiParameter("object_id", str),
    OpenApiParameter("since", str, description="ISO 8601 timestamp (inclusive)"),
    OpenApiParameter("until", str, description="ISO 8601 timestamp (exclusive)"),
]


def _when(name: str, value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise ApiError(
            "invalid_filter", f"{name} must be an ISO 8601 timestamp with a time zone.", details={name: value}
        )
    return parsed


def filter_events(qs: QuerySet[AuditEvent], params: Any) -> QuerySet[AuditEvent]:
    wanted = params.get("action")
    if wanted:
        qs = qs.filter(action__startswith=wanted) if wanted.endswith(".") else qs.filter(action=wanted)
    if params.get("actor"):
        qs = qs.filter(actor_label=params["actor"])
    if params.get("object_type"):
        qs = qs.filter(object_type=params["object_type"])
    if params.get("object_id"):
        qs = qs.filter(object_id=params["object_id"])
    if params.get("since"):
        qs = qs.filter(timestamp__gte=_when("since", params["since"]))
    if params.get("until"):
        qs = qs.filter(timestamp__lt=_when("until", params["until"]))
    return qs


def _csv_cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    # A leading =, +, -, @ would run as a formula when the export is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def jsonl_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    for event in events.iterator(chunk_size=1000):
        yield json.dumps(evidence.event_dict(event), sort_keys=True, ensure_ascii=False) + "\n"


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_FIELDS)
    yield flush()
    for event in events.iterator(chunk_size=1000):
        row = evidence.event_dict(event)
        writer.writerow([_csv_cell(row[f]) if f not in ("id",) else row[f] for f in EXPORT_FIELDS])
        yield flush()


def export_response(events: QuerySet[AuditEvent], fmt: str, filename: str) -> StreamingHttpResponse:
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(events), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(
            jsonl_lines(events), content_type="application/x-ndjson; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AuditEventViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """The workspace's audit trail (admins): list with filters, and streaming export as JSONL or CSV."""

    queryset = AuditEvent.objects.all()
    object_name = "audit event"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.access.require_role(Role.ADMIN)

    def get_queryset(self) -> QuerySet[Any]:
        return filter_events(super().get_queryset(), self.request.query_params).order_by("-id")

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: dict})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([evidence.event_dict(e) for e in page])

    @extend_schema(
        parameters=FILTER_PARAMETERS, responses={(200, "application/x-ndjson"): str, (200, "text/csv"): str}
    )
    @action(detail=False, methods=["get"], url_path=r"export\.(?P<fmt>jsonl|csv)")
    def export(self, request: Request, slug: str, fmt: str) -> StreamingHttpResponse:
        events = filter_events(
            AuditEvent.objects.filter(workspace=self.access.workspace), request.query_params
        )
        return export_response(events.order_by("id"), fmt, f"audit-{slug}")


class EvidenceView(WorkspaceScopedMixin, generics.GenericAPIView):
    """``GET …/assets/{id}/evidence``: the auditor's bundle for one asset (admins)."""

    queryset = Asset.objects.all()

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: str) -> Response:
        self.access.require_role(Role.ADMIN)
        try:
            asset_id = uuid.UUID(pk)
        except ValueError:
            raise not_found("asset") from None
        asset = (
            Asset.objects.filter(workspace=self.access.workspace, pk=asset_id)
            .select_related("created_by")
            .prefetch_related("licence_records")
            .first()
        )
        if asset is None:
            raise not_found("asset")
        return Response(evidence.bundle(asset))
