from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.reviews import actions, workflow
from governance.reviews.api.serializers import (
    CommentSerializer,
    DecisionSerializer,
    ReviewSerializer,
    SubmitSerializer,
    WorkflowSettingsSerializer,
)
from governance.reviews.choices import DecisionKind, ReviewStatus
from governance.reviews.models import Decision, Review, WorkflowSettings
from governance.reviews.separation import lineage_people
from photai_dam.api.errors import ApiError, not_found
from photai_dam.api.scoping import WorkspaceScopedMixin, WorkspaceViewSet
from photai_dam.assets.models import Asset
from photai_dam.workspaces.choices import Role

TRUE_VALUES = {"1", "true", "yes", "on"}


def reviews_queryset() -> QuerySet[Review]:
    return Review.objects.select_related("asset", "requested_by", "workspace").prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.order_by("created_at", "id"))
    )


def assigned_to(queryset: QuerySet[Review], access: Any) -> QuerySet[Review]:
    """Open reviews whose current stage the member may decide now (role, and not excluded by SoD)."""
    user_id = access.membership.user_id
    decided_now = Decision.objects.filter(reviewer_id=user_id)
    qs = queryset.filter(status=ReviewStatus.OPEN, current_role__in=access.membership.roles).exclude(
        requested_by_id=user_id
    )
    # Nobody decides what derives from their own upload or output (a few queries per lineage generation
    # for the whole queue, not per review).
    candidates = list(qs.values_list("id", "asset_id"))
    people = lineage_people(asset_id for _, asset_id in candidates)
    mine_by_lineage = [pk for pk, asset_id in candidates if user_id in people[asset_id]]
    if mine_by_lineage:
        qs = qs.exclude(pk__in=mine_by_lineage)
    # Drop the ones this member already decided at the current stage of the current round, and those
    # where they approved another stage while the review allows one stage per person.
    mine = list(
        decided_now.filter(review__in=qs).values_list("review_id", "round", "stage_index", "decision")
    )
    if not mine:
        return qs
    skip = []
    for pk, round_, stage, one_per_person in qs.values_list(
        "id", "round", "current_stage", "one_stage_per_person"
    ):
        for review_id, d_round, d_stage, decision in mine:
            if review_id != pk or d_round != round_:
                continue
            if d_stage == stage or (one_per_person and decision == DecisionKind.APPROVE):
                skip.append(pk)
                break
    return qs.exclude(pk__in=skip) if skip else qs


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Reviews of a workspace: list (queue), detail, decide, withdraw, reopen."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    object_name = "review"

    def get_queryset(self) -> QuerySet[Any]:
        qs = reviews_queryset().filter(workspace=self.access.workspace)
        params = self.request.query_params
        wanted = params.get("status")
        if wanted:
            if wanted not in ReviewStatus.values:
                raise ApiError(
                    "invalid_filter",
                    f"status must be one of {ReviewStatus.values}",
                    details={"status": wanted},
                )
            qs = qs.filter(status=wanted)
        if params.get("stage"):
            qs = qs.filter(current_stage_key=params["stage"])
        if params.get("asset"):
            qs = qs.filter(asset_id=_uuid_or_404(params["asset"], "asset"))
        if params.get("assigned_to_me", "").lower() in TRUE_VALUES:
            qs = assigned_to(qs, self.access)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=ReviewStatus.values),
            OpenApiParameter("stage", str, description="key of the current stage, e.g. brand"),
            OpenApiParameter("assigned_to_me", bool, description="only reviews I may decide now"),
            OpenApiParameter("asset", str),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _reply(self, review: Review) -> Response:
        return Response(self.get_serializer(reviews_queryset().get(pk=review.pk)).data)

    @extend_schema(request=DecisionSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def decisions(self, request: Request, slug: str, pk: str) -> Response:
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = actions.decide(self.access, self.get_object(), **body.validated_data)  # type: ignore[arg-type]
        return self._reply(review)

    @extend_schema(request=CommentSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, slug: str, pk: str) -> Response:
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(actions.withdraw(self.access, self.get_object(), **body.validated_data))  # type: ignore[arg-type]

    @extend_schema(request=CommentSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, slug: str, pk: str) -> Response:
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._reply(actions.reopen(self.access, self.get_object(), **body.validated_data))  # type: ignore[arg-type]


def _uuid_or_404(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise not_found(what) from None


class AssetReviewsView(WorkspaceScopedMixin, generics.GenericAPIView):
    """``POST …/assets/{id}/reviews`` submits the asset for review; ``GET`` lists its reviews."""

    queryset = Asset.objects.all()
    serializer_class = ReviewSerializer
    object_name = "asset"

    def _asset(self) -> Asset:
        asset_id = _uuid_or_404(self.kwargs["pk"], "asset")
        asset = Asset.objects.filter(workspace=self.access.workspace, pk=asset_id).first()
        if asset is None:
            raise not_found("asset")
        return asset

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str, pk: str) -> Response:
        asset = self._asset()
        reviews = reviews_queryset().filter(asset=asset)
        return Response({"results": [ReviewSerializer(r).data for r in reviews]})

    @extend_schema(request=SubmitSerializer, responses={201: ReviewSerializer})
    def post(self, request: Request, slug: str, pk: str) -> Response:
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = actions.submit_for_review(self.access, self._asset(), **body.validated_data)
        return Response(
            ReviewSerializer(reviews_queryset().get(pk=review.pk)).data, status=status.HTTP_201_CREATED
        )


class WorkflowSettingsView(WorkspaceScopedMixin, generics.GenericAPIView):
    """The workspace's review workflow (admins): stages, one-stage-per-person, signed webhook."""

    queryset = WorkflowSettings.objects.all()
    serializer_class = WorkflowSettingsSerializer

    def _describe(self) -> dict[str, Any]:
        config = WorkflowSettings.objects.filter(workspace=self.access.workspace).first()
        return WorkflowSettingsSerializer.describe(config, workflow.default_stages())

    @extend_schema(responses={200: dict})
    def get(self, request: Request, slug: str) -> Response:
        self.access.require_role(Role.ADMIN)
        return Response(self._describe())

    @extend_schema(request=WorkflowSettingsSerializer, responses={200: dict})
    def put(self, request: Request, slug: str) -> Response:
        self.access.require_role(Role.ADMIN)
        body = WorkflowSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.update_settings(self.access, dict(body.validated_data))
        return Response(self._describe())

    patch = put
