"""Building the C2PA manifest of one output from its OutputSpec (what it is, how it was made, from what)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from governance.licensing.models import LicenceRecord

if TYPE_CHECKING:
    from photai_dam.assets.models import Asset
    from photai_dam.values import OutputSpec

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = DST + "trainedAlgorithmicMedia"
COMPOSITE_TRAINED = DST + "compositeWithTrainedAlgorithmicMedia"
ALGORITHMIC = DST + "algorithmicMedia"
GENERATION_LABEL = "com.photai.generation"
TRAINING_MINING_LABEL = "cawg.training-mining"
SOFT_BINDING_ALG = "com.photai.watermark.dwtdctsvd-rs.v1"
TRAINING_MINING_USES = (
    "cawg.ai_generative_training",
    "cawg.ai_inference",
    "cawg.ai_training",
    "cawg.data_mining",
)
# Classical operations whose C2PA action is more specific than c2pa.edited.
_CLASSICAL_ACTIONS = {"resize": "c2pa.resized", "crop": "c2pa.cropped", "convert": "c2pa.transcoded"}


@cache
def service_version() -> str:
    try:
        return version("photai-dam")
    except PackageNotFoundError:
        return "0+unknown"


def ingredient_label(asset: Asset) -> str:
    return f"asset-{asset.pk}"


def training_mining_allowed(sources: list[Asset]) -> bool:
    """Allowed only when there are sources and every one's current licence says ``ai_training_allowed``."""
    if not sources:
        return False

    for source in sources:
        record = LicenceRecord.objects.filter(asset=source, is_current=True).first()
        if (
            record is None
            or not isinstance(record.data, dict)
            or record.data.get("ai_training_allowed") is not True
        ):
            return False
    return True


def generation_assertion(spec: OutputSpec, watermark_id: int | None) -> dict[str, Any]:
    share_prompt = bool((spec.workspace.settings or {}).get("share_prompt_in_manifest"))
    data: dict[str, Any] = {
        "job_id": str(spec.job_id) if spec.job_id else None,
        "operation": spec.operation,
        "kind": spec.kind,
        "model": None,
        "seed": spec.seed,
        "prompt_sha256": hashlib.sha256(spec.prompt.encode()).hexdigest() if spec.prompt else None,
        "output_asset_id": str(spec.asset_id),
        "watermark_id": f"{watermark_id:012x}" if watermark_id else None,
    }
    if spec.model is not None:
        data["model"] = {
            "key": spec.model.key,
            "name": spec.model.name,
            "revision": spec.model.revision,
            "weights_hash": spec.model.weights_hash,
        }
    adapters = (spec.details or {}).get("adapters")
    if adapters:
        # Style adapters loaded into the base model for this output, with the hashes of their weights.
        data["adapters"] = [
            {k: a.get(k) for k in ("key", "kind", "name", "weights_hash", "scale")} for a in adapters
        ]
    if share_prompt and spec.prompt:
        data["prompt"] = spec.prompt
    return data


def _stage_actions(spec: OutputSpec, agent: dict[str, str]) -> list[dict[str, Any]]:
    """One action per stage an operation reported in the output's details (restore's stages, how a
    background was removed): the action, what it did and its parameters."""
    actions = []
    service = {"name": f"photai-dam {spec.operation}", "version": service_version()}
    for stage in (spec.details or {}).get("stages") or []:
        if not isinstance(stage, dict) or not str(stage.get("action", "")).startswith("c2pa."):
            continue
        action: dict[str, Any] = {
            "action": stage["action"],
            "softwareAgent": agent if stage.get("ai") else service,
            "parameters": {
                "description": str(stage.get("description", "")),
                **(stage.get("parameters") or {}),
            },
        }
        if stage.get("ai"):
            action["digitalSourceType"] = COMPOSITE_TRAINED
        actions.append(action)
    return actions


def _software_agent(spec: OutputSpec) -> dict[str, str]:
    if spec.model is not None:
        return {"name": spec.model.name or spec.model.key, "version": spec.model.revision}
    return {"name": f"photai-dam {spec.operation}", "version": service_version()}


def actions_for(spec: OutputSpec, *, mime_type: str, watermarked: bool) -> tuple[list[dict[str, Any]], str]:
    """The c2pa.actions list and the output's digital source type ("" for renditions)."""
    parent = next((asset for asset, role in spec.sources if role == "source"), None)
    agent = _software_agent(spec)
    actions: list[dict[str, Any]] = []
    source_type = ""
    if parent is not None:
        actions.append({"action": "c2pa.opened", "parameters": {"ingredientIds": [ingredient_label(parent)]}})
    if spec.kind == "generative":
        if parent is None:
            source_type = TRAINED
            actions.append({"action": "c2pa.created", "digitalSourceType": TRAINED, "softwareAgent": agent})
        else:
            source_type = COMPOSITE_TRAINED
            actions.append(
                {"action": "c2pa.edited", "digitalSourceType": COMPOSITE_TRAINED, "softwareAgent": agent}
            )
        actions.extend(_stage_actions(spec, agent))
    else:
        if parent is None:
            # A classical operation without a source drew the image itself; c2pa requires the first action
            # to be created or opened, and created to carry a digital source type.
            source_type = ALGORITHMIC
            actions.append(
                {"action": "c2pa.created", "digitalSourceType": ALGORITHMIC, "softwareAgent": agent}
            )
        named = _CLASSICAL_ACTIONS.get(spec.operation)
        resized = parent is not None and (parent.width, parent.height) != (
            spec.image.width,
            spec.image.height,
        )
        transcoded = parent is not None and parent.mime_type != mime_type
        if resized and named != "c2pa.resized":
            actions.append({"action": "c2pa.resized", "softwareAgent": agent})
        stages = _stage_actions(spec, agent)
        if named:
            actions.append({"action": named, "softwareAgent": agent})
        elif stages:
            actions.extend(stages)
        elif not resized:
            actions.append({"action": "c2pa.edited", "softwareAgent": agent})
        if transcoded and named != "c2pa.transcoded":
            actions.append({"action": "c2pa.transcoded", "softwareAgent": agent})
    if watermarked:
        actions.append(
            {
                "action": "c2pa.watermarked",
                "softwareAgent": {"name": "photai-dam watermark", "version": service_version()},
            }
        )
    return actions, source_type


def build_manifest(
    spec: OutputSpec, *, mime_type: str, watermark_id: int | None
) -> tuple[dict[str, Any], str]:
    """The manifest definition for c2pa.Builder, and the output's digital source type."""
    actions, source_type = actions_for(spec, mime_type=mime_type, watermarked=watermark_id is not None)
    use = "allowed" if training_mining_allowed([a for a, _ in spec.sources]) else "notAllowed"
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {
            "label": TRAINING_MINING_LABEL,
            "data": {"entries": {key: {"use": use} for key in TRAINING_MINING_USES}},
        },
        {"label": GENERATION_LABEL, "data": generation_assertion(spec, watermark_id)},
    ]
    if watermark_id is not None:
        # c2pa.watermarked must point at a soft binding: the watermark's algorithm and the id it carries.
        value = base64.b64encode(watermark_id.to_bytes(6, "big")).decode()
        assertions.append(
            {
                "label": "c2pa.soft-binding",
                "data": {"alg": SOFT_BINDING_ALG, "blocks": [{"scope": {}, "value": value}]},
            }
        )
    manifest = {
        "claim_generator_info": [{"name": "photai-dam", "version": service_version()}],
        "title": f"{spec.operation} output {spec.asset_id}",
        "format": mime_type,
        "assertions": assertions,
    }
    return manifest, source_type


def ingredient_definition(asset: Asset, role: str) -> dict[str, Any]:
    return {
        "title": (asset.title or str(asset.pk))[:200],
        "relationship": "parentOf" if role == "source" else "componentOf",
        "label": ingredient_label(asset),
        "instance_id": f"photai:asset:{asset.pk}",
    }
