"""Licence, derivation, publishability and policy endpoints. Views declare; actions change state."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from governance import ports
from governance.gate import publishability
from governance.licensing import actions, effective_licence
from governance.licensing.api.serializers import (
    LicenceInputSerializer,
    LicenceRecordSerializer,
    PolicySerializer,
    PublishabilitySerializer,
    RevokeSerializer,
)
from governance.licensing.choices import ALL_CHANNELS, WORLDWIDE
from governance.licensing.models import LicenceRecord
from governance.licensing.schema import ISO_3166_ALPHA2
from photai_dam.api.errors import ApiError
from photai_dam.api.scoping import WorkspaceViewSet
from photai_dam.assets.models import Asset
from photai_dam.workspaces.choices import Role


class AssetLicenceViewSet(WorkspaceViewSet):
    """An asset's licence: current version, history, changes, revocation, derivation, publishability."""

    queryset = Asset.objects.all()
    object_name = "asset"
    serializer_class = LicenceRecordSerializer

    def _asset(self) -> Asset:
        return self.get_object()  # type: ignore[return-value]

    def _current(self, asset: Asset) -> Response:
        record = (
            LicenceRecord.objects.filter(asset=asset, is_current=True).select_related("created_by").first()
        )
        if record is None:
            # Outputs and renditions inherit; they have a record only when someone narrowed it by hand.
            raise ApiError(
                "no_own_licence",
                "The asset has no licence of its own; see licence/effective for what it inherits.",
                status_code=404,
            )
        return Response(LicenceRecordSerializer(record).data)

    def retrieve(self, request: Request, slug: str, pk: str) -> Response:
        return self._current(self._asset())

    @extend_schema(request=LicenceInputSerializer, responses={200: LicenceRecordSerializer})
    def update(self, request: Request, slug: str, pk: str) -> Response:
        asset = self._asset()
        actions.update_licence(self.access, asset, request.data, partial=False)
        return self._current(asset)

    @extend_schema(request=LicenceInputSerializer, responses={200: LicenceRecordSerializer})
    def partial_update(self, request: Request, slug: str, pk: str) -> Response:
        asset = self._asset()
        actions.update_licence(self.access, asset, request.data, partial=True)
        return self._current(asset)

    @extend_schema(responses={200: LicenceRecordSerializer(many=True)})
    def history(self, request: Request, slug: str, pk: str) -> Response:
        records = (
            LicenceRecord.objects.filter(asset=self._asset())
            .select_related("created_by")
            .order_by("-version")
        )
        return Response({"results": LicenceRecordSerializer(records, many=True).data})

    @extend_schema(request=RevokeSerializer, responses={200: LicenceRecordSerializer})
    def revoke(self, request: Request, slug: str, pk: str) -> Response:
        asset = self._asset()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.revoke_licence(self.access, asset, reason=body.validated_data["reason"])
        return self._current(asset)

    @extend_schema(responses={200: OpenApiResponse(description="The effective licence and its derivation")})
    def effective(self, request: Request, slug: str, pk: str) -> Response:
        return Response(effective_licence(self._asset()).as_dict())

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "connection", str, description="A connection of this workspace (its channel and territory)"
            ),
            OpenApiParameter("channel", enum=list(ALL_CHANNELS)),
            OpenApiParameter("territory", str, description="ISO 3166-1 alpha-2 code or 'worldwide'"),
        ],
        responses={200: PublishabilitySerializer},
    )
    def publishability(self, request: Request, slug: str, pk: str) -> Response:
        asset = self._asset()
        channel, territory = self._target(request)
        answer = publishability(asset, channel=channel, territory=territory)
        return Response({**answer.as_dict(), "channel": channel, "territory": territory})

    def _target(self, request: Request) -> tuple[str, str]:
        params = request.query_params
        connection_id = params.get("connection")
        if connection_id:
            target = ports.connection_target(self.access.workspace, connection_id)
            if target is None:  # another workspace's connection is indistinguishable from a missing one (I4)
                raise ApiError("not_found", "No such connection.", status_code=404)
            channel, territory = target[0], target[1] or WORLDWIDE
        else:
            channel, territory = params.get("channel", ""), params.get("territory", "")
        errors: dict[str, list[str]] = {}
        if channel not in ALL_CHANNELS:
            errors["channel"] = [f"one of {', '.join(ALL_CHANNELS)} (or pass connection=<id>)"]
        if territory.lower() == WORLDWIDE:
            territory = WORLDWIDE
        elif territory.upper() in ISO_3166_ALPHA2:
            territory = territory.upper()
        else:
            errors["territory"] = ["an ISO 3166-1 alpha-2 code or 'worldwide'"]
        if errors:
            raise ApiError(
                "invalid_target",
                "Say where to publish: connection, or channel and territory.",
                details={"fields": errors},
            )
        return channel, territory


class WorkspacePolicyViewSet(WorkspaceViewSet):
    """A workspace's prompt rules and licensing settings (admins)."""

    queryset = Asset.objects.none()
    serializer_class = PolicySerializer

    def retrieve(self, request: Request, slug: str) -> Response:
        self.access.require_role(Role.ADMIN)
        return Response(actions.policy_snapshot(self.access.workspace))

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer})
    def update(self, request: Request, slug: str) -> Response:
        return Response(actions.update_policy(self.access, request.data), status=status.HTTP_200_OK)
