"""The one small base class every connector implements, and the errors connectors raise.

A connector turns "put these exact bytes on that CMS" into the vendor's calls. Errors say whether they
are worth retrying (``RetryableError``, with the wait the vendor asked for) or not (``PermanentError``,
with the vendor's own error code), so the publish actor needs no vendor knowledge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
import pydantic
from django.conf import settings

from photai_dam import outbound

logger = logging.getLogger(__name__)


class ConnectorError(Exception):
    """A remote call did not do what we asked; ``code`` is the vendor's code where it gave one."""

    permanent: ClassVar[bool] = True

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.http_status = http_status
        self.details = details or {}


class PermanentError(ConnectorError):
    """Retrying cannot help: bad credentials, a refused file, a missing product."""

    permanent = True


class RetryableError(ConnectorError):
    """Worth another try later: throttled, 5xx, a timeout, processing still under way."""

    permanent = False


class WebhookRejected(Exception):
    """A webhook that fails verification; ``status`` is what we answer (401 for a bad signature)."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class InvalidConfiguration(Exception):
    """A connection's config, credentials or target does not match its kind's schema."""

    def __init__(self, part: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"invalid {part}")
        self.part = part
        self.errors = errors


@dataclass
class PublishRequest:
    """Everything a connector needs to put one asset on its CMS, and where to record progress."""

    publication_id: str
    data: bytes
    filename: str
    mime_type: str
    sha256: str
    title: str
    alt_text: str
    disclosure: str
    target: dict[str, Any]
    # Checkpoints from earlier attempts; ``checkpoint`` persists them before the next remote step.
    state: dict[str, Any] = field(default_factory=dict)
    checkpoint: Callable[[dict[str, Any]], None] = lambda state: None

    def save(self, **values: Any) -> None:
        self.state.update(values)
        self.checkpoint(dict(self.state))


@dataclass(frozen=True)
class RemoteMedia:
    """What a CMS calls the uploaded file, and where it serves it."""

    remote_id: str
    url: str


@dataclass(frozen=True)
class WebhookEvent:
    """What a verified webhook means for us, whatever the vendor's format."""

    topic: str
    delivery_id: str = ""
    # More keys this delivery is de-duplicated on (signed digests, signatures): seen any one, it is a
    # duplicate. The delivery id alone is not enough where the vendor does not sign it.
    dedup_keys: tuple[str, ...] = ()
    removed_remote_ids: tuple[str, ...] = ()
    redact_shop: bool = False
    payload: dict[str, Any] = field(default_factory=dict)


def _validate(schema: type[pydantic.BaseModel], value: Any, part: str) -> Any:
    try:
        return schema.model_validate(value or {})
    except pydantic.ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidConfiguration(part, errors) from None


class EmptySchema(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")


class Connector:
    """Base class: one subclass per CMS, found through ``integrations.registry``."""

    kind: ClassVar[str]
    config_schema: ClassVar[type[pydantic.BaseModel]] = EmptySchema
    credentials_schema: ClassVar[type[pydantic.BaseModel]] = EmptySchema
    target_schema: ClassVar[type[pydantic.BaseModel]] = EmptySchema
    # What the webhook secret must look like, checked when an admin sets it.
    webhook_secret_min_length: ClassVar[int] = 16
    # Config fields holding URLs the connector calls besides base_url (checked by the outbound policy
    # when an admin saves them, and again at every call).
    outbound_url_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, *, base_url: str, config: dict[str, Any], credentials: dict[str, Any], webhook_secret: str = ""
    ):
        self.base_url = base_url.rstrip("/")
        self.config: Any = self.validate_config(config)
        # Empty after a deactivation (app uninstalled, shop redacted): webhooks still verify with the
        # secret, but any remote call fails permanently.
        self._credentials: Any = self.validate_credentials(credentials) if credentials else None
        self.webhook_secret = webhook_secret
        self._client: httpx.Client | None = None

    @property
    def credentials(self) -> Any:
        if self._credentials is None:
            raise PermanentError("no_credentials", "The connection has no credentials (it was deactivated).")
        return self._credentials

    # --- schema validation, used at the API edge as well ---------------------------------------------
    @classmethod
    def validate_config(cls, value: Any) -> Any:
        return _validate(cls.config_schema, value, "config")

    @classmethod
    def validate_credentials(cls, value: Any) -> Any:
        return _validate(cls.credentials_schema, value, "credentials")

    @classmethod
    def validate_target(cls, value: Any) -> dict[str, Any]:
        return _validate(cls.target_schema, value, "target").model_dump(exclude_none=True)

    # --- what every connector implements --------------------------------------------------------------
    def test(self) -> dict[str, Any]:
        """Check the credentials against the remote system; returns what it told us about the account."""
        raise NotImplementedError

    def publish(self, request: PublishRequest) -> RemoteMedia:
        """Upload ``request.data`` unchanged, with alt text and disclosure; safe to call again."""
        raise NotImplementedError

    def unpublish(self, remote_id: str, state: dict[str, Any]) -> None:
        """Remove the media; succeeds when it is already gone."""
        raise NotImplementedError

    def verify_webhook(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        """Raise WebhookRejected unless the request is signed with this connection's secret."""
        raise NotImplementedError

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        raise NotImplementedError

    # --- HTTP with the error mapping every vendor shares ---------------------------------------------
    @property
    def client(self) -> httpx.Client:
        # Every call, including to URLs a vendor answered with (Shopify's staged upload target), goes
        # through the outbound policy (invariant I8); redirects are not followed.
        if self._client is None:
            self._client = outbound.client(
                timeout=httpx.Timeout(settings.INTEGRATIONS_HTTP_TIMEOUT_S),
                headers={"User-Agent": "PhotAI-DAM/1 (+integrations)"},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def http(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; transport failures, 429 and 5xx become RetryableError, anything else is returned."""
        try:
            response = self.client.request(method, url, **kwargs)
        except outbound.OutboundRefused as exc:
            # Permanent: the address will not become acceptable by retrying. Never the remote's answer.
            raise PermanentError(exc.code, exc.message, details=exc.details) from None
        except httpx.TimeoutException as exc:
            raise RetryableError("timeout", f"{method} {_path(url)} timed out: {exc}") from None
        except httpx.TransportError as exc:
            raise RetryableError("network_error", f"{method} {_path(url)} failed: {exc}") from None
        if response.status_code == 429:
            raise RetryableError(
                "rate_limited",
                f"{method} {_path(url)} was throttled",
                retry_after=self.retry_after(response),
                http_status=429,
            )
        if response.status_code >= 500:
            raise RetryableError(
                self.error_code(response) or f"http_{response.status_code}",
                f"{method} {_path(url)} answered {response.status_code}",
                http_status=response.status_code,
            )
        return response

    def retry_after(self, response: httpx.Response) -> float | None:
        return _seconds(response.headers.get("Retry-After"))

    def error_code(self, response: httpx.Response) -> str:
        """The vendor's error code in an error answer (overridden per vendor)."""
        return ""

    def permanent(self, response: httpx.Response, what: str) -> PermanentError:
        code = self.error_code(response) or f"http_{response.status_code}"
        return PermanentError(
            code, f"{what} answered {response.status_code} ({code})", http_status=response.status_code
        )


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _path(url: str) -> str:
    # Error messages end up in the database and the API: never echo query strings (tokens live there).
    return httpx.URL(url).path
