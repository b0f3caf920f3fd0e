"""Shopify: the Admin GraphQL Files API (staged upload, fileCreate, poll until READY, fileDelete).

Idempotency: the file is named ``photai-<publication id>.<ext>`` and created with
``duplicateResolutionMode: RAISE_ERROR``; a retry first resumes from its checkpointed file id, then
looks the filename up with ``files(query: "filename:…")``, and only then uploads (I6).
Throttling: Shopify answers HTTP 200 with ``errors[].extensions.code == "THROTTLED"``; the wait is what
the bucket needs to refill for this query: (requested cost - currently available) / restore rate.
Shopify files carry no caption, so the AI disclosure is appended to the alt text (max 512 characters).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
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
from integrations.webhook_signing import base64_hmac, equal

ALT_MAX = 512

FILE_FIELDS = """
  id
  fileStatus
  alt
  ... on MediaImage { image { url } fileErrors { code message } }
"""
Q_SHOP = "query { shop { name myshopifyDomain } }"
Q_FIND = (
    "query Find($q: String!) { files(first: 5, query: $q) { nodes { " + FILE_FIELDS + " ... on MediaImage { "
    "originalSource { url } } } } }"
)
Q_NODE = "query Node($id: ID!) { node(id: $id) { ... on File { " + FILE_FIELDS + " } } }"
M_STAGE = """
mutation Stage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}"""
M_CREATE = (
    "mutation Create($files: [FileCreateInput!]!) { fileCreate(files: $files) { files { "
    + FILE_FIELDS
    + " } userErrors { field message code } } }"
)
M_UPDATE = """
mutation Attach($files: [FileUpdateInput!]!) {
  fileUpdate(files: $files) { files { id } userErrors { field message code } }
}"""
M_DELETE = """
mutation Delete($ids: [ID!]!) {
  fileDelete(fileIds: $ids) { deletedFileIds userErrors { field message code } }
}"""


class ShopifyConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    api_version: str = pydantic.Field(default="2026-10", pattern=r"^(\d{4}-(01|04|07|10)|unstable)$")
    # When set, webhooks from any other shop are refused.
    shop_domain: str | None = pydantic.Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class ShopifyCredentials(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    access_token: str = pydantic.Field(min_length=8, max_length=200)


class ShopifyTarget(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    product_id: str | None = pydantic.Field(default=None, pattern=r"^gid://shopify/Product/\d+$")


class ShopifyConnector(Connector):
    kind = "shopify"
    config_schema = ShopifyConfig
    credentials_schema = ShopifyCredentials
    target_schema = ShopifyTarget

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/admin/api/{self.config.api_version}/graphql.json"

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http(
            "POST",
            self.endpoint,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": self.credentials.access_token},
        )
        if response.status_code in (401, 402, 403, 404, 423):
            # 401 bad token, 402 shop unpaid, 403 missing scope, 404 no such shop, 423 shop locked.
            names = {
                401: "UNAUTHORIZED",
                402: "PAYMENT_REQUIRED",
                403: "ACCESS_DENIED",
                404: "NOT_FOUND",
                423: "LOCKED",
            }
            raise PermanentError(
                names[response.status_code],
                f"Shopify answered {response.status_code}",
                http_status=response.status_code,
            )
        if response.status_code != 200:
            raise self.permanent(response, "Shopify GraphQL")
        body = response.json()
        errors = body.get("errors") or []
        if errors:
            codes = [str((e.get("extensions") or {}).get("code", "")) for e in errors]
            if "THROTTLED" in codes:
                raise RetryableError(
                    "THROTTLED", "Shopify throttled the query", retry_after=_refill_wait(body)
                )
            raise PermanentError(
                next((c for c in codes if c), "GRAPHQL_ERROR"),
                "; ".join(str(e.get("message", "")) for e in errors)[:500],
            )
        return body.get("data") or {}

    def test(self) -> dict[str, Any]:
        shop = self.gql(Q_SHOP)["shop"]
        return {"shop": shop.get("myshopifyDomain"), "name": shop.get("name")}

    # --- publish ---------------------------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> RemoteMedia:
        extension = request.filename.rsplit(".", 1)[-1]
        filename = f"photai-{request.publication_id}.{extension}"
        file_id = request.state.get("file_id") or self._find(filename)
        if file_id:
            request.save(file_id=file_id)
        else:
            resource_url = request.state.get("resource_url") or self._stage_and_upload(request, filename)
            request.save(resource_url=resource_url)
            file_id = self._create(request, filename, resource_url)
            request.save(file_id=file_id)
        node = self._wait_until_ready(file_id)
        product = request.target.get("product_id")
        if product and request.state.get("attached_to") != product:
            self._attach(file_id, product)
            request.save(attached_to=product)
        return RemoteMedia(remote_id=file_id, url=str((node.get("image") or {}).get("url", "")))

    def _find(self, filename: str) -> str | None:
        nodes = self.gql(Q_FIND, {"q": f"filename:{filename}"})["files"]["nodes"]
        # The search is by prefix on Shopify's side; only an exact name is ours.
        for node in nodes:
            source = ((node.get("originalSource") or {}).get("url") or "").split("?")[0]
            if source.endswith("/" + filename) or not source:
                return str(node["id"])
        return None

    def _stage_and_upload(self, request: PublishRequest, filename: str) -> str:
        data = self.gql(
            M_STAGE,
            {
                "input": [
                    {
                        "filename": filename,
                        "mimeType": request.mime_type,
                        "resource": "IMAGE",
                        "httpMethod": "POST",
                        "fileSize": str(len(request.data)),
                    }
                ]
            },
        )["stagedUploadsCreate"]
        _raise_user_errors(data)
        target = data["stagedTargets"][0]
        # Every parameter, in the order given, then the file last: the storage host checks a policy
        # signed over exactly these fields.
        fields: list[tuple[str, tuple[str | None, Any] | tuple[str, bytes, str]]] = [
            (p["name"], (None, p["value"])) for p in target["parameters"]
        ]
        fields.append(("file", (filename, request.data, request.mime_type)))
        response = self.http("POST", target["url"], files=fields)
        if response.status_code not in (200, 201, 204):
            raise PermanentError(
                f"STAGED_UPLOAD_{response.status_code}",
                f"the staged upload answered {response.status_code}",
                http_status=response.status_code,
            )
        return str(target["resourceUrl"])

    def _create(self, request: PublishRequest, filename: str, resource_url: str) -> str:
        alt = _alt(request.alt_text, request.disclosure)
        data = self.gql(
            M_CREATE,
            {
                "files": [
                    {
                        "originalSource": resource_url,
                        "alt": alt,
                        "contentType": "IMAGE",
                        "filename": filename,
                        "duplicateResolutionMode": "RAISE_ERROR",
                    }
                ]
            },
        )["fileCreate"]
        if data.get("userErrors"):
            # A duplicate name means an earlier attempt created it and lost the answer: use that file.
            existing = self._find(filename)
            if existing:
                return existing
            _raise_user_errors(data)
        return str(data["files"][0]["id"])

    def _wait_until_ready(self, file_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + settings.INTEGRATIONS_POLL_TIMEOUT_S
        while True:
            node = self.gql(Q_NODE, {"id": file_id}).get("node")
            if not node:
                raise RetryableError("FILE_NOT_FOUND_YET", f"{file_id} is not visible yet")
            status = node.get("fileStatus")
            if status == "READY":
                return node
            if status == "FAILED":
                errors = node.get("fileErrors") or [{}]
                code = str(errors[0].get("code") or "FILE_FAILED")
                self._delete([file_id])  # a failed file is of no use to anyone in the shop
                raise PermanentError(
                    code, str(errors[0].get("message") or "Shopify could not process the file")
                )
            if time.monotonic() >= deadline:
                # The checkpointed file id makes the retry resume polling, not upload again.
                raise RetryableError("PROCESSING", f"{file_id} is still {status}")
            time.sleep(settings.INTEGRATIONS_POLL_INTERVAL_S)

    def _attach(self, file_id: str, product_id: str) -> None:
        data = self.gql(M_UPDATE, {"files": [{"id": file_id, "referencesToAdd": [product_id]}]})["fileUpdate"]
        _raise_user_errors(data)

    def _delete(self, ids: list[str]) -> None:
        data = self.gql(M_DELETE, {"ids": ids})["fileDelete"]
        errors = [e for e in data.get("userErrors") or [] if e.get("code") != "FILE_DOES_NOT_EXIST"]
        if errors:
            _raise_user_errors({"userErrors": errors})

    def unpublish(self, remote_id: str, state: dict[str, Any]) -> None:
        self._delete([remote_id])

    # --- webhooks ---------------------------------------------------------------------------------------
    def verify_webhook(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        if not self.webhook_secret:
            raise WebhookRejected("webhook_secret_missing", "This connection has no client secret.")
        if not equal(base64_hmac(self.webhook_secret, body), headers.get("x-shopify-hmac-sha256", "")):
            raise WebhookRejected("invalid_signature", "X-Shopify-Hmac-Sha256 does not match the body.")
        shop_domain = headers.get("x-shopify-shop-domain", "")
        expected_shop = self.config.shop_domain
        if expected_shop and shop_domain != expected_shop:
            raise WebhookRejected("wrong_shop", "The webhook comes from another shop.")
        if not WEBHOOK_ID.fullmatch(headers.get("x-shopify-webhook-id", "")):
            raise WebhookRejected("missing_delivery_id", "X-Shopify-Webhook-Id is missing.", status=400)
        # The HMAC covers the body only: the topic header is trusted only when the signed body has that
        # topic's documented shape (and names the same shop), so a captured body cannot be replayed
        # under another topic (e.g. a file deletion re-sent as app/uninstalled).
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            raise WebhookRejected("invalid_payload", "The webhook body is not JSON.", status=400) from None
        problem = topic_mismatch(headers.get("x-shopify-topic", ""), payload, shop_domain)
        if problem:
            raise WebhookRejected("topic_mismatch", problem, status=400)

    def parse_webhook(self, *, headers: dict[str, str], body: bytes) -> WebhookEvent:
        topic = headers.get("x-shopify-topic", "")
        payload = json.loads(body) if body else {}
        removed: tuple[str, ...] = ()
        if topic == "files/delete":
            removed = (str(payload["admin_graphql_api_id"]),)
        # The webhook id is not signed; destructive topics are also de-duplicated on the signed body, so a
        # replay under a fresh id is still recognised (app/uninstalled bodies carry updated_at, so two real
        # uninstalls differ; see actions.forget_redaction_digests for shop/redact after a reinstall).
        digests = (body_digest(body),) if topic in DESTRUCTIVE_TOPICS else ()
        return WebhookEvent(
            topic=topic,
            delivery_id=headers.get("x-shopify-webhook-id", ""),
            dedup_keys=digests,
            removed_remote_ids=removed,
            redact_shop=topic == "shop/redact",
            payload=payload if isinstance(payload, dict) else {},
        )

    def retry_after(self, response: httpx.Response) -> float | None:
        value = super().retry_after(response)
        return value if value is not None else 1.0


# --- which body belongs to which topic ---------------------------------------------------------------------
WEBHOOK_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
DESTRUCTIVE_TOPICS = frozenset({"app/uninstalled", "shop/redact"})
FILE_GID = re.compile(r"gid://shopify/(MediaImage|GenericFile|Video|ExternalVideo|Model3d)/\d+")
# Keys only another topic's payload has: a body carrying one of them is not this topic's.
_COMPLIANCE_KEYS = {
    "shop_id",
    "shop_domain",
    "customer",
    "orders_to_redact",
    "orders_requested",
    "data_request",
}
_SHOP_KEYS = {"myshopify_domain", "plan_name", "primary_locale"}
_RESOURCE_KEYS = {"admin_graphql_api_id", "variants", "body_html", "product_type", "file_status", "alt"}


@dataclass(frozen=True)
class TopicShape:
    """What a topic's payload must and must not contain (from Shopify's webhook reference)."""

    required: frozenset[str]
    forbidden: frozenset[str] = frozenset()
    shop_field: str | None = None  # the body field naming the shop, which must be the sending shop


# The topics we act on. Others (products/*, …) are recorded and change nothing.
TOPIC_SHAPES = {
    # the shop object
    "app/uninstalled": TopicShape(
        frozenset({"id", "name", "myshopify_domain"}),
        frozenset(_COMPLIANCE_KEYS | _RESOURCE_KEYS),
        shop_field="myshopify_domain",
    ),
    "shop/redact": TopicShape(
        frozenset({"shop_id", "shop_domain"}),
        frozenset((_COMPLIANCE_KEYS - {"shop_id", "shop_domain"}) | _SHOP_KEYS | _RESOURCE_KEYS | {"id"}),
        shop_field="shop_domain",
    ),
    "customers/redact": TopicShape(
        frozenset({"shop_id", "shop_domain", "customer", "orders_to_redact"}),
        frozenset({"orders_requested", "data_request"} | _SHOP_KEYS | _RESOURCE_KEYS),
        shop_field="shop_domain",
    ),
    "customers/data_request": TopicShape(
        frozenset({"shop_id", "shop_domain", "customer", "orders_requested"}),
        frozenset({"orders_to_redact"} | _SHOP_KEYS | _RESOURCE_KEYS),
        shop_field="shop_domain",
    ),
    # the file resource
    "files/delete": TopicShape(frozenset({"admin_graphql_api_id"}), frozenset(_COMPLIANCE_KEYS | _SHOP_KEYS)),
}


def topic_mismatch(topic: str, payload: Any, shop_domain: str) -> str | None:
    """Why a signed ``payload`` cannot be a ``topic`` delivery from ``shop_domain``; None when it can."""
    shape = TOPIC_SHAPES.get(topic)
    if shape is None:
        return None if isinstance(payload, dict) else "The body is not a JSON object."
    if not isinstance(payload, dict):
        return f"A {topic} body is a JSON object."
    missing = sorted(shape.required - payload.keys())
    if missing:
        return f"A {topic} body has {', '.join(missing)}."
    foreign = sorted(shape.forbidden & payload.keys())
    if foreign:
        return f"A {topic} body has no {', '.join(foreign)}."
    if shape.shop_field and payload.get(shape.shop_field) != shop_domain:
        return f"The body's {shape.shop_field} is not the sending shop."
    if topic == "files/delete" and not FILE_GID.fullmatch(str(payload["admin_graphql_api_id"])):
        return "A files/delete body names a file."
    return None


def body_digest(body: bytes) -> str:
    return "body-sha256:" + hashlib.sha256(body).hexdigest()


def _refill_wait(body: dict[str, Any]) -> float:
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        requested = float(cost.get("requestedQueryCost") or 0)
        available = float(status.get("currentlyAvailable") or 0)
        rate = float(status.get("restoreRate") or 0)
    except (TypeError, ValueError):
        return 1.0
    if rate <= 0:
        return 1.0
    return max(0.5, (requested - available) / rate)


def _raise_user_errors(payload: dict[str, Any]) -> None:
    errors = payload.get("userErrors") or []
    if errors:
        first = errors[0]
        raise PermanentError(
            str(first.get("code") or "USER_ERROR"),
            "; ".join(str(e.get("message", "")) for e in errors)[:500],
            details={"user_errors": errors},
        )


def _alt(alt_text: str, disclosure: str) -> str:
    alt = f"{alt_text} ({disclosure})" if disclosure and alt_text else (alt_text or disclosure)
    return alt[:ALT_MAX]
