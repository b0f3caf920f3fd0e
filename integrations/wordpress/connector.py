"""WordPress: the core REST API's media library, authenticated with an Application Password.

Idempotency: every upload gets the slug ``photai-<publication id>``; before uploading, a retry looks for
its checkpointed media id and then for that slug, so a lost answer never leaves two copies (I6).
Webhooks come from our small WordPress plugin (``plugin/photai-dam-webhooks.php``; core has none).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urljoin

import httpx
import pydantic

from integrations.base import (
    Connector,
    PermanentError,
    PublishRequest,
    RemoteMedia,
    WebhookEvent,
    WebhookRejected,
)
from integrations.webhook_signing import equal, hex_hmac

# How old (or how far ahead) a plugin delivery's signed timestamp may be; older ones are replays.
WEBHOOK_MAX_AGE_S = 300


class WordPressConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    # Sites without pretty permalinks serve the API at "/?rest_route=" instead.
    api_root: str = pydantic.Field(default="/wp-json", pattern=r"^/[A-Za-z0-9/_?=.-]*$")


class WordPressCredentials(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    username: str = pydantic.Field(min_length=1, max_length=60)
    application_password: str = pydantic.Field(min_length=16, max_length=100)


class WordPressTarget(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    post_id: int | None = pydantic.Field(default=None, gt=0)  # attach the media to this post or page


class WordPressConnector(Connector):
    kind = "wordpress"
    config_schema = WordPressConfig
    credentials_schema = WordPressCredentials
    target_schema = WordPressTarget

    def _url(self, route: str) -> str:
        root = self.config.api_root.rstrip("/")
        if "?" in root:  # ?rest_route=/wp/v2/media&x=1: later query parts join with '&'
            return f"{self.base_url}{root}{route.replace('?', '&', 1)}"
        return f"{self.base_url}{root}{route}"

    def _auth(self) -> httpx.BasicAuth:
        # WordPress shows Application Passwords in groups of four; it accepts them with or without spaces.
        return httpx.BasicAuth(self.credentials.username, self.credentials.application_password)

    def error_code(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return ""
        return str(body.get("code", "")) if isinstance(body, dict) else ""

    def test(self) -> dict[str, Any]:
        response = self.http("GET", self._url("/wp/v2/users/me?context=edit"), auth=self._auth())
        if response.status_code != 200:
            raise self.permanent(response, "GET users/me")
        me = response.json()
        capabilities = me.get("capabilities") or {}
        if not capabilities.get("upload_files"):
            raise PermanentError(
                "missing_capability", "The WordPress user may not upload files (upload_files)."
            )
        return {"user": me.get("slug") or me.get("name"), "can_upload": True}

    def publish(self, request: PublishRequest) -> RemoteMedia:
        slug = f"photai-{request.publication_id}"
        media = self._find(request, slug)
        if media is None:
            media = self._upload(request, slug)
            request.save(media_id=media["id"])
        else:
            # Found after a lost answer or an earlier attempt: make sure the metadata is ours.
            media = self._update(media["id"], request)
        return RemoteMedia(remote_id=str(media["id"]), url=self._original_url(media))

    def _find(self, request: PublishRequest, slug: str) -> dict[str, Any] | None:
        media_id = request.state.get("media_id")
        if media_id:
            response = self.http(
                "GET", self._url(f"/wp/v2/media/{int(media_id)}?context=edit"), auth=self._auth()
            )
            if response.status_code == 200:
                return response.json()
            if response.status_code != 404:
                raise self.permanent(response, "GET media")
        response = self.http(
            "GET", self._url("/wp/v2/media"), params={"slug": slug, "context": "edit"}, auth=self._auth()
        )
        if response.status_code != 200:
            raise self.permanent(response, "GET media?slug")
        found = response.json()
        return found[0] if found else None

    def _upload(self, request: PublishRequest, slug: str) -> dict[str, Any]:
        fields = {
            "title": request.title,
            "slug": slug,
            "alt_text": request.alt_text,
            "caption": request.disclosure,
            "description": request.disclosure,
        }
        if request.target.get("post_id"):
            fields["post"] = str(request.target["post_id"])
        response = self.http(
            "POST",
            self._url("/wp/v2/media"),
            auth=self._auth(),
            data=fields,
            files={"file": (request.filename, request.data, request.mime_type)},
        )
        if response.status_code != 201:
            raise self.permanent(response, "POST media")
        return response.json()

    def _update(self, media_id: int, request: PublishRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "alt_text": request.alt_text,
            "caption": request.disclosure,
            "description": request.disclosure,
        }
        if request.target.get("post_id"):
            body["post"] = request.target["post_id"]
        response = self.http("POST", self._url(f"/wp/v2/media/{int(media_id)}"), auth=self._auth(), json=body)
        if response.status_code != 200:
            raise self.permanent(response, "POST media/{id}")
        return response.json()

    @staticmethod
    def _original_url(media: dict[str, Any]) -> str:
        # Above big_image_size_threshold WordPress serves a re-encoded "-scaled" copy as source_url (which
        # drops the C2PA manifest); the untouched upload is media_details.original_image beside it.
        source_url = str(media.get("source_url", ""))
        original = (media.get("media_details") or {}).get("original_image")
        if original and source_url:
            return urljoin(source_url, str(original))
        return source_url

    def unpublish(self, remote_id: str, state: dict[str, Any]) -> None:
        # force=true: attachments have no trash, WordPress answers 501 rest_trash_not_supported without it.
        response = self.http(
            "DELETE", self._url(f"/wp/v2/media/{int(remote_id)}?force=true"), auth=self._auth()
        )
        if response.status_code == 404:
            return  # already gone, which is what we wanted
        if response.status_code != 200:
            raise self.permanent(response, "DELETE media")

    # --- webhooks from the PhotAI DAM WordPress plugin ------------------------------------------------
    def verify_webhook(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        """``X-PhotAI-Signature: sha256=<hex HMAC of "<delivery id>.<timestamp>.<body>">``: the delivery id
        (de-duplication) and the timestamp (freshness) are signed together with the body."""
        if not self.webhook_secret:
            raise WebhookRejected("webhook_secret_missing", "This connection has no webhook secret.")
        delivery = headers.get("x-photai-delivery", "")
        timestamp = headers.get("x-photai-timestamp", "")
        if not DELIVERY_ID.fullmatch(delivery):
            raise WebhookRejected("invalid_delivery_id", "X-PhotAI-Delivery is missing or malformed.")
        # Whole seconds in plain digits: "NaN", "1e400", "Infinity" or "-1" never reach a comparison.
        if not TIMESTAMP.fullmatch(timestamp):
            raise WebhookRejected("invalid_timestamp", "X-PhotAI-Timestamp is not a Unix time in seconds.")
        expected = "sha256=" + hex_hmac(self.webhook_secret, signed_message(delivery, timestamp, body))
        if not equal(expected, headers.get("x-photai-signature", "")):
            raise WebhookRejected("invalid_signature", "The signature does not match the delivery.")
        if abs(time.time() - int(timestamp)) > WEBHOOK_MAX_AGE_S:
            raise WebhookRejected("stale_webhook", "The delivery is too old (or from the future).")

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        payload = json.loads(body)
        event = str(payload.get("event", ""))
        removed: tuple[str, ...] = ()
        if event == "attachment.deleted" and payload.get("attachment_id"):
            removed = (str(_attachment_id(payload["attachment_id"])),)
        return WebhookEvent(
            topic=event,
            delivery_id=headers["x-photai-delivery"],  # signed, checked by verify_webhook
            removed_remote_ids=removed,
            payload=payload,
        )


DELIVERY_ID = re.compile(r"[A-Za-z0-9-]{8,100}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signed_message(delivery: str, timestamp: str, body: bytes) -> bytes:
    return f"{delivery}.{timestamp}.".encode() + body


def _attachment_id(value: object) -> int:
    """A WordPress post id: a positive integer, or its decimal string (never a float, bool or 1e400)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValueError(f"attachment_id {value!r} is not a WordPress post id")
    return value
