"""Reading a file's C2PA manifest back with c2pa-python and describing it in the verify API's shape."""

from __future__ import annotations

import io
import json
from typing import Any

from governance.provenance.identity import c2pa_context
from governance.provenance.manifest import GENERATION_LABEL
from photai_dam.assets.choices import MIME_BY_FORMAT

# Every format the DAM accepts (photai_dam.assets.choices) can be read for a manifest.
MIME_BY_PIL_FORMAT = MIME_BY_FORMAT


def empty_c2pa() -> dict[str, Any]:
    return {
        "present": False,
        "validation_state": None,
        "failures": [],
        "digital_source_type": None,
        "actions": [],
        "signer": None,
        "generator": None,
        "ingredients": [],
    }


def read_manifest(data: bytes, mime_type: str) -> dict[str, Any] | None:
    """The Reader's JSON for ``data`` (validated against our trust anchors); None without a manifest."""
    import c2pa  # a native library: loaded when a manifest is read, not by every process

    reader = c2pa.Reader.try_create(mime_type, io.BytesIO(data), context=c2pa_context())
    if reader is None:
        return None
    with reader:
        parsed: dict[str, Any] = json.loads(reader.json())
    return parsed


def _assertion(manifest: dict[str, Any], label: str) -> Any:
    for assertion in manifest.get("assertions", []):
        if assertion.get("label") == label or assertion.get("label", "").startswith(label + ".v"):
            return assertion.get("data")
    return None


def describe(report: dict[str, Any] | None) -> dict[str, Any]:
    """The ``c2pa`` part of the verify answer, plus ``generation`` (our custom assertion) for internal use."""
    if report is None:
        return {**empty_c2pa(), "generation": None}
    manifests = report.get("manifests", {})
    active = manifests.get(report.get("active_manifest") or "", {})
    results = (report.get("validation_results") or {}).get("activeManifest") or {}
    failures = [
        {"code": f.get("code"), "explanation": f.get("explanation", "")} for f in results.get("failure", [])
    ]
    # Readers without per-manifest results report problems only in the flat list.
    if "validation_results" not in report:
        failures = [
            {"code": f.get("code"), "explanation": f.get("explanation", "")}
            for f in report.get("validation_status", []) or []
            if not str(f.get("code", "")).endswith((".match", ".validated", ".trusted", ".insideValidity"))
            and "untrusted" not in str(f.get("code", ""))
        ]
    actions_data = _assertion(active, "c2pa.actions") or {}
    actions = actions_data.get("actions", []) if isinstance(actions_data, dict) else []
    source_type = next((a.get("digitalSourceType") for a in actions if a.get("digitalSourceType")), None)
    signature = active.get("signature_info") or {}
    generator: dict[str, Any] = next(iter(active.get("claim_generator_info") or []), {})
    ingredients = []
    for ingredient in active.get("ingredients", []):
        ingredient_results = (ingredient.get("validation_results") or {}).get("activeManifest") or {}
        ingredients.append(
            {
                "title": ingredient.get("title"),
                "relationship": ingredient.get("relationship"),
                "format": ingredient.get("format"),
                "instance_id": ingredient.get("instance_id"),
                "has_manifest": bool(ingredient.get("active_manifest")),
                "failures": [f.get("code") for f in ingredient_results.get("failure", [])],
            }
        )
    return {
        "present": True,
        "validation_state": report.get("validation_state"),
        "failures": failures,
        "digital_source_type": source_type,
        "actions": [
            {k: a[k] for k in ("action", "digitalSourceType", "softwareAgent") if k in a} for a in actions
        ],
        "signer": {
            "common_name": signature.get("common_name"),
            "issuer": signature.get("issuer"),
            "alg": signature.get("alg"),
            "time": signature.get("time"),
        }
        if signature
        else None,
        "generator": (
            f"{generator.get('name', '')} {generator.get('version', '')}".strip()
            if generator
            else active.get("claim_generator")
        ),
        "ingredients": ingredients,
        "generation": _assertion(active, GENERATION_LABEL),
    }
