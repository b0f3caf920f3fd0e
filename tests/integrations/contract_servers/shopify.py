"""Shopify Admin GraphQL (the Files API subset we use), per cms-apis.md.

Operations are recognised by their root field (stagedUploadsCreate, fileCreate, fileUpdate, fileDelete,
files, node, shop). Every answer carries ``extensions.cost.throttleStatus``; a throttled answer is HTTP
200 with ``errors[].extensions.code == "THROTTLED"``. A created file goes UPLOADED -> PROCESSING -> READY
(or FAILED) over successive polls.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import re
import secrets
from email.parser import BytesParser
from email.policy import HTTP
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, build_client_schema, parse, validate
from graphql.execution.values import get_variable_values

from tests.integrations.contract_servers.base import ContractServer

MAXIMUM, RESTORE_RATE = 1000.0, 50.0
FAKE_TOKEN = "shpat_contract_token"
API_VERSION = "2026-10"
# Shopify's own Admin schema (see SHOPIFY-SCHEMA-NOTICE.txt): every query is validated against it.
SCHEMA_FILE = Path(__file__).with_name("shopify-admin-2026-10.json.gz")


@lru_cache(maxsize=1)
def admin_schema() -> GraphQLSchema:
    schema = build_client_schema(json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))["data"])
    # graphql-core 3.3 refuses this schema as a whole over a deprecation rule (some implementations
    # deprecate an interface's field); documents are still validated field by field, types and enums.
    schema._validation_errors = []
    return schema


def schema_errors(query: str, variables: dict[str, Any]) -> list[str]:
    """What Shopify would answer in ``errors`` for this document and these variables (empty: valid)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [exc.message]
    errors = [e.message for e in validate(admin_schema(), document)]
    if errors:
        return errors
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    coerced = get_variable_values(admin_schema(), operation.variable_definitions or [], variables)
    return [e.message for e in coerced] if isinstance(coerced, list) else []


OPERATIONS = ("stagedUploadsCreate", "fileCreate", "fileUpdate", "fileDelete", "files", "node", "shop")


class ShopifyContractServer(ContractServer):
    def __init__(self, *, access_token: str = FAKE_TOKEN, api_version: str = API_VERSION) -> None:
        super().__init__()
        admin_schema()  # load once (about 2 s) before the first request, not inside a client's timeout
        self.access_token = access_token
        self.api_version = api_version
        self.staged: dict[str, dict[str, Any]] = {}  # token -> {params, filename, mime, data}
        self.resources: dict[str, bytes] = {}  # resourceUrl -> bytes uploaded to storage
        self.files: dict[str, dict[str, Any]] = {}  # gid -> file
        self.cdn: dict[str, bytes] = {}
        self.products = {"gid://shopify/Product/1001"}
        self.polls_until_ready = 2
        self.fail_processing = False
        self._ids = itertools.count(7001)

    # --- plumbing ----------------------------------------------------------------------------------------
    def route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if method == "POST" and path == f"/admin/api/{self.api_version}/graphql.json":
            return self.graphql(headers, body)
        if method == "POST" and path.startswith("/staged-uploads/"):
            return self.staged_upload(path.rsplit("/", 1)[-1], headers, body)
        if method == "GET" and path.split("?")[0] in self.cdn:
            return 200, self.cdn[path.split("?")[0]], {"Content-Type": "image/jpeg"}
        return 404, {"errors": "Not Found"}, {}

    def _cost(self, requested: float = 10.0, available: float = MAXIMUM) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None if available < requested else requested,
                "throttleStatus": {
                    "maximumAvailable": MAXIMUM,
                    "currentlyAvailable": available,
                    "restoreRate": RESTORE_RATE,
                },
            }
        }

    def graphql(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        if headers.get("x-shopify-access-token") != self.access_token:
            self.record("auth", "401")
            return (
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                {},
            )
        request = json.loads(body)
        query, variables = request["query"], request.get("variables") or {}
        invalid = schema_errors(query, variables)
        if invalid:
            self.record("invalid", "GRAPHQL_VALIDATION_FAILED")
            return (
                200,
                {
                    "errors": [
                        {"message": m, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for m in invalid
                    ],
                    "extensions": self._cost(),
                },
                {},
            )
        operation = next((op for op in OPERATIONS if re.search(rf"\b{op}\s*[({{]", query)), "unknown")
        fault = self.take_fault(operation)
        if fault and fault.get("status"):
            self.record(operation, str(fault["status"]))
            return int(fault["status"]), {"errors": "Internal Server Error"}, {}
        if fault and fault.get("throttle"):
            self.record(operation, "THROTTLED")
            # 60 requested, 10 available, 50/s restore: the client should wait (60 - 10) / 50 = 1 s.
            return (
                200,
                {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": self._cost(requested=60.0, available=10.0),
                },
                {},
            )
        data = getattr(self, f"op_{operation}")(variables)
        self.record(operation, "ok")
        if fault and fault.get("lose_answer"):
            self.late(float(fault["lose_answer"]))
        return 200, {"data": data, "extensions": self._cost()}, {}

    # --- operations -------------------------------------------------------------------------------------
    def op_shop(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"shop": {"name": "Contract Shop", "myshopifyDomain": "contract-shop.myshopify.com"}}

    def op_stagedUploadsCreate(self, variables: dict[str, Any]) -> dict[str, Any]:
        targets, errors = [], []
        for i, item in enumerate(variables["input"]):
            if (
                item.get("resource") != "IMAGE"
                or item.get("httpMethod") != "POST"
                or not item.get("filename")
            ):
                errors.append({"field": ["input", str(i)], "message": "unsupported staged upload"})
                continue
            token = secrets.token_hex(8)
            key = f"tmp/contract-shop/{token}/{item['filename']}"
            params = [
                {"name": "Content-Type", "value": item["mimeType"]},
                {"name": "success_action_status", "value": "201"},
                {"name": "acl", "value": "private"},
                {"name": "key", "value": key},
                {"name": "policy", "value": base64.b64encode(f"policy-{token}".encode()).decode()},
                {"name": "x-goog-signature", "value": secrets.token_hex(16)},
            ]
            self.staged[token] = {"params": params, "filename": item["filename"], "mime": item["mimeType"]}
            targets.append(
                {
                    "url": f"{self.url}/staged-uploads/{token}",
                    "resourceUrl": f"{self.url}/{key}",
                    "parameters": params,
                }
            )
        return {"stagedUploadsCreate": {"stagedTargets": targets, "userErrors": errors}}

    def staged_upload(
        self, token: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        staged = self.staged.get(token)
        fault = self.take_fault("stagedUpload")
        if fault and fault.get("status"):
            self.record("stagedUpload", str(fault["status"]))
            return int(fault["status"]), b"<Error>InternalError</Error>", {}
        if staged is None:
            return 404, b"<Error>NoSuchUpload</Error>", {}
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode() + body
        )
        parts = [(p.get_param("name", header="content-disposition"), p) for p in message.iter_parts()]
        names = [name for name, _ in parts]
        expected = [p["name"] for p in staged["params"]] + ["file"]
        if names != expected:
            self.record("stagedUpload", "400")
            return 400, b"<Error>InvalidPolicyDocument: fields out of order</Error>", {}
        for (_name, part), param in zip(parts, staged["params"], strict=False):
            if part.get_content().strip() != param["value"]:
                return 403, b"<Error>SignatureDoesNotMatch</Error>", {}
        data = parts[-1][1].get_payload(decode=True)
        key = next(p["value"] for p in staged["params"] if p["name"] == "key")
        self.resources[f"{self.url}/{key}"] = data
        self.record("stagedUpload", "201")
        return (
            201,
            b"<PostResponse><Key>" + key.encode() + b"</Key></PostResponse>",
            {"Content-Type": "application/xml"},
        )

    def op_fileCreate(self, variables: dict[str, Any]) -> dict[str, Any]:
        created, errors = [], []
        for i, item in enumerate(variables["files"]):
            source, filename = item.get("originalSource"), item.get("filename")
            if source not in self.resources:
                errors.append(
                    {
                        "field": ["files", str(i), "originalSource"],
                        "message": "Invalid source",
                        "code": "INVALID",
                    }
                )
                continue
            if item.get("duplicateResolutionMode") == "RAISE_ERROR" and any(
                f["filename"] == filename for f in self.files.values()
            ):
                errors.append(
                    {
                        "field": ["files", str(i), "filename"],
                        "message": "A file with this name exists",
                        "code": "FILENAME_ALREADY_EXISTS",
                    }
                )
                continue
            gid = f"gid://shopify/MediaImage/{next(self._ids)}"
            self.files[gid] = {
                "id": gid,
                "filename": filename,
                "alt": item.get("alt", ""),
                "data": self.resources[source],
                "status": "UPLOADED",
                "polls": 0,
                "references": [],
            }
            created.append(self._file(gid))
        return {"fileCreate": {"files": created, "userErrors": errors}}

    def _file(self, gid: str) -> dict[str, Any]:
        f = self.files[gid]
        node: dict[str, Any] = {"id": gid, "fileStatus": f["status"], "alt": f["alt"], "fileErrors": []}
        node["originalSource"] = {"url": f"{self.url}/originals/{f['filename']}"}
        node["image"] = (
            {"url": f"{self.url}/cdn/files/{f['filename']}?v=1"} if f["status"] == "READY" else None
        )
        if f["status"] == "FAILED":
            node["fileErrors"] = [
                {"code": "IMAGE_PROCESSING_FAILURE", "message": "Could not process the image"}
            ]
        return node

    def op_node(self, variables: dict[str, Any]) -> dict[str, Any]:
        f = self.files.get(variables["id"])
        if f is None:
            return {"node": None}
        f["polls"] += 1
        if f["status"] in ("UPLOADED", "PROCESSING"):
            if self.fail_processing and f["polls"] >= 1:
                f["status"] = "FAILED"
            elif f["polls"] >= self.polls_until_ready:
                f["status"] = "READY"
                self.cdn[f"/cdn/files/{f['filename']}"] = f["data"]
            else:
                f["status"] = "PROCESSING"
        return {"node": self._file(variables["id"])}

    def op_files(self, variables: dict[str, Any]) -> dict[str, Any]:
        match = re.match(r"filename:(\S+)", variables.get("q", ""))
        prefix = match.group(1).rstrip("*") if match else ""
        nodes = [self._file(gid) for gid, f in self.files.items() if f["filename"].startswith(prefix)]
        return {"files": {"nodes": nodes[:5]}}

    def op_fileUpdate(self, variables: dict[str, Any]) -> dict[str, Any]:
        updated, errors = [], []
        for i, item in enumerate(variables["files"]):
            f = self.files.get(item["id"])
            if f is None:
                errors.append(
                    {
                        "field": ["files", str(i), "id"],
                        "message": "File does not exist",
                        "code": "FILE_DOES_NOT_EXIST",
                    }
                )
                continue
            if f["status"] != "READY":
                errors.append({"field": ["files", str(i)], "message": "Not ready", "code": "NON_READY_STATE"})
                continue
            for ref in item.get("referencesToAdd", []):
                if ref not in self.products:
                    errors.append(
                        {
                            "field": ["files", str(i), "referencesToAdd"],
                            "message": "Product not found",
                            "code": "REFERENCE_TARGET_DOES_NOT_EXIST",
                        }
                    )
                elif ref not in f["references"]:
                    f["references"].append(ref)
            updated.append({"id": item["id"]})
        return {"fileUpdate": {"files": updated, "userErrors": errors}}

    def op_fileDelete(self, variables: dict[str, Any]) -> dict[str, Any]:
        deleted, errors = [], []
        for gid in variables["ids"]:
            f = self.files.pop(gid, None)
            if f is None:
                errors.append(
                    {"field": ["fileIds"], "message": "File does not exist", "code": "FILE_DOES_NOT_EXIST"}
                )
                continue
            self.cdn.pop(f"/cdn/files/{f['filename']}", None)
            deleted.append(gid)
        return {"fileDelete": {"deletedFileIds": deleted, "userErrors": errors}}
