"""Contentful: the Content Management API (upload, create asset, process, poll, publish).

Idempotency: the asset id is ours, ``photai-<publication id>``, created with ``PUT …/assets/{id}``; a
retry finds it with a GET and carries on from whatever step it reached (I6). Throttling: 429 with
``X-Contentful-RateLimit-Reset`` (seconds to wait). Webhooks are signed requests (canonical string,
30-second TTL), the scheme of Contentful's node-apps-toolkit.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pydantic
from django.conf import settings

from integrations.base import (
    Connector,
    PermanentError,
    PublishRequest,
    RemoteMedia,
    RetryableError,
    WebhookEvent,
    WebhookRejected,
)
from integrations.webhook_signing import equal, hex_hmac

CMA_JSON = "application/vnd.contentful.management.v1+json"
SIGNATURE_TTL_S = 30
REMOVING_TOPICS = {
    "ContentManagement.Asset.delete",
    "ContentManagement.Asset.unpublish",
    "ContentManagement.Asset.archive",
}
_ID = r"^[A-Za-z0-9._-]{1,64}$"


class ContentfulConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    space_id: str = pydantic.Field(pattern=_ID)
    environment_id: str = pydantic.Field(default="master", pattern=_ID)
    locale: str = pydantic.Field(default="en-US", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    # Uploads go to a separate host in production (upload.contentful.com); None means the same base URL.
    upload_base_url: pydantic.HttpUrl | None = None


class ContentfulCredentials(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    cma_token: str = pydantic.Field(min_length=8, max_length=200)


class ContentfulTarget(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    entry_id: str | None = pydantic.Field(default=None, pattern=_ID)
    field: str | None = pydantic.Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

    @pydantic.model_validator(mode="after")
    def _both_or_neither(self) -> ContentfulTarget:
        if (self.entry_id is None) != (self.field is None):
            raise ValueError("entry_id and field go together")
        return self


class ContentfulConnector(Connector):
    kind = "contentful"
    config_schema = ContentfulConfig
    credentials_schema = ContentfulCredentials
    target_schema = ContentfulTarget
    webhook_secret_min_length = 64  # Contentful's signing secrets are 64 characters
    outbound_url_fields = ("upload_base_url",)

    def _env(self, base: str | None = None) -> str:
        root = (base or self.base_url).rstrip("/")
        return f"{root}/spaces/{self.config.space_id}/environments/{self.config.environment_id}"

    def _headers(self, version: int | None = None, content_type: str = CMA_JSON) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.credentials.cma_token}", "Content-Type": content_type}
        if version is not None:
            headers["X-Contentful-Version"] = str(version)
        return headers

    def error_code(self, response: httpx.Response) -> str:
        try:
            return str(((response.json() or {}).get("sys") or {}).get("id", ""))
        except ValueError:
            return ""

    def retry_after(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("X-Contentful-RateLimit-Reset")
        try:
            return max(0.0, float(reset)) if reset is not None else super().retry_after(response)
        except ValueError:
            return super().retry_after(response)

    def test(self) -> dict[str, Any]:
        response = self.http("GET", self._env(), headers=self._headers())
        if response.status_code != 200:
            raise self.permanent(response, "GET environment")
        return {"space": self.config.space_id, "environment": (response.json().get("sys") or {}).get("id")}

    # --- publish ---------------------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemoteMedia:
        asset_id = f"photai-{request.publication_id}"
        asset = self._get_asset(asset_id)
        if asset is None:
            upload_id = request.state.get("upload_id") or self._upload(request)
            request.save(upload_id=upload_id, asset_id=asset_id)
            asset = self._create_asset(asset_id, upload_id, request)
        request.save(asset_id=asset_id)
        loc = self.config.locale
        if not _file(asset, loc).get("url"):
            if request.state.get("process_requested_at_version") != asset["sys"]["version"]:
                self._process(asset_id, asset["sys"]["version"])
                request.save(process_requested_at_version=asset["sys"]["version"])
            asset = self._wait_for_url(asset_id)
        asset = self._publish_asset(asset)
        if request.target.get("entry_id") and request.state.get("linked_entry") != request.target["entry_id"]:
            self._link(request.target["entry_id"], request.target["field"], asset_id)
            request.save(linked_entry=request.target["entry_id"])
        url = str(_file(asset, loc).get("url", ""))
        return RemoteMedia(remote_id=asset_id, url=f"https:{url}" if url.startswith("//") else url)

    def _get_asset(self, asset_id: str) -> dict[str, Any] | None:
        response = self.http("GET", f"{self._env()}/assets/{asset_id}", headers=self._headers())
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self.permanent(response, "GET asset")
        return response.json()

    def _upload(self, request: PublishRequest) -> str:
        base = str(self.config.upload_base_url) if self.config.upload_base_url else None
        response = self.http(
            "POST",
            f"{self._env(base)}/uploads",
            content=request.data,
            headers=self._headers(content_type="application/octet-stream"),
        )
        if response.status_code != 201:
            raise self.permanent(response, "POST upload")
        return str(response.json()["sys"]["id"])

    def _create_asset(self, asset_id: str, upload_id: str, request: PublishRequest) -> dict[str, Any]:
        loc = self.config.locale
        fields: dict[str, Any] = {
            "title": {loc: request.alt_text or request.title},
            "description": {loc: request.disclosure},
            "file": {
                loc: {
                    "contentType": request.mime_type,
                    "fileName": request.filename,
                    "uploadFrom": {"sys": {"type": "Link", "linkType": "Upload", "id": upload_id}},
                }
            },
        }
        response = self.http(
            "PUT", f"{self._env()}/assets/{asset_id}", json={"fields": fields}, headers=self._headers()
        )
        if response.status_code == 409:  # created by an attempt whose answer was lost
            existing = self._get_asset(asset_id)
            if existing is not None:
                return existing
        if response.status_code not in (200, 201):
            raise self.permanent(response, "PUT asset")
        return response.json()

    def _process(self, asset_id: str, version: int) -> None:
        response = self.http(
            "PUT",
            f"{self._env()}/assets/{asset_id}/files/{self.config.locale}/process",
            headers=self._headers(version),
        )
        if response.status_code not in (200, 204):
            raise self.permanent(response, "PUT process")

    def _wait_for_url(self, asset_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + settings.INTEGRATIONS_POLL_TIMEOUT_S
        while True:
            asset = self._get_asset(asset_id)
            if asset is None:
                raise PermanentError("NotFound", f"asset {asset_id} disappeared while processing")
            if _file(asset, self.config.locale).get("url"):
                return asset
            if time.monotonic() >= deadline:
                raise RetryableError("processing", f"asset {asset_id} is still processing")
            time.sleep(settings.INTEGRATIONS_POLL_INTERVAL_S)

    def _publish_asset(self, asset: dict[str, Any]) -> dict[str, Any]:
        sys = asset["sys"]
        if sys.get("publishedVersion") is not None and sys["publishedVersion"] + 1 == sys["version"]:
            return asset  # already published, nothing changed since
        response = self.http(
            "PUT", f"{self._env()}/assets/{sys['id']}/published", headers=self._headers(sys["version"])
        )
        if response.status_code == 409:
            # Processing finished between our GET and PUT and bumped the version: retry with the new one.
            raise RetryableError("VersionMismatch", "the asset changed while publishing", retry_after=0.5)
        if response.status_code != 200:
            raise self.permanent(response, "PUT published")
        return response.json()

    def _link(self, entry_id: str, field: str, asset_id: str) -> None:
        url = f"{self._env()}/entries/{entry_id}"
        response = self.http("GET", url, headers=self._headers())
        if response.status_code != 200:
            raise self.permanent(response, "GET entry")
        entry = response.json()
        was_published = entry["sys"].get("publishedVersion") is not None
        fields = entry.get("fields") or {}
        fields.setdefault(field, {})[self.config.locale] = {
            "sys": {"type": "Link", "linkType": "Asset", "id": asset_id}
        }
        response = self.http(
            "PUT", url, json={"fields": fields}, headers=self._headers(entry["sys"]["version"])
        )
        if response.status_code == 409:
            raise RetryableError("VersionMismatch", "the entry changed while linking", retry_after=0.5)
        if response.status_code != 200:
            raise self.permanent(response, "PUT entry")
        if was_published:
            version = response.json()["sys"]["version"]
            response = self.http("PUT", f"{url}/published", headers=self._headers(version))
            if response.status_code != 200:
                raise self.permanent(response, "PUT entry published")

    def unpublish(self, remote_id: str, state: dict[str, Any]) -> None:
        response = self.http("DELETE", f"{self._env()}/assets/{remote_id}/published", headers=self._headers())
        if response.status_code == 404:
            return  # gone already
        if response.status_code == 400 and self.error_code(response) == "NotPublished":
            return
        if response.status_code not in (200, 204):
            raise self.permanent(response, "DELETE published")

    # --- signed webhooks --------------------------------------------------------------------------------
    def verify_webhook(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        if not self.webhook_secret:
            raise WebhookRejected("webhook_secret_missing", "This connection has no signing secret.")
        signature = headers.get("x-contentful-signature", "")
        signed = [
            h.strip().lower() for h in headers.get("x-contentful-signed-headers", "").split(",") if h.strip()
        ]
        if not signature or "x-contentful-timestamp" not in signed:
            raise WebhookRejected("unsigned", "The request is not a Contentful signed request.")
        try:
            timestamp_ms = int(headers.get("x-contentful-timestamp", ""))
        except ValueError:
            raise WebhookRejected("unsigned", "x-contentful-timestamp is not a number.") from None
        if abs(time.time() * 1000 - timestamp_ms) > SIGNATURE_TTL_S * 1000:
            raise WebhookRejected("stale_webhook", f"The signature is older than {SIGNATURE_TTL_S} s.")
        missing = [h for h in signed if h not in headers]
        if missing:
            raise WebhookRejected("unsigned", f"Signed headers are missing: {', '.join(missing)}.")
        expected = sign(self.webhook_secret, method, path, {h: headers[h] for h in signed}, body)
        if not equal(expected, signature.strip()):
            raise WebhookRejected("invalid_signature", "x-contentful-signature does not match the request.")

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        topic = headers.get("x-contentful-topic", "")
        payload = json.loads(body) if body else {}
        removed: tuple[str, ...] = ()
        if topic in REMOVING_TOPICS:
            asset_id = ((payload.get("sys") or {}) if isinstance(payload, dict) else {}).get("id")
            if asset_id:
                removed = (str(asset_id),)
        # A signed request is valid for SIGNATURE_TTL_S; within that time a replay carries the very same
        # signature (it covers the timestamp), so the signature is the delivery's identity.
        signature = headers.get("x-contentful-signature", "").strip().lower()
        return WebhookEvent(
            topic=topic,
            dedup_keys=(f"contentful-signature:{signature}",),
            removed_remote_ids=removed,
            payload=payload if isinstance(payload, dict) else {},
        )


def canonical_request(method: str, path: str, signed_headers: dict[str, str], body: bytes) -> bytes:
    """METHOD\\nPATH\\nk:v;k:v (lower-cased, trimmed, sorted)\\nBODY, as Contentful signs requests."""
    pairs = sorted((k.strip().lower(), v.strip()) for k, v in signed_headers.items())
    header_part = ";".join(f"{k}:{v}" for k, v in pairs)
    return f"{method.upper()}\n{path}\n{header_part}\n".encode() + body


def sign(secret: str, method: str, path: str, signed_headers: dict[str, str], body: bytes) -> str:
    return hex_hmac(secret, canonical_request(method, path, signed_headers, body))


def _file(asset: dict[str, Any], locale: str) -> dict[str, Any]:
    return ((asset.get("fields") or {}).get("file") or {}).get(locale) or {}
