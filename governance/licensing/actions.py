"""State changes of licence records, prompt policies and licence-driven asset statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from governance import audit, clock
from governance.licensing import tasks
from governance.licensing.derivation import _parse
from governance.licensing.models import LicenceRecord, PromptPolicy
from governance.licensing.prompts import rules_for, validate_rules
from governance.licensing.schema import validate_licence
from governance.licensing.settings import (
    commercial_channels,
    is_commercial,
    unknown_allowed,
    validate_settings,
)
from photai_dam.api.errors import ApiError, Conflict
from photai_dam.assets.choices import AssetStatus
from photai_dam.assets.models import Asset as AssetModel
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Workspace

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.workspaces.access import WorkspaceAccess

# Who may change or revoke licences through the API.
LICENCE_EDITORS = (Role.EDITOR, Role.ADMIN)
LICENCE_REVOKERS = (Role.EDITOR, Role.LEGAL_REVIEWER, Role.ADMIN)


def set_licence(
    *, asset: Asset, data: dict[str, Any] | None, actor: Any, source: str = "upload"
) -> LicenceRecord:
    """Validate ``data`` (400 ``invalid_licence``) and make it the asset's current licence version."""
    normalised = validate_licence(data)
    return _write_version(asset=asset, data=normalised, actor=actor, source=source)


def update_licence(access: WorkspaceAccess, asset: Asset, data: Any, *, partial: bool) -> LicenceRecord:
    """PUT replaces the licence; PATCH merges the given keys into the current one. Both add a version."""
    access.require_role(*LICENCE_EDITORS)
    if not isinstance(data, dict):
        raise ApiError(
            "invalid_licence",
            "The licence must be a JSON object.",
            details={"fields": {"licence": ["not an object"]}},
        )
    if partial:
        current = LicenceRecord.objects.filter(asset=asset, is_current=True).first()
        if current is not None and current.revoked_at is not None:
            # A small fix must not silently lift a revocation; a new licence is a deliberate PUT.
            raise Conflict(
                "licence_revoked",
                "The licence was revoked; send the complete new licence with PUT.",
                details={"version": current.version},
            )
        base = dict(current.data) if current is not None else {"kind": "unknown"}
        data = {**base, **data}
    return set_licence(asset=asset, data=data, actor=access.membership.user, source="api")


def revoke_licence(access: WorkspaceAccess, asset: Asset, *, reason: str) -> LicenceRecord:
    """Record that the asset's licence was withdrawn (a new version), and enforce it right away."""
    access.require_role(*LICENCE_REVOKERS)
    reason = (reason or "").strip()
    if not reason:
        raise ApiError(
            "invalid", "Say why the licence was revoked.", details={"fields": {"reason": ["required"]}}
        )
    current = LicenceRecord.objects.filter(asset=asset, is_current=True).first()
    if current is not None and current.revoked_at is not None:
        raise Conflict("licence_already_revoked", "The licence is already revoked.")
    data = dict(current.data) if current is not None else validate_licence(None)
    record = _write_version(
        asset=asset,
        data=data,
        actor=access.membership.user,
        source="revoke",
        revoked_reason=reason[:2000],
        action="licence.revoke",
    )

    def enforce() -> None:
        tasks.enforce_asset_licences.send(str(asset.pk))

    transaction.on_commit(enforce)
    return record


def _write_version(
    *,
    asset: Asset,
    data: dict[str, Any],
    actor: Any,
    source: str,
    revoked_reason: str | None = None,
    action: str = "licence.set",
) -> LicenceRecord:
    with transaction.atomic():
        # Lock the current row so two concurrent edits cannot both become "current".
        previous = LicenceRecord.objects.select_for_update().filter(asset=asset, is_current=True).first()
        top = LicenceRecord.objects.filter(asset=asset).aggregate(v=Max("version"))["v"] or 0
        if previous is not None:
            LicenceRecord.objects.filter(pk=previous.pk).update(is_current=False)
        record = LicenceRecord.objects.create(
            asset=asset,
            version=top + 1,
            data=data,
            kind=data["kind"],
            valid_from=_parse(data.get("valid_from")),
            expires_at=_parse(data.get("expires_at")),
            revoked_at=clock.now() if revoked_reason is not None else None,
            revoked_reason=revoked_reason or "",
            source=source,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            asset,
            action,
            actor=actor,
            data={
                "version": record.version,
                "licence": data,
                "source": source,
                **({"reason": revoked_reason} if revoked_reason is not None else {}),
            },
        )
    return record


def set_asset_licence_status(asset: Asset, new_status: str, *, expected: str, reason: str) -> bool:
    """Compare-and-swap the asset's licence status; True when this call made the change (and audited it).

    Only the licence statuses are set here (active <-> licence_expired / licence_revoked); the field is
    the core's, the transitions below are this module's.
    """
    allowed = {
        AssetStatus.ACTIVE: {AssetStatus.LICENCE_EXPIRED, AssetStatus.LICENCE_REVOKED},
        AssetStatus.LICENCE_EXPIRED: {AssetStatus.ACTIVE, AssetStatus.LICENCE_REVOKED},
        AssetStatus.LICENCE_REVOKED: {AssetStatus.ACTIVE},
    }
    if new_status not in allowed.get(expected, set()):  # type: ignore[call-overload]
        raise ValueError(f"asset licence status {expected} -> {new_status} is not allowed")
    with transaction.atomic():
        changed = AssetModel.objects.filter(pk=asset.pk, status=expected).update(status=new_status)
        if changed:
            audit.record(
                asset,
                f"asset.{new_status}",
                data={"from": expected, "reason": reason},
            )
    if changed:
        asset.status = new_status
    return bool(changed)


def policy_snapshot(workspace: Any) -> dict[str, Any]:
    """The workspace's policy as the API shows it: prompt rules and licensing settings."""
    return {
        "prompt_rules": rules_for(workspace),
        "licensing": {
            "allow_unknown": unknown_allowed(workspace),
            "commercial": is_commercial(workspace),
            "commercial_channels": sorted(commercial_channels(workspace)),
        },
    }


def update_policy(access: WorkspaceAccess, data: Any) -> dict[str, Any]:
    """Replace the prompt rules and/or licensing settings given in ``data`` (admins only)."""
    access.require_role(Role.ADMIN)
    if not isinstance(data, dict) or not data or set(data) - {"prompt_rules", "licensing"}:
        raise ApiError(
            "invalid_policy",
            "Send an object with prompt_rules and/or licensing.",
            details={
                "fields": {
                    k: ["unknown key"]
                    for k in (data if isinstance(data, dict) else {})
                    if k not in ("prompt_rules", "licensing")
                }
            },
        )
    rules = validate_rules(data["prompt_rules"]) if "prompt_rules" in data else None
    licensing = validate_settings(data["licensing"]) if "licensing" in data else None
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=access.workspace.pk)
        if rules is not None:
            PromptPolicy.objects.update_or_create(
                workspace=workspace, defaults={**rules, "updated_by": access.membership.user}
            )
        if licensing is not None:
            # Only our own key of the workspace's settings is touched.
            workspace.settings = {**(workspace.settings or {}), "licensing": licensing}
            workspace.save(update_fields=["settings"])
            access.workspace.settings = workspace.settings
        audit.record(
            workspace,
            "policy.update",
            actor=access.membership.user,
            data={k: v for k, v in (("prompt_rules", rules), ("licensing", licensing)) if v is not None},
        )
    return policy_snapshot(workspace)
