from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from photai_dam import ports
from photai_dam.api.errors import ApiError
from photai_dam.api.scoping import WorkspaceViewSet
from photai_dam.jobs import actions
from photai_dam.jobs.api.serializers import JobCreateSerializer, JobSerializer
from photai_dam.jobs.choices import JobStatus
from photai_dam.jobs.models import Job


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Edit and generation jobs of a workspace."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    object_name = "job"

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset().select_related("created_by").prefetch_related("inputs", "output_links")
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in JobStatus.values:
                raise ApiError("invalid_filter", f"status must be one of {JobStatus.values}")
            qs = qs.filter(status=wanted)
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        # Who reads prompts is decided once per request (photai_dam.jobs.prompts), not once per job.
        context = super().get_serializer_context()
        context["access"] = self.access
        context["prompts_shared"] = ports.workspace_shares_prompts(self.access.workspace)
        return context

    @extend_schema(parameters=[OpenApiParameter("status", enum=JobStatus.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=JobCreateSerializer, responses={202: JobSerializer})
    def create(self, request: Request, slug: str) -> Response:
        body = JobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = actions.create_job(
            self.access,
            operation=body.validated_data["operation"],
            inputs=body.validated_data["inputs"],
            params=body.validated_data["params"],
            prompt=body.validated_data["prompt"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses={200: JobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, slug: str, pk: str) -> Response:
        job = actions.cancel_job(self.access, self.get_object())  # type: ignore[arg-type]
        return Response(self.get_serializer(self.get_queryset().get(pk=job.pk)).data)
