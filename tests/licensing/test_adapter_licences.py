"""Licences derive through style adapters and segmentation models exactly as through base models."""

from __future__ import annotations

import json

import pytest

from fixtures import licences
from governance.gate import publishability
from governance.licensing import effective_licence
from inference.models import ModelRecord
from photai_dam.jobs.models import JobOutput
from tests.licensing.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def nc_style(make_model, workspace):
    base = make_model("sd-test", commercial=True)
    style = ModelRecord.objects.create(
        key="nc-style",
        name="A non-commercial style",
        kind="lora",
        hub_repo_id="example/nc-style",
        revision="main",
        weight_name="pytorch_lora_weights.safetensors",
        licence_id="cc-by-nc-4.0",
        commercial_use_allowed=False,
        workspace=workspace,
    )
    style.base_models.set([base])
    return style


def _made_with(asset, **params):
    job = JobOutput.objects.get(asset=asset).job
    job.params = params
    job.save(update_fields=["params"])


def test_a_non_commercial_adapter_makes_the_output_non_commercial_and_is_named_as_the_cause(
    make_asset, nc_style
):
    # given an owned photo re-rendered by a commercial base model with a non-commercial style adapter
    source = make_asset(licences.owned())
    output = make_asset(parents=(source,), model_key="sd-test")
    _made_with(output, model="sd-test", style="nc-style")

    effective = effective_licence(output)

    # then the commercial channels are gone, and the adapter, not the base model, is why
    assert effective.channels == ["web", "social", "print"]
    reasons = effective.reasons(at=T0, channel="advertising", territory="US")
    assert [(r.code, r.source) for r in reasons] == [("model_non_commercial", "model:nc-style")]
    assert "style adapter nc-style (cc-by-nc-4.0)" in reasons[0].message
    kinds = {i["source"]: i["kind"] for i in effective.inputs}
    assert kinds["model:sd-test"] == "model" and kinds["model:nc-style"] == "adapter"
    # and the publish gate refuses the commercial channel for that reason, allowing the web
    answer = publishability(output, channel="advertising", territory="US")
    assert ("model_non_commercial", "model:nc-style") in [(r.code, r.source) for r in answer.reasons]
    assert not [
        r for r in publishability(output, channel="web", territory="US").reasons if r.code.startswith("model")
    ]


def test_the_same_output_with_a_commercial_adapter_keeps_every_channel(make_asset, nc_style):
    nc_style.commercial_use_allowed = True
    nc_style.save()
    source = make_asset(licences.owned())
    output = make_asset(parents=(source,), model_key="sd-test")
    _made_with(output, model="sd-test", style="nc-style")

    assert "advertising" in effective_licence(output).channels


def test_a_non_commercial_adapter_is_refused_at_job_creation_in_a_commercial_workspace(
    editor, upload, nc_style, workspace
):
    asset = upload(licence=json.dumps(licences.owned()))
    body = {
        "operation": "image_to_image",
        "inputs": [asset["id"]],
        "params": {"model": "sd-test", "style": "nc-style"},
        "prompt": "a beach",
    }

    response = editor.client.post("/api/v1/workspaces/acme/jobs", body, format="json")

    assert response.status_code == 422, response.content
    reasons = response.json()["error"]["details"]["reasons"]
    assert [(r["code"], r["source"]) for r in reasons] == [("model_non_commercial", "model:nc-style")]
    assert reasons[0]["message"].startswith("Style adapter nc-style (cc-by-nc-4.0)")
    workspace.settings = {"licensing": {"commercial": False}}
    workspace.save()
    assert editor.client.post("/api/v1/workspaces/acme/jobs", body, format="json").status_code == 202


def test_a_cut_out_made_by_a_non_commercial_segmentation_model_carries_its_licence(make_asset, workspace):
    ModelRecord.objects.create(
        key="nc-matting",
        name="Non-commercial matting",
        kind="segmentation",
        hub_repo_id="example/nc-matting",
        licence_id="cc-by-nc-4.0",
        commercial_use_allowed=False,
        workspace=workspace,
    )
    source = make_asset(licences.owned())
    cutout = make_asset(parents=(source,), origin="rendition", model_key="nc-matting")

    effective = effective_licence(cutout)

    assert "advertising" not in effective.channels
    reasons = effective.reasons(at=T0, channel="ecommerce", territory="US")
    assert [(r.code, r.source) for r in reasons] == [("model_non_commercial", "model:nc-matting")]
    # a plain rendition (no model) still derives nothing from any model
    plain = make_asset(parents=(source,), origin="rendition")
    assert effective_licence(plain).model is None


def test_a_restore_with_a_model_stage_needs_the_ai_editing_right_and_the_models_licence(
    editor, upload, make_model, workspace
):
    make_model("nc-refiner", commercial=False, licence_id="cc-by-nc-4.0")
    make_model("refiner", commercial=True)
    no_ai = upload(licence=json.dumps(licences.stock(ai_editing_allowed=False)))

    def restore(**params):
        body = {"operation": "restore", "inputs": [no_ai["id"]], "params": params}
        return editor.client.post("/api/v1/workspaces/acme/jobs", body, format="json")

    # the classical stages alone are a rendition: no AI right needed
    assert restore().status_code == 202
    # a diffusion refinement makes it an AI edit: the licence must allow that, and so must the model's
    refused = restore(refine_model="nc-refiner")
    assert refused.status_code == 422, refused.content
    codes = {(r["code"], r["source"]) for r in refused.json()["error"]["details"]["reasons"]}
    assert codes == {
        ("licence_forbids_ai_editing", f"asset:{no_ai['id']}"),
        ("model_non_commercial", "model:nc-refiner"),
    }
