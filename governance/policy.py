"""Policy checks at job creation: licences of the inputs, the model's licence, the prompt rules.

:func:`check_job_request` returns every reason a request is refused (an empty list means it may proceed);
``create_job`` turns a non-empty list into 422 ``policy_refused`` with ``details.reasons``.

Which checks apply to which operations:
- Expired or revoked input licences refuse *every* operation: nothing may be made from material we may no
  longer use.
- ``licence_forbids_ai_editing`` applies only to generative operations. Classical renditions (resize, crop,
  format conversion) are the ordinary technical adaptations every licence that permits use also permits
  (putting an image on a page means resizing it); they add no AI-made content, so they need no AI right.
- The model must allow commercial use when the workspace is commercial (``licensing.commercial``).
- Blocked prompt terms/patterns refuse; flagged ones pass but :func:`extra_review_stages` sends the outputs
  through the legal stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from governance import clock
from governance.licensing import prompts
from governance.licensing.derivation import effective_licence, model_record
from governance.licensing.settings import is_commercial
from photai_dam.assets.models import Asset, AssetParent
from photai_dam.jobs.models import JobOutput
from photai_dam.ports import OperationSpec
from photai_dam.values import Reason
from photai_dam.workspaces.models import Workspace


def check_job_request(
    *,
    workspace: Workspace,
    operation: OperationSpec,
    inputs: Sequence[Asset],
    params: dict[str, Any],
    prompt: str,
) -> list[Reason]:
    reasons: list[Reason] = []
    now = clock.now()
    # A classical operation asked to run a model stage (restore's refinement) makes AI content too.
    generative = operation.makes_ai_content(params)
    for asset in inputs:
        effective = effective_licence(asset)
        for r in effective.sources_of("revoked"):
            reasons.append(Reason("licence_revoked", r.message, r.source))
        reasons += effective.expiry_reasons(now)
        if generative and not effective.ai_editing_allowed:
            for r in effective.sources_of("ai_editing"):
                reasons.append(Reason("licence_forbids_ai_editing", r.message, r.source))

    for key in requested_model_keys(operation, params):
        record = model_record(key)
        if record is None:
            reasons.append(
                Reason("model_unknown", f"Model {key} is not in the model registry.", f"model:{key}")
            )
        elif is_commercial(workspace) and not record.commercial_use_allowed:
            noun = {"lora": "Style adapter", "ip_adapter": "IP-Adapter"}.get(record.kind, "Model")
            reasons.append(
                Reason(
                    "model_non_commercial",
                    f"{noun} {key} ({record.licence_id or 'no licence id'}) is licensed for "
                    "non-commercial use only and this workspace is commercial.",
                    f"model:{key}",
                )
            )

    for hit in prompts.match(prompt, prompts.rules_for(workspace)):
        if hit.severity == "blocked":
            reasons.append(
                Reason(
                    "prompt_blocked_term",
                    f"The prompt matches the blocked {hit.kind} {hit.rule!r}.",
                    "prompt",
                )
            )
        elif hit.severity == "timeout":
            reasons.append(
                Reason(
                    "prompt_rule_timeout",
                    f"The prompt rule {hit.rule!r} took too long to check; ask an admin.",
                    "prompt",
                )
            )
    return list(dict.fromkeys(reasons))  # an ancestor reached twice gives one reason


def requested_model_keys(operation: OperationSpec, params: dict[str, Any]) -> list[str]:
    """Every model and adapter a request will run on (base, style adapters, model stages): those its
    parameters name (the operation knows which), else the generative operation's default model."""
    named = operation.model_keys(params)
    if named or operation.kind != "generative":
        return named
    key = requested_model_key(operation, params)
    return [key] if key else []


def requested_model_key(operation: OperationSpec, params: dict[str, Any]) -> str:
    """The model a request will run: the ``model`` parameter, else the operation's default model
    (the same rule as ``inference.registry.model_for_operation``)."""
    value = params.get("model") if isinstance(params, dict) else None
    if not value:
        value = getattr(settings, "INFERENCE_DEFAULT_MODELS", {}).get(operation.name)
    return str(value) if value else ""


def extra_review_stages(asset: Asset) -> list[str]:
    """Review stages (role names) an asset's review must add: the legal stage when a prompt behind it
    (its own job's, or any ancestor's) hits a flagged (or, since changed, blocked) rule of the workspace."""
    rules = prompts.rules_for(asset.workspace)
    if not any(rules.values()):
        return []
    seen: set[Any] = set()
    pending = [asset.pk]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        link = JobOutput.objects.select_related("job").filter(asset_id=current).first()
        if link is not None and prompts.match(link.job.prompt, rules):
            return ["legal_reviewer"]

        pending.extend(AssetParent.objects.filter(child_id=current).values_list("parent_id", flat=True))
    return []
