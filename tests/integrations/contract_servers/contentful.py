"""Contentful Content Management API (uploads, assets, processing, publishing, entries), per cms-apis.md.

Versions behave as documented: every write needs the current ``X-Contentful-Version`` (409
VersionMismatch otherwise), processing is asynchronous and bumps the version when it finishes, and
throttling is 429 with ``X-Contentful-RateLimit-Reset``.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from typing import Any

from tests.integrations.contract_servers.base import ContractServer, Reply

CMA_JSON = "application/vnd.contentful.management.v1+json"
FAKE_TOKEN = "CFPAT-contract-token"


def _error(status: int, error_id: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"sys": {"type": "Error", "id": error_id}, "message": error_id}, headers)


class ContentfulContractServer(ContractServer):
    def __init__(
        self, *, token: str = FAKE_TOKEN, space: str = "space1", environment: str = "master"
    ) -> None:
        super().__init__()
        self.token, self.space, self.environment = token, space, environment
        self.uploads: dict[str, bytes] = {}
        self.assets: dict[str, dict[str, Any]] = {}
        self.entries: dict[str, dict[str, Any]] = {
            "hero-entry": {
                "sys": {"id": "hero-entry", "type": "Entry", "version": 3, "publishedVersion": 2},
                "fields": {"title": {"en-US": "Hero"}},
            }
        }
        self.cdn: dict[str, bytes] = {}
        self.polls_until_processed = 2
        self._ids = itertools.count(1)

    def route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        clean = path.split("?")[0]
        if method == "GET" and clean in self.cdn:
            return 200, self.cdn[clean], {"Content-Type": "image/jpeg"}
        if headers.get("authorization") != f"Bearer {self.token}":
            raise _error(401, "AccessTokenInvalid")
        env = f"/spaces/{self.space}/environments/{self.environment}"
        if not clean.startswith(env):
            raise _error(404, "NotFound")
        rest = clean[len(env) :]
        routes = [
            ("GET", r"$", "environment"),
            ("POST", r"/uploads$", "upload"),
            ("GET", r"/assets/(?P<id>[^/]+)$", "get_asset"),
            ("PUT", r"/assets/(?P<id>[^/]+)$", "put_asset"),
            ("PUT", r"/assets/(?P<id>[^/]+)/files/(?P<loc>[^/]+)/process$", "process"),
            ("PUT", r"/assets/(?P<id>[^/]+)/published$", "publish"),
            ("DELETE", r"/assets/(?P<id>[^/]+)/published$", "unpublish"),
            ("GET", r"/entries/(?P<id>[^/]+)$", "get_entry"),
            ("PUT", r"/entries/(?P<id>[^/]+)$", "put_entry"),
            ("PUT", r"/entries/(?P<id>[^/]+)/published$", "publish_entry"),
        ]
        for verb, pattern, operation in routes:
            match = re.match(pattern, rest)
            if verb == method and match:
                fault = self.take_fault(operation)
                if fault and fault.get("status"):
                    self.record(operation, str(fault["status"]))
                    raise _error(int(fault["status"]), "ServerError")
                if fault and fault.get("rate_limit") is not None:
                    self.record(operation, "429")
                    raise _error(
                        429, "RateLimitExceeded", {"X-Contentful-RateLimit-Reset": str(fault["rate_limit"])}
                    )
                result = getattr(self, f"op_{operation}")(headers, body, **match.groupdict())
                self.record(operation, str(result[0]))
                if fault and fault.get("lose_answer"):
                    self.late(float(fault["lose_answer"]))
                return result
        raise _error(404, "NotFound")

    def _version(self, headers: dict[str, str]) -> int | None:
        value = headers.get("x-contentful-version")
        return int(value) if value and value.isdigit() else None

    def _check_version(self, headers: dict[str, str], current: int) -> None:
        if self._version(headers) != current:
            raise _error(409, "VersionMismatch")

    def _asset(self, asset_id: str) -> dict[str, Any]:
        asset = self.assets.get(asset_id)
        if asset is None:
            raise _error(404, "NotFound")
        return asset

    # --- operations -------------------------------------------------------------------------------------
    def op_environment(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        return 200, {"sys": {"type": "Environment", "id": self.environment}, "name": self.environment}, {}

    def op_upload(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        if headers.get("content-type") != "application/octet-stream":
            raise _error(415, "UnsupportedMediaType")
        upload_id = f"upload{next(self._ids)}"
        self.uploads[upload_id] = body
        return 201, {"sys": {"type": "Upload", "id": upload_id}}, {}

    def op_get_asset(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        asset = self._asset(id)
        processing = asset.get("_processing")
        if processing is not None:
            processing["polls"] += 1
            if processing["polls"] >= self.polls_until_processed:
                self._finish_processing(asset, processing["loc"])
        return 200, self._public(asset), {}

    def _public(self, asset: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in asset.items() if not k.startswith("_")}

    def _finish_processing(self, asset: dict[str, Any], loc: str) -> None:
        file = asset["fields"]["file"][loc]
        data = self.uploads[file.pop("uploadFrom")["sys"]["id"]]
        path = f"/cdn/{self.space}/{asset['sys']['id']}/{secrets.token_hex(4)}/{file['fileName']}"
        self.cdn[path] = data
        file["url"] = "//" + self.url.split("://", 1)[1] + path
        file["details"] = {"size": len(data)}
        asset["sys"]["version"] += 1
        asset.pop("_processing")

    def op_put_asset(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        if headers.get("content-type") != CMA_JSON:
            raise _error(415, "UnsupportedMediaType")
        fields = json.loads(body).get("fields") or {}
        existing = self.assets.get(id)
        if existing is None:
            if self._version(headers) is not None:
                raise _error(404, "NotFound")
            self.assets[id] = {
                "sys": {"type": "Asset", "id": id, "version": 1, "publishedVersion": None},
                "fields": fields,
            }
            return 201, self._public(self.assets[id]), {}
        self._check_version(headers, existing["sys"]["version"])
        existing["fields"] = fields
        existing["sys"]["version"] += 1
        return 200, self._public(existing), {}

    def op_process(
        self, headers: dict[str, str], body: bytes, id: str, loc: str
    ) -> tuple[int, Any, dict[str, str]]:
        asset = self._asset(id)
        self._check_version(headers, asset["sys"]["version"])
        file = (asset["fields"].get("file") or {}).get(loc)
        if not file or "uploadFrom" not in file or file["uploadFrom"]["sys"]["id"] not in self.uploads:
            raise _error(422, "ValidationFailed")
        asset["_processing"] = {"loc": loc, "polls": 0}
        return 204, None, {}

    def op_publish(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        asset = self._asset(id)
        self._check_version(headers, asset["sys"]["version"])
        if not all("url" in f for f in (asset["fields"].get("file") or {"x": {}}).values()):
            raise _error(422, "ValidationFailed")
        asset["sys"]["publishedVersion"] = asset["sys"]["version"]
        asset["sys"]["version"] += 1
        return 200, self._public(asset), {}

    def op_unpublish(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        asset = self._asset(id)
        if asset["sys"]["publishedVersion"] is None:
            raise _error(400, "NotPublished")
        asset["sys"]["publishedVersion"] = None
        asset["sys"]["version"] += 1
        return 200, self._public(asset), {}

    def op_get_entry(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        if id not in self.entries:
            raise _error(404, "NotFound")
        return 200, self.entries[id], {}

    def op_put_entry(self, headers: dict[str, str], body: bytes, id: str) -> tuple[int, Any, dict[str, str]]:
        entry = self.entries.get(id)
        if entry is None:
            raise _error(404, "NotFound")
        self._check_version(headers, entry["sys"]["version"])
        entry["fields"] = json.loads(body)["fields"]
        entry["sys"]["version"] += 1
        return 200, entry, {}

    def op_publish_entry(
        self, headers: dict[str, str], body: bytes, id: str
    ) -> tuple[int, Any, dict[str, str]]:
        entry = self.entries[id]
        self._check_version(headers, entry["sys"]["version"])
        entry["sys"]["publishedVersion"] = entry["sys"]["version"]
        entry["sys"]["version"] += 1
        return 200, entry, {}
