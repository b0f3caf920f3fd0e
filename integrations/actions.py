"""State changes of connections and publications. Views, actors and webhooks call these; nothing else
mutates a Connection or a Publication.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from governance import audit, gate
from governance.ports import PublicationSummary
from integrations import registry, tasks
from integrations.base import ConnectorError, InvalidConfiguration, PublishRequest, WebhookEvent
from integrations.choices import ACTIVE, DEFAULT_CHANNEL, TRANSITIONS, PublicationStatus
from integrations.models import Connection, Publication, WebhookDelivery
from photai_dam import outbound
from photai_dam.api.errors import ApiError, Conflict, Unprocessable
from photai_dam.assets.models import Asset
from photai_dam.statemachine import cas_transition
from photai_dam.workspaces.access import WorkspaceAccess
from photai_dam.workspaces.choices import Role
from photai_dam.workspaces.models import Workspace

logger = logging.getLogger(__name__)


# --- connections -----------------------------------------------------------------------------------------
def _invalid(exc: InvalidConfiguration) -> ApiError:
    return ApiError(
        f"invalid_{exc.part}",
        f"The connection's {exc.part} does not match its kind's schema.",
        details={"errors": exc.errors},
    )


def _check_secrets(
    kind: str, config: dict[str, Any], credentials: dict[str, Any] | None, webhook_secret: str | None
) -> dict[str, Any]:
    cls = registry.connector_class(kind)
    try:
        clean = cls.validate_config(config).model_dump(mode="json", exclude_none=True)
        if credentials is not None:
            cls.validate_credentials(credentials)
    except InvalidConfiguration as exc:
        raise _invalid(exc) from None
    if webhook_secret and len(webhook_secret) < cls.webhook_secret_min_length:
        raise ApiError(
            "invalid_webhook_secret",
            f"A {kind} webhook secret has at least {cls.webhook_secret_min_length} characters.",
            details={"min_length": cls.webhook_secret_min_length},
        )
    return clean


def _check_outbound(kind: str, base_url: str | None, config: dict[str, Any]) -> None:
    """422 ``outbound_address_refused`` when the connection would call an address the policy refuses."""
    urls = {"base_url": base_url} if base_url is not None else {}
    for field in registry.connector_class(kind).outbound_url_fields:
        if config.get(field):
            urls[f"config.{field}"] = str(config[field])
    for field, url in urls.items():
        try:
            outbound.check_url(url)
        except outbound.OutboundRefused as exc:
            raise Unprocessable(
                exc.code,
                f"{field}: {exc.message} Operators allow on-premise networks with "
                "PHOTAI_OUTBOUND_ALLOWED_NETWORKS.",
                details={"field": field, **exc.details},
            ) from None


def _audit_connection(action: str, access: WorkspaceAccess, connection: Connection, **data: Any) -> None:
    # Never the secrets: only whether they changed.
    audit.record(
        connection,
        action,
        actor=access.membership.user,
        data={"kind": connection.kind, "name": connection.name, **data},
    )


def create_connection(
    access: WorkspaceAccess,
    *,
    kind: str,
    name: str,
    base_url: str,
    territory: str = "worldwide",
    channel: str | None = None,
    config: dict[str, Any] | None = None,
    credentials: dict[str, Any],
    webhook_secret: str = "",
) -> Connection:
    access.require_role(Role.ADMIN)
    if kind not in registry.kinds():
        raise ApiError(
            "unknown_kind", f"There is no connector for {kind!r}.", details={"kinds": registry.kinds()}
        )
    clean_config = _check_secrets(kind, config or {}, credentials, webhook_secret)
    _check_outbound(kind, base_url, clean_config)
    connection = Connection(
        workspace=access.workspace,
        kind=kind,
        name=name,
        base_url=base_url.rstrip("/"),
        channel=channel or DEFAULT_CHANNEL.get(kind, "web"),  # type: ignore[call-overload]
        territory=normalise_territory(territory),
        config=clean_config,
        created_by=access.membership.user,
    )
    connection.credentials = credentials
    connection.webhook_secret = webhook_secret
    try:
        with transaction.atomic():
            connection.save(force_insert=True)
            _audit_connection(
                "connection.create",
                access,
                connection,
                base_url=connection.base_url,
                channel=connection.channel,
                territory=connection.territory,
            )
    except IntegrityError:
        raise Conflict("connection_name_taken", f"A connection named {name!r} exists already.") from None
    return connection


def update_connection(access: WorkspaceAccess, connection: Connection, **changes: Any) -> Connection:
    """Change what was given; credentials and webhook secret are replaced whole, never merged or shown."""
    access.require_role(Role.ADMIN)
    credentials = changes.pop("credentials", None)
    webhook_secret = changes.pop("webhook_secret", None)
    config = changes.pop("config", connection.config)
    clean_config = _check_secrets(connection.kind, config, credentials, webhook_secret)
    _check_outbound(connection.kind, changes.get("base_url"), clean_config)
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        # Credentials for a connection app/uninstalled or shop/redact emptied: the app was installed again.
        reinstalled = credentials is not None and not locked.is_active and not locked.credentials_encrypted
        for field in ("name", "base_url", "channel", "territory", "is_active"):
            if field in changes:
                value = changes[field]
                if field == "base_url":
                    value = value.rstrip("/")
                elif field == "territory":
                    value = normalise_territory(value)
                setattr(locked, field, value)
        locked.config = clean_config
        if credentials is not None:
            if reinstalled:
                forget_redaction_digests(locked)
            locked.credentials = credentials
        if webhook_secret is not None:
            locked.webhook_secret = webhook_secret
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise Conflict("connection_name_taken", "Another connection has that name.") from None
        _audit_connection(
            "connection.update",
            access,
            locked,
            fields=sorted(changes) + (["config"] if "config" in changes else []),
            credentials_changed=credentials is not None,
            webhook_secret_changed=webhook_secret is not None,
        )
    return locked


def delete_connection(access: WorkspaceAccess, connection: Connection) -> None:
    """Delete a connection and its finished publications; refused (409) while anything is on the CMS."""
    access.require_role(Role.ADMIN)
    in_use = connection.publications.filter(status__in=ACTIVE).count()
    if in_use:
        raise Conflict(
            "connection_in_use",
            "Assets are published (or being published) through this connection; unpublish them first.",
            details={"active_publications": in_use},
        )
    with transaction.atomic():
        _audit_connection("connection.delete", access, connection)
        connection.delete()


# What ``…/connections/{id}/test`` may say: never what the remote answered (it may not be a CMS at all).
TEST_MESSAGES = {
    "reachable": "The service answered and accepted the credentials.",
    "auth_failed": "The service answered but refused the credentials.",
    "refused_by_policy": outbound.OutboundRefused("").message,
    "unreachable": "The service could not be reached, or did not answer as a {kind} service does.",
}
AUTH_FAILURE_CODES = {"UNAUTHORIZED", "ACCESS_DENIED", "missing_capability", "no_credentials"}


def _test_result(exc: ConnectorError) -> str:
    if exc.code == outbound.CODE:
        return "refused_by_policy"
    if exc.permanent and (exc.http_status in (401, 403) or exc.code in AUTH_FAILURE_CODES):
        return "auth_failed"
    return "unreachable"


def test_connection(access: WorkspaceAccess, connection: Connection) -> dict[str, Any]:
    """Check the credentials against the remote system and remember the outcome.

    The answer is one of four results with a fixed message: what came back from the remote, and how a
    connection failed (refused, reset, timed out), are only logged, so the endpoint cannot be used to
    read internal services or to tell open ports from closed ones.
    """
    access.require_role(Role.ADMIN)
    try:
        with registry.connector_for(connection) as connector:
            connector.test()
        result = "reachable"
    except InvalidConfiguration as exc:
        raise _invalid(exc) from None
    except ConnectorError as exc:
        result = _test_result(exc)
        logger.info("connection %s test: %s (%s: %s)", connection.pk, result, exc.code, exc.message)
    outcome = {
        "ok": result == "reachable",
        "result": result,
        "message": TEST_MESSAGES[result].format(kind=connection.get_kind_display()),
    }
    with transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(
            last_tested_at=timezone.now(),
            last_test_ok=outcome["ok"],
            last_test_error="" if outcome["ok"] else result,
        )
        _audit_connection("connection.test", access, connection, ok=outcome["ok"], result=result)
    return outcome


# --- publications: the state machine ---------------------------------------------------------------------
def transition(
    publication: Publication, new_status: str, *, expected: str | None = None, **fields: Any
) -> bool:
    """Compare-and-swap ``publication`` to ``new_status``; False when another process moved it first."""
    return cas_transition(
        publication,
        new_status,
        table=TRANSITIONS,
        object_type="publication",
        expected=expected,
        audit_fields=("error_code", "remote_id", "remote_url", "sha256", "unpublish_reason"),
        audit_data={"asset": str(publication.asset_id), "connection": str(publication.connection_id)},
        **fields,
    )


def disclosure_for(asset: Asset) -> str:
    """The AI disclosure published with an AI image (empty for a person's upload)."""
    if not asset.is_ai:
        return ""
    # replace, not format: an operator's text with other braces must not break publishing
    return str(settings.INTEGRATIONS_AI_DISCLOSURE).replace("{origin}", asset.get_origin_display())


def _gate(asset: Asset, connection: Connection) -> Any:
    return gate.publishability(asset, channel=connection.channel, territory=connection.territory)


def request_publication(
    access: WorkspaceAccess,
    asset: Asset,
    *,
    connection_id: UUID | str,
    target: dict[str, Any] | None = None,
    alt_text: str | None = None,
) -> tuple[Publication, bool]:
    """Publish ``asset`` through a connection if the gate allows it now (I2).

    Returns the publication and whether a new upload was scheduled: asking again while one is pending,
    publishing or live returns that one unchanged (I6).
    """
    access.require_role(Role.EDITOR, Role.ADMIN)
    wanted = parse_uuid(connection_id)
    connection = (
        Connection.objects.filter(workspace=access.workspace, pk=wanted, is_active=True).first()
        if wanted
        else None
    )
    if connection is None:
        raise Unprocessable(
            "connection_not_found", "There is no active connection with that id in this workspace."
        )
    existing = Publication.objects.filter(asset=asset, connection=connection).first()
    if existing is not None and existing.status in ACTIVE:
        return existing, False
    try:
        clean_target = registry.connector_class(connection.kind).validate_target(target or {})
    except InvalidConfiguration as exc:
        raise _invalid(exc) from None
    verdict = _gate(asset, connection)
    if not verdict.publishable:
        raise Unprocessable(
            "not_publishable",
            "The asset may not be published to this connection now.",
            details={
                "reasons": [r.as_dict() for r in verdict.reasons],
                "channel": connection.channel,
                "territory": connection.territory,
            },
        )
    values: dict[str, Any] = {
        "target": clean_target,
        "alt_text": (alt_text if alt_text is not None else asset.title)[:500],
        "disclosure": disclosure_for(asset),
        "requested_by": access.membership.user,
    }
    try:
        with transaction.atomic():
            publication = (
                Publication.objects.select_for_update().filter(asset=asset, connection=connection).first()
            )
            if publication is not None and publication.status in ACTIVE:
                return publication, False
            if publication is None:
                publication = Publication.objects.create(
                    workspace=access.workspace, asset=asset, connection=connection, **values
                )
                audit.record(
                    publication,
                    "publication.request",
                    actor=access.membership.user,
                    data={"asset": str(asset.pk), "connection": str(connection.pk), "target": clean_target},
                )
            else:
                # Publishing again after a failure or an unpublish starts over on the same row.
                transition(
                    publication,
                    PublicationStatus.PENDING,
                    remote_id="",
                    remote_url="",
                    remote_state={},
                    attempts=0,
                    unpublish_attempts=0,
                    error_code="",
                    error_message="",
                    unpublish_reason="",
                    published_at=None,
                    unpublished_at=None,
                    log=[],
                    **values,
                )
            publication_id = str(publication.pk)
            transaction.on_commit(lambda: _send("publish_publication", publication_id))
    except IntegrityError:
        # Two requests raced to create the row; the other one won and scheduled the upload.
        return Publication.objects.get(asset=asset, connection=connection), False
    return publication, True


def request_unpublish(publication: Publication, *, reason: str, actor: Any = None) -> bool:
    """Take a live publication down (asynchronously); an in-flight one is withdrawn. False if neither."""
    reason = reason[:200] or "unpublished"
    with transaction.atomic():
        if publication.status == PublicationStatus.LIVE:
            if transition(
                publication, PublicationStatus.UNPUBLISHING, unpublish_reason=reason, unpublish_attempts=0
            ):
                audit.record(
                    publication,
                    "publication.unpublish",
                    actor=actor,
                    data={"reason": reason, "asset": str(publication.asset_id)},
                )
                publication_id = str(publication.pk)
                transaction.on_commit(lambda: _send("unpublish_publication", publication_id))
                return True
            return False
        if publication.status == PublicationStatus.PENDING:
            return transition(
                publication,
                PublicationStatus.FAILED,
                error_code="withdrawn",
                error_message=reason,
                unpublish_reason=reason,
            )
        if publication.status == PublicationStatus.PUBLISHING:
            # The worker reads this flag when the upload ends and takes the media straight down again.
            return bool(
                Publication.objects.filter(pk=publication.pk, status=PublicationStatus.PUBLISHING).update(
                    unpublish_reason=reason
                )
            )
    return False


def unpublish(access: WorkspaceAccess, publication: Publication, *, reason: str = "") -> Publication:
    access.require_role(Role.EDITOR, Role.ADMIN)
    if publication.status not in ACTIVE:
        raise Conflict(
            "invalid_transition",
            f"The publication is {publication.status}.",
            details={"status": publication.status},
        )
    request_unpublish(
        publication, reason=reason or f"unpublished by {access.membership.user}", actor=access.membership.user
    )
    publication.refresh_from_db()
    return publication


def unpublish_asset(asset: Asset, *, reason: str, actor: Any = None) -> int:
    """Schedule the unpublish of every live (or in-flight) publication of ``asset``; returns how many."""
    count = 0
    for publication in Publication.objects.filter(asset=asset, status__in=ACTIVE).select_related("workspace"):
        if publication.status == PublicationStatus.UNPUBLISHING:
            continue
        if request_unpublish(publication, reason=reason, actor=actor):
            count += 1
    return count


def connection_target(workspace: Workspace, connection_id: str) -> tuple[str, str] | None:
    """The (channel, territory) of ``workspace``'s connection ``connection_id``; None without one."""
    key = parse_uuid(connection_id)
    connection = Connection.objects.filter(workspace=workspace, pk=key).first() if key else None
    return (connection.channel, connection.territory) if connection is not None else None


def publications_for(asset: Asset) -> list[PublicationSummary]:
    """Where ``asset`` is, was or is about to be published (for review pages and evidence)."""
    rows = Publication.objects.filter(asset=asset).select_related("connection").order_by("created_at")
    return [
        {
            "id": str(p.pk),
            "connection": {"id": str(p.connection_id), "kind": p.connection.kind, "name": p.connection.name},
            "channel": p.connection.channel,
            "territory": p.connection.territory,
            "status": p.status,
            "remote_id": p.remote_id,
            "remote_url": p.remote_url,
            "sha256": p.sha256,
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "unpublished_at": p.unpublished_at.isoformat() if p.unpublished_at else None,
            "unpublish_reason": p.unpublish_reason,
            "error_code": p.error_code,
        }
        for p in rows
    ]


# --- the worker side ---------------------------------------------------------------------------------------
def _send(actor_name: str, publication_id: str) -> None:
    getattr(tasks, actor_name).send(publication_id)


def backoff_ms(attempt: int, retry_after_s: float | None) -> int:
    """Exponential backoff for ``attempt`` (1-based), never shorter than the vendor asked for."""
    exponential = settings.INTEGRATIONS_MIN_BACKOFF_MS * 2 ** max(0, attempt - 1)
    wanted = int((retry_after_s or 0) * 1000)
    return int(min(settings.INTEGRATIONS_MAX_BACKOFF_MS, max(exponential, wanted)))


def _log_attempt(publication_id: UUID, entry: dict[str, Any]) -> None:
    with transaction.atomic():
        row = Publication.objects.select_for_update().only("log").get(pk=publication_id)
        row.log = [*row.log, {"at": timezone.now().isoformat(), **entry}][-100:]
        row.save(update_fields=["log"])


class RetryLater(Exception):
    """The actor should run again after ``delay_ms`` (turned into dramatiq.Retry by the task)."""

    def __init__(self, delay_ms: int, code: str) -> None:
        super().__init__(f"retry in {delay_ms} ms after {code}")
        self.delay_ms = delay_ms
        self.code = code


def _read_bytes(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


# Longer than the actors' time limit (integrations.tasks), so a lease outlives any attempt that holds it.
LEASE = timedelta(minutes=16)


@contextmanager
def _lease(publication_id: str) -> Iterator[None]:
    """Hold the publication for one attempt; if another worker holds it, retry after its lease ends."""
    now = timezone.now()
    until = now + LEASE
    held = (
        Publication.objects.filter(pk=publication_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=until)
    )
    if not held:
        other = Publication.objects.filter(pk=publication_id).values_list("lease_until", flat=True).first()
        if other is None:
            yield  # the row is gone or was just released: the body finds out what to do
            return
        raise RetryLater(max(1000, int((other - now).total_seconds() * 1000)), "leased")
    try:
        yield
    finally:
        Publication.objects.filter(pk=publication_id, lease_until=until).update(lease_until=None)


def run_publish(publication_id: str) -> None:
    """Upload one publication (the actor's body); safe to run twice, resumes from its checkpoints."""
    with _lease(publication_id):
        _run_publish(publication_id)


def _run_publish(publication_id: str) -> None:
    publication = (
        Publication.objects.select_related("asset", "connection", "workspace")
        .filter(pk=publication_id)
        .first()
    )
    if publication is None or publication.status not in (
        PublicationStatus.PENDING,
        PublicationStatus.PUBLISHING,
    ):
        return  # done already (a redelivered message) or withdrawn
    if not transition(publication, PublicationStatus.PUBLISHING):
        return
    if publication.unpublish_reason and not publication.remote_state:
        # Withdrawn between two attempts, before anything reached the CMS: stop here. (With checkpoints,
        # something may be there already: finish, and _upload takes it straight down again.)
        transition(
            publication,
            PublicationStatus.FAILED,
            error_code="withdrawn",
            error_message=publication.unpublish_reason,
        )
        return
    asset, connection = publication.asset, publication.connection
    verdict = _gate(asset, connection)  # again, at the moment of publishing (I2)
    if not verdict.publishable:
        transition(
            publication,
            PublicationStatus.FAILED,
            error_code="not_publishable",
            error_message="; ".join(r.code for r in verdict.reasons),
        )
        return
    Publication.objects.filter(pk=publication.pk).update(attempts=F("attempts") + 1)
    publication.refresh_from_db()
    data = _read_bytes(asset)
    if hashlib.sha256(data).hexdigest() != asset.sha256:
        transition(
            publication,
            PublicationStatus.FAILED,
            error_code="stored_bytes_mismatch",
            error_message="The stored file no longer matches the asset's sha256; nothing was uploaded.",
        )
        return
    name = asset.file.name or ""
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"

    def checkpoint(state: dict[str, Any]) -> None:
        Publication.objects.filter(pk=publication.pk).update(remote_state=state)

    request = PublishRequest(
        publication_id=str(publication.pk),
        data=data,
        filename=f"photai-{publication.pk}.{extension}",
        mime_type=asset.mime_type,
        sha256=asset.sha256,
        title=asset.title or f"PhotAI asset {asset.pk}",
        alt_text=publication.alt_text,
        disclosure=publication.disclosure,
        target=publication.target,
        state=dict(publication.remote_state),
        checkpoint=checkpoint,
    )
    _attempt(
        publication,
        lambda: _upload(publication, request),
        attempts=publication.attempts,
        on_give_up=lambda exc: transition(
            publication, PublicationStatus.FAILED, error_code=exc.code[:100], error_message=exc.message
        ),
    )


def _upload(publication: Publication, request: Any) -> None:
    with registry.connector_for(publication.connection) as connector:
        media = connector.publish(request)
    went_live = transition(
        publication,
        PublicationStatus.LIVE,
        remote_id=media.remote_id,
        remote_url=media.url[:1000],
        sha256=request.sha256,
        published_at=timezone.now(),
        error_code="",
        error_message="",
    )
    if went_live and publication.unpublish_reason:
        # Revoked while we were uploading: take it straight down again.
        request_unpublish(publication, reason=publication.unpublish_reason)


def run_unpublish(publication_id: str) -> None:
    """Remove one publication from its CMS (the actor's body); safe to run twice."""
    with _lease(publication_id):
        _run_unpublish(publication_id)


def _run_unpublish(publication_id: str) -> None:
    publication = (
        Publication.objects.select_related("connection", "workspace").filter(pk=publication_id).first()
    )
    if publication is None or publication.status != PublicationStatus.UNPUBLISHING:
        return
    Publication.objects.filter(pk=publication.pk).update(unpublish_attempts=F("unpublish_attempts") + 1)
    publication.refresh_from_db()

    def remove() -> None:
        with registry.connector_for(publication.connection) as connector:
            connector.unpublish(publication.remote_id, publication.remote_state)
        transition(
            publication,
            PublicationStatus.UNPUBLISHED,
            expected=PublicationStatus.UNPUBLISHING,
            unpublished_at=timezone.now(),
            error_code="",
            error_message="",
        )

    _attempt(
        publication,
        remove,
        attempts=publication.unpublish_attempts,
        on_give_up=lambda exc: transition(
            publication,
            PublicationStatus.LIVE,
            expected=PublicationStatus.UNPUBLISHING,
            error_code=f"unpublish_failed:{exc.code}"[:100],
            error_message=exc.message,
        ),
    )


def _attempt(
    publication: Publication,
    work: Callable[[], None],
    *,
    attempts: int,
    on_give_up: Callable[[ConnectorError], Any],
) -> None:
    """Run ``work``; a retryable error within the budget becomes RetryLater, anything else gives up."""
    try:
        work()
    except ConnectorError as exc:
        retry = not exc.permanent and attempts < settings.INTEGRATIONS_MAX_ATTEMPTS
        delay = backoff_ms(attempts, exc.retry_after) if retry else None
        _log_attempt(
            publication.pk,
            {
                "attempt": attempts,
                "code": exc.code,
                "message": exc.message[:500],
                "retryable": not exc.permanent,
                "vendor_wait_s": exc.retry_after,
                "retry_in_ms": delay,
            },
        )
        Publication.objects.filter(pk=publication.pk).update(
            error_code=exc.code[:100], error_message=exc.message
        )
        if delay is not None:
            logger.warning("publication %s: %s, retrying in %d ms", publication.pk, exc.code, delay)
            raise RetryLater(delay, exc.code) from None
        if not exc.permanent:
            exc.message = f"{exc.message} (gave up after {attempts} attempts)"
        on_give_up(exc)
    except InvalidConfiguration as exc:
        on_give_up(
            ConnectorError(f"invalid_{exc.part}", f"The connection's {exc.part} is invalid: {exc.errors}")
        )


# --- webhooks -----------------------------------------------------------------------------------------------
def _first_delivery(connection: Connection, event: WebhookEvent) -> bool:
    """Record every de-duplication key of ``event``; False when any one was seen before (a duplicate)."""
    keys = list(dict.fromkeys(key[:200] for key in (event.delivery_id, *event.dedup_keys) if key))
    if not keys:
        return True
    if WebhookDelivery.objects.filter(connection=connection, delivery_id__in=keys).exists():
        return False
    try:
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(connection=connection, delivery_id=key, topic=event.topic[:100])
                    for key in keys
                ]
            )
    except IntegrityError:
        return False  # the same delivery, handled concurrently by another request
    return True


def handle_webhook(connection: Connection, event: WebhookEvent) -> dict[str, Any]:
    """React to a verified webhook once per delivery (id, or signed digest); returns what we did."""
    with transaction.atomic():
        if not _first_delivery(connection, event):
            return {"duplicate": True}
        removed = mark_removed_remotely(connection, event.removed_remote_ids, topic=event.topic)
        outcome: dict[str, Any] = {"duplicate": False, "topic": event.topic, "removed_remotely": removed}
        if event.redact_shop:
            outcome["redacted"] = redact_shop(connection, event)
        elif event.topic == "app/uninstalled":
            _deactivate(connection, "app/uninstalled")
            outcome["deactivated"] = True
        elif event.topic in ("customers/data_request", "customers/redact"):
            # We hold no customer data (no orders, no customers); the request is answered and recorded.
            audit.record(
                connection,
                f"connection.{event.topic.replace('/', '_')}",
                data={"customer_data_held": False},
            )
    return outcome


def mark_removed_remotely(
    connection: Connection, remote_ids: tuple[str, ...] | list[str], *, topic: str
) -> int:
    count = 0
    for publication in Publication.objects.filter(
        connection=connection, remote_id__in=list(remote_ids), status=PublicationStatus.LIVE
    ).select_related("workspace"):
        if transition(
            publication,
            PublicationStatus.REMOVED_REMOTELY,
            error_code="",
            unpublish_reason=f"webhook:{topic}"[:200],
        ):
            count += 1
    return count


def _deactivate(connection: Connection, why: str) -> None:
    connection.credentials = {}
    Connection.objects.filter(pk=connection.pk).update(is_active=False, credentials_encrypted="")
    audit.record(
        connection,
        "connection.deactivate",
        data={"why": why},
    )


def forget_redaction_digests(connection: Connection) -> None:
    """A shop that installs the app again will send an identical shop/redact body after its next uninstall
    ({shop_id, shop_domain}): forget the digest of the last one so that redaction is not taken for a replay.
    app/uninstalled digests are kept (each real one differs: the shop object carries updated_at)."""
    WebhookDelivery.objects.filter(
        connection=connection, topic="shop/redact", delivery_id__startswith="body-sha256:"
    ).delete()


def redact_shop(connection: Connection, event: WebhookEvent) -> dict[str, Any]:
    """Shopify ``shop/redact``: erase what we hold about that shop (see integrations/README.md).

    Kept: the connection row and publication rows (which asset went where and when is our own audit
    record), and the webhook secret, so redeliveries of this request still verify and de-duplicate.
    Erased: the access token, every stored webhook delivery of the shop, and every shop-side address
    (remote URLs and upload checkpoints such as staged-upload URLs). Publications still marked as on the
    shop become ``removed_remotely``: Shopify deletes the shop's files itself.
    """
    live = list(
        Publication.objects.filter(connection=connection, status__in=ACTIVE).select_related("workspace")
    )
    for publication in live:
        Publication.objects.filter(pk=publication.pk).update(status=PublicationStatus.REMOVED_REMOTELY)
    cleared = Publication.objects.filter(connection=connection).update(remote_url="", remote_state={})
    deliveries, _ = (
        WebhookDelivery.objects.filter(connection=connection)
        .exclude(delivery_id__in=[event.delivery_id, *event.dedup_keys])
        .delete()
    )
    _deactivate(connection, "shop/redact")
    summary = {
        "publications_cleared": cleared,
        "removed_remotely": len(live),
        "webhook_deliveries_deleted": deliveries,
    }
    audit.record(
        connection,
        "connection.shop_redact",
        data={"shop_domain": str(event.payload.get("shop_domain", ""))[:200], **summary},
    )
    return summary


def normalise_territory(value: str) -> str:
    return "worldwide" if value.lower() == "worldwide" else value.upper()


def parse_uuid(value: UUID | str) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None
