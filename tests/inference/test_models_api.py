"""The model registry: seeded public models with their licence facts, listing and admin registration."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance.audit.models import AuditEvent
from inference import pipelines, registry
from inference.models import ModelRecord

pytestmark = pytest.mark.django_db


def _models(client: APIClient, query: str = "") -> dict[str, dict]:
    response = client.get(f"/api/v1/models{query}")
    assert response.status_code == 200, response.content
    return {m["key"]: m for m in response.json()["results"]}


def test_seeded_public_models_carry_their_model_cards_licences(editor):
    models = _models(editor.client)

    facts = {
        key: (m["licence_id"], m["commercial_use_allowed"], m["pipeline_task"]) for key, m in models.items()
    }
    assert facts["sd15"] == ("creativeml-openrail-m", True, "text_to_image")
    assert facts["sd15-inpainting"] == ("creativeml-openrail-m", True, "inpainting")
    assert facts["sdxl-base"] == ("openrail++", True, "text_to_image")
    assert facts["flux1-schnell"] == ("apache-2.0", True, "text_to_image")
    assert facts["flux1-dev"] == ("flux-1-dev-non-commercial-license", False, "text_to_image")
    assert facts["sd-x4-upscaler"] == ("openrail++", True, "upscaling")
    assert models["sd15"]["hub_repo_id"] == "stable-diffusion-v1-5/stable-diffusion-v1-5"
    assert models["flux1-schnell"]["default_params"]["steps"] == 4
    # the non-commercial model is registered but not usable until someone licenses it
    assert models["flux1-dev"]["enabled"] is False
    assert "flux1-dev" not in _models(editor.client, "?enabled=true")
    assert sorted(models["sd15"]["operations"]) == [
        "image_to_image",
        "inpaint",
        "restore",
        "style_transfer",
        "text_to_image",
        "variants",
    ]
    assert models["sd-x4-upscaler"]["operations"] == ["restore", "upscale_x4"]


def test_get_model_is_the_registry_lookup_others_call():
    assert registry.get_model("sdxl-base").licence_id == "openrail++"
    assert registry.get_model("flux1-dev").commercial_use_allowed is False
    assert registry.get_model("no-such-model") is None
    assert registry.get_model("") is None


def test_the_model_list_needs_authentication():
    assert APIClient().get("/api/v1/models").status_code == 401


def _brand_model(tiny_model_root, **overrides):
    return {
        "key": "acme-brand-v1",
        "name": "Acme brand fine-tune",
        "local_path": str(tiny_model_root / "tiny-text_to_image"),
        "revision": "2026-11",
        "pipeline_task": "text_to_image",
        "licence_id": "proprietary-acme",
        "commercial_use_allowed": True,
        "default_params": {"steps": 25, "guidance": 6.0},
        "dtype": "float16",
        **overrides,
    }


def test_a_workspace_admin_registers_a_local_fine_tune(admin_member, editor, settings, tiny_model_root):
    settings.INFERENCE_MODEL_ROOTS = [str(tiny_model_root)]

    response = admin_member.client.post("/api/v1/models", _brand_model(tiny_model_root), format="json")

    assert response.status_code == 201, response.content
    record = ModelRecord.objects.get(key="acme-brand-v1")
    assert record.created_by == admin_member.user
    assert record.local_path == str((tiny_model_root / "tiny-text_to_image").resolve())
    assert record.enabled is True
    event = AuditEvent.objects.filter(action="model.register").get()
    assert event.object_id == "acme-brand-v1"
    # members who do not manage models see that it is local, not where it lives on the workers
    listed = _models(editor.client)["acme-brand-v1"]
    assert listed["local_path"] == "(local)"
    assert listed["licence_id"] == "proprietary-acme"
    assert _models(admin_member.client)["acme-brand-v1"]["local_path"] == record.local_path


def test_staff_register_hub_models_without_being_members(settings):
    user = get_user_model().objects.create_user(username="ops", password="pw-ops-123", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = client.post(
        "/api/v1/models",
        {
            "key": "sdxl-turbo",
            "name": "SDXL Turbo",
            "hub_repo_id": "stabilityai/sdxl-turbo",
            "pipeline_task": "text_to_image",
            "licence_id": "sai-nc-community",
            "commercial_use_allowed": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["revision"] == "main"


def test_editors_and_reviewers_cannot_register_models(editor, brand_reviewer, settings, tiny_model_root):
    settings.INFERENCE_MODEL_ROOTS = [str(tiny_model_root)]
    for member in (editor, brand_reviewer):
        response = member.client.post("/api/v1/models", _brand_model(tiny_model_root), format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert not ModelRecord.objects.filter(key="acme-brand-v1").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"local_path": "/etc"}, "local_path"),
        ({"local_path": "{root}/../../etc"}, "local_path"),
        ({"local_path": "{root}/missing"}, "local_path"),
        ({"hub_repo_id": "owner/name"}, "source"),
        ({"local_path": "", "hub_repo_id": ""}, "source"),
        ({"local_path": "", "hub_repo_id": "not a repo id"}, "hub_repo_id"),
        ({"pipeline_task": "video"}, "pipeline_task"),
        ({"dtype": "int8"}, "dtype"),
        ({"default_params": {"scheduler": "euler"}}, "default_params"),
        ({"default_params": {"steps": "many"}}, "default_params"),
        ({"key": "Not A Slug!"}, "key"),
        ({"commercial_use_allowed": None}, "commercial_use_allowed"),
    ],
)
def test_registration_refuses_bad_fields(admin_member, settings, tiny_model_root, overrides, field):
    settings.INFERENCE_MODEL_ROOTS = [str(tiny_model_root)]
    body = _brand_model(tiny_model_root)
    body.update(
        {k: v.format(root=tiny_model_root) if isinstance(v, str) else v for k, v in overrides.items()}
    )
    if body.get("commercial_use_allowed") is None:
        body.pop("commercial_use_allowed")

    response = admin_member.client.post("/api/v1/models", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]["fields"], response.json()
    assert not ModelRecord.objects.filter(key=body["key"]).exists()


def test_a_taken_key_is_a_conflict(admin_member, settings, tiny_model_root):
    settings.INFERENCE_MODEL_ROOTS = [str(tiny_model_root)]

    response = admin_member.client.post(
        "/api/v1/models", _brand_model(tiny_model_root, key="sd15"), format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "model_exists"
    assert ModelRecord.objects.get(key="sd15").hub_repo_id  # the seeded record is untouched


def test_generative_jobs_refuse_unknown_disabled_and_mismatched_models(editor, upload, tiny_models):
    from photai_dam.jobs.models import Job

    cases = [
        ({"model": "nope"}, "there is no registered model"),
        ({"model": "flux1-dev"}, "disabled"),
        ({"model": "tiny-upscaler"}, "upscaling model"),
    ]
    for params, message in cases:
        response = editor.client.post(
            "/api/v1/workspaces/acme/jobs",
            {"operation": "text_to_image", "params": params, "prompt": "a cat"},
            format="json",
        )
        assert response.status_code == 422, response.content
        errors = response.json()["error"]["details"]["fields"]["model"]
        assert any(message in e for e in errors), errors
    assert Job.objects.count() == 0


def test_generative_jobs_validate_their_parameters(editor, upload, tiny_models):
    cases = [
        ("text_to_image", {"width": 100}, "width"),
        ("text_to_image", {"width": 128, "height": 128}, "width"),  # too small to carry the watermark
        ("text_to_image", {"steps": 0}, "steps"),
        ("text_to_image", {"seed": -1}, "seed"),
        ("text_to_image", {"sampler": "euler"}, "params"),
        ("variants", {"count": 20}, "count"),
        ("image_to_image", {"strength": 0}, "strength"),
    ]
    source = upload()
    for operation, params, field in cases:
        response = editor.client.post(
            "/api/v1/workspaces/acme/jobs",
            {
                "operation": operation,
                "inputs": [source["id"]] if operation == "image_to_image" else [],
                "params": params,
                "prompt": "a cat",
            },
            format="json",
        )
        assert response.status_code == 422, (operation, params, response.content)
        assert field in response.json()["error"]["details"]["fields"], response.json()

    # a prompt is required where the operation needs one
    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs", {"operation": "text_to_image", "params": {}}, format="json"
    )
    assert "prompt" in response.json()["error"]["details"]["fields"]


def test_upscale_x4_refuses_large_sources(editor, upload, tiny_models):
    from fixtures.images import image_bytes

    source = upload(image_bytes("PNG", 640, 480))

    response = editor.client.post(
        "/api/v1/workspaces/acme/jobs",
        {"operation": "upscale_x4", "inputs": [source["id"]], "params": {}},
        format="json",
    )

    assert response.status_code == 422
    assert "inputs" in response.json()["error"]["details"]["fields"]


def test_the_operation_catalog_lists_every_operation_with_its_schema(editor):
    response = editor.client.get("/api/v1/operations")

    assert response.status_code == 200
    operations = {op["name"]: op for op in response.json()["results"]}
    assert set(operations) == {
        "resize",
        "crop",
        "convert",
        "upscale",
        "remove_object",
        "remove_background",
        "recolor",
        "text_to_image",
        "image_to_image",
        "inpaint",
        "variants",
        "upscale_x4",
        "restore",
        "style_transfer",
    }
    for name in ("text_to_image", "image_to_image", "inpaint", "variants", "upscale_x4", "style_transfer"):
        assert (operations[name]["kind"], operations[name]["queue"]) == ("generative", "gpu")
        assert "model" in operations[name]["params_schema"]["properties"]
    for name in ("crop", "convert", "upscale", "remove_object", "remove_background", "recolor", "restore"):
        assert (operations[name]["kind"], operations[name]["queue"]) == ("classical", "cpu")
    assert [i["role"] for i in operations["inpaint"]["inputs"]] == ["source", "mask"]
    assert operations["text_to_image"]["prompt"] == "required"
    assert operations["crop"]["params_schema"]["properties"]["preset"]["enum"] == [
        "1:1",
        "4:5",
        "9:16",
        "16:9",
        "1.91:1",
    ]
    assert set(operations["text_to_image"]["params_schema"]["properties"]) >= {
        "width",
        "height",
        "steps",
        "seed",
        "model",
    }


def test_register_tiny_models_builds_and_registers_them_once(settings, tmp_path):
    from django.core.management import call_command

    settings.INFERENCE_MODEL_ROOTS = [str(tmp_path)]

    call_command("register_tiny_models", stdout=io.StringIO())
    call_command("register_tiny_models", stdout=io.StringIO())  # idempotent

    records = ModelRecord.objects.filter(key__startswith="tiny-").order_by("key")
    assert [(r.key, r.kind, r.pipeline_task) for r in records] == [
        ("tiny-img2img", "base", "image_to_image"),
        ("tiny-inpaint", "base", "inpainting"),
        ("tiny-matting", "segmentation", ""),
        ("tiny-sd", "base", "text_to_image"),
        ("tiny-style", "lora", ""),
        ("tiny-upscaler", "base", "upscaling"),
    ]
    assert all((Path(r.local_path) / "model_index.json").is_file() for r in records if r.kind == "base")
    style = records.get(key="tiny-style")
    assert list(style.base_models.values_list("key", flat=True)) == ["tiny-sd"]
    assert style.weights_hash == pipelines.file_digest(Path(style.local_path) / style.weight_name)


def test_listing_models_takes_a_fixed_number_of_queries(editor, django_assert_max_num_queries):
    for i in range(10):
        ModelRecord.objects.create(
            key=f"extra-{i}",
            name=f"Extra {i}",
            hub_repo_id=f"acme/extra-{i}",
            pipeline_task="text_to_image",
            licence_id="apache-2.0",
            commercial_use_allowed=True,
        )

    # auth token + membership check (can the caller see local paths?) + count + page + base models
    with django_assert_max_num_queries(6):
        response = editor.client.get("/api/v1/models")

    assert response.status_code == 200
    assert response.json()["count"] >= 16
