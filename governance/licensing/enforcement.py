"""Continuous enforcement of licences: the sweep behind ``manage.py sweep_licences`` and the actors.

For every asset whose effective licence has expired or was revoked (its own licence, or any licence or
model behind it), the sweep, exactly once per change of state:
- marks the asset ``licence_expired`` / ``licence_revoked`` (compare-and-swap, so concurrent sweeps agree),
- unpublishes every live publication through the ``withdraw_everywhere`` port (integrations),
- writes an audit event, and e-mails the workspace's editors after commit.
It also restores to ``active`` assets whose licence was renewed (it does not republish them), and warns
editors ``LICENCE_EXPIRY_WARNING_DAYS`` days ahead, once per asset per expiry moment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q

from governance import audit, clock, ports
from governance.licensing import actions
from governance.licensing.derivation import effective_licence
from governance.licensing.models import ExpiryWarning, LicenceRecord
from photai_dam.assets.choices import AssetStatus
from photai_dam.assets.models import Asset, AssetParent
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Membership

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    """What one sweep did (counts of assets), for the command's output and the schedule's record."""

    checked: int = 0
    expired: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    unpublished: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep(*, at: datetime | None = None, roots: Iterable[Any] | None = None) -> SweepResult:
    """Enforce licences at ``at`` (default: now) on every asset, or on ``roots`` and their descendants."""
    now = at or clock.now()
    horizon = now + timedelta(days=settings.LICENCE_EXPIRY_WARNING_DAYS)
    current = LicenceRecord.objects.filter(is_current=True)
    if roots is not None:
        current = current.filter(asset_id__in=list(roots))
    lapsed_roots = set(
        current.filter(Q(expires_at__lte=now) | Q(revoked_at__isnull=False)).values_list(
            "asset_id", flat=True
        )
    )
    expiring_roots = set(
        current.filter(revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=horizon).values_list(
            "asset_id", flat=True
        )
    )
    marked = Asset.objects.filter(status__in=[AssetStatus.LICENCE_EXPIRED, AssetStatus.LICENCE_REVOKED])
    if roots is not None:
        marked = marked.filter(pk__in=_with_descendants(set(roots)))
    to_check = _with_descendants(lapsed_roots) | set(marked.values_list("pk", flat=True))
    to_warn = _with_descendants(expiring_roots) - to_check

    result = SweepResult()
    for asset in Asset.objects.filter(pk__in=to_check).select_related("workspace"):
        result.checked += 1
        _enforce_one(asset, now, result)
    for asset in Asset.objects.filter(pk__in=to_warn, status=AssetStatus.ACTIVE).select_related("workspace"):
        result.checked += 1
        _warn_one(asset, now, horizon, result)
    return result


def _with_descendants(ids: set[Any]) -> set[Any]:
    found = set(ids)
    frontier = set(ids)
    while frontier:
        children = set(AssetParent.objects.filter(parent_id__in=frontier).values_list("child_id", flat=True))
        frontier = children - found
        found |= frontier
    return found


def _enforce_one(asset: Any, now: datetime, result: SweepResult) -> None:
    effective = effective_licence(asset)
    if effective.revoked:
        wanted = AssetStatus.LICENCE_REVOKED
        reasons = [r.message for r in effective.sources_of("revoked")]
    elif effective.expired_at(now):
        wanted = AssetStatus.LICENCE_EXPIRED
        reasons = [r.message for r in effective.expiry_reasons(now)]
    else:
        wanted = AssetStatus.ACTIVE
        reasons = ["the licences behind it are valid again"]
    if asset.status == wanted or (
        asset.status == AssetStatus.LICENCE_REVOKED and wanted == AssetStatus.LICENCE_EXPIRED
    ):
        return
    reason_text = "; ".join(reasons)
    with transaction.atomic():
        if not actions.set_asset_licence_status(asset, wanted, expected=asset.status, reason=reason_text):
            return  # another sweep got there first; it unpublishes and notifies
        if wanted == AssetStatus.ACTIVE:
            result.restored.append(str(asset.pk))
            return
        # Short: publications keep the reason in a 200-character field; the audit event has the detail.
        count = _unpublish(asset, reason=f"{wanted}: {reason_text}"[:200])
        result.unpublished += count
        (result.revoked if wanted == AssetStatus.LICENCE_REVOKED else result.expired).append(str(asset.pk))
        audit.record(
            asset,
            "licence.enforce",
            data={"status": wanted, "reasons": reasons, "unpublished": count, "at": now.isoformat()},
        )
        subject = (
            f"[PhotAI] Licence {'revoked' if wanted == AssetStatus.LICENCE_REVOKED else 'expired'}: {asset}"
        )
        body = (
            f"The asset {asset} ({asset.pk}) in workspace {asset.workspace.slug} may no longer be used.\n\n"
            f"Why: {reason_text}\n"
            f"Live publications unpublished: {'unknown' if count is None else count}\n\n"
            f"Licence: {_asset_url(asset)}/licence/effective\n"
        )
        _mail_editors(asset, subject, body)


def _warn_one(asset: Any, now: datetime, horizon: datetime, result: SweepResult) -> None:
    effective = effective_licence(asset)
    expires = effective.expires_at
    if expires is None or not (now < expires <= horizon) or effective.revoked:
        return
    try:
        with transaction.atomic():
            ExpiryWarning.objects.create(asset=asset, expires_at=expires, sent_at=now)
            audit.record(
                asset,
                "licence.expiry_warning",
                data={"expires_at": expires.isoformat()},
            )
            days = max(0, (expires - now).days)
            _mail_editors(
                asset,
                f"[PhotAI] Licence expires in {days} day(s): {asset}",
                f"The licence behind asset {asset} ({asset.pk}) in workspace {asset.workspace.slug} "
                f"expires at {expires.isoformat()}. After that it will be unpublished everywhere.\n\n"
                + "".join(f"- {r.message}\n" for r in effective.sources_of("expires_at") if r.at == expires)
                + f"\nRenew it: {_asset_url(asset)}/licence\n",
            )
    except IntegrityError:
        return  # warned already for this expiry (the unique constraint is the "once")
    result.warned.append(str(asset.pk))


def _unpublish(asset: Any, *, reason: str) -> int:
    """Ask the integrations to take down every live publication of ``asset``; how many were asked."""
    return ports.withdraw_everywhere(asset, reason=reason)


def editor_emails(asset: Any) -> list[str]:
    """The workspace's editors (and the asset's creator while still a member) who have an e-mail."""
    emails: list[str] = []
    for membership in Membership.objects.filter(workspace_id=asset.workspace_id).select_related("user"):
        user = membership.user
        wanted = membership.has_role(Role.EDITOR) or user.pk == asset.created_by_id
        if wanted and user.is_active and user.email and user.email not in emails:
            emails.append(user.email)
    return emails


def _mail_editors(asset: Any, subject: str, body: str) -> None:
    recipients = editor_emails(asset)
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
        except OSError:
            # The state change and audit event are committed; a mail server outage must not undo them.
            logger.exception("could not e-mail editors about asset %s", asset.pk)

    transaction.on_commit(send)


def _asset_url(asset: Any) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/workspaces/{asset.workspace.slug}/assets/{asset.pk}"
