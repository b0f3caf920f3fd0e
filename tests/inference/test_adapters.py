"""Style adapters (LoRA, IP-Adapter) and segmentation models: registration, workspace isolation, the warm
swap in the pipeline cache, style_transfer, and model-backed background removal, end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from fixtures.tiny_models import LORA_WEIGHT_NAME
from inference import pipelines
from inference.models import ModelRecord
from tests.inference.helpers import asset, download, png, run_job, submit
from tests.provenance.helpers import active, assertion, read_back

OWNED = json.dumps({"kind": "owned"})


@pytest.fixture
def anchors(signing_chain) -> str:
    return signing_chain.chain.root_pem.decode()


def _photo(width: int = 320, height: int = 256) -> bytes:
    image = Image.new("RGB", (width, height), (40, 120, 200))
    ImageDraw.Draw(image).ellipse(
        [width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(220, 60, 40)
    )
    return png(image)


def _fields(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["error"]["details"]["fields"]


# --- registration ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_workspace_admin_registers_a_brand_lora_that_only_their_workspace_sees(
    admin_member, editor, outsider, tiny_models, tiny_adapter_folders, settings
):
    folder = tiny_adapter_folders["lora"]
    body = {
        "key": "acme-brand",
        "name": "Acme brand style",
        "kind": "lora",
        "workspace": "acme",
        "base_models": ["tiny-sd"],
        "trigger_words": ["acmestyle"],
        "local_path": str(folder),
        "weight_name": LORA_WEIGHT_NAME,
        "licence_id": "proprietary-acme",
        "commercial_use_allowed": True,
    }

    response = admin_member.client.post("/api/v1/models", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["workspace"], data["base_models"]) == ("lora", "acme", ["tiny-sd"])
    assert data["weights_hash"] == pipelines.file_digest(folder / LORA_WEIGHT_NAME)
    assert data["operations"] == ["image_to_image", "style_transfer", "text_to_image"]
    # the acme editor lists it; the other workspace's members do not, even its admins
    assert "acme-brand" in {m["key"] for m in editor.client.get("/api/v1/models").json()["results"]}
    assert "acme-brand" not in {m["key"] for m in outsider.client.get("/api/v1/models").json()["results"]}


@pytest.mark.django_db
def test_an_admin_cannot_register_into_a_workspace_they_do_not_administer(
    outsider, admin_member, tiny_models, tiny_adapter_folders
):
    body = {
        "key": "sneaky",
        "name": "x",
        "kind": "lora",
        "workspace": "acme",
        "base_models": ["tiny-sd"],
        "local_path": str(tiny_adapter_folders["lora"]),
        "weight_name": LORA_WEIGHT_NAME,
        "licence_id": "x",
        "commercial_use_allowed": True,
    }

    refused = outsider.client.post("/api/v1/models", body, format="json")
    missing = outsider.client.post("/api/v1/models", {**body, "workspace": "no-such"}, format="json")

    # another workspace reads exactly like one that does not exist
    assert refused.status_code == missing.status_code == 400
    assert refused.json()["error"]["details"]["fields"]["workspace"] == [
        m.replace("no-such", "acme") for m in missing.json()["error"]["details"]["fields"]["workspace"]
    ]
    assert not ModelRecord.objects.filter(key="sneaky").exists()


@pytest.mark.django_db
def test_registration_checks_each_kinds_weights(admin_member, tiny_models, tiny_adapter_folders):
    def register(**fields):
        body = {"key": "m", "name": "m", "licence_id": "x", "commercial_use_allowed": True, **fields}
        return admin_member.client.post("/api/v1/models", body, format="json")

    remote = register(kind="segmentation", local_path=str(tiny_adapter_folders["segmentation-remote-code"]))
    assert remote.status_code == 400
    assert "trust_remote_code" in remote.json()["error"]["details"]["fields"]["local_path"][0]
    pickled = register(
        kind="lora",
        base_models=["tiny-sd"],
        local_path=str(tiny_adapter_folders["lora"]),
        weight_name="w.bin",
    )
    assert "weight_name" in pickled.json()["error"]["details"]["fields"]
    no_base = register(
        kind="lora", local_path=str(tiny_adapter_folders["lora"]), weight_name=LORA_WEIGHT_NAME
    )
    assert "base_models" in no_base.json()["error"]["details"]["fields"]
    wrong_hash = register(
        kind="segmentation", local_path=str(tiny_adapter_folders["segmentation"]), weights_hash="0" * 64
    )
    assert "weights_hash" in wrong_hash.json()["error"]["details"]["fields"]
    ok = register(kind="segmentation", local_path=str(tiny_adapter_folders["segmentation"]), workspace="acme")
    assert ok.status_code == 201, ok.content
    assert ok.json()["weights_hash"] == pipelines.weights_hash(tiny_adapter_folders["segmentation"])


# --- isolation (I4) -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_workspaces_style_is_refused_exactly_like_a_missing_one(outsider, tiny_adapters, upload):
    image = upload(_photo(), member=outsider, workspace="globex")
    foreign = _submit_as_outsider(outsider, "text_to_image", params={"style": "acme-style"}, prompt="x")
    missing = _submit_as_outsider(outsider, "text_to_image", params={"style": "no-such-style"}, prompt="x")
    assert _fields(foreign)["style"] == [
        m.replace("no-such-style", "acme-style") for m in _fields(missing)["style"]
    ]

    # the same for its segmentation model
    foreign = _submit_as_outsider(
        outsider, "remove_background", inputs=[image["id"]], params={"model": "acme-matting"}
    )
    missing = _submit_as_outsider(
        outsider, "remove_background", inputs=[image["id"]], params={"model": "no-such-model"}
    )
    assert _fields(foreign) == {
        k: [m.replace("no-such-model", "acme-matting") for m in v] for k, v in _fields(missing).items()
    }


def _submit_as_outsider(outsider, operation, **request):
    return outsider.client.post(
        "/api/v1/workspaces/globex/jobs", {"operation": operation, **request}, format="json"
    )


@pytest.mark.django_db
def test_the_other_workspace_gets_no_default_segmentation_model_or_style(outsider, tiny_adapters, upload):
    source = upload(_photo(), member=outsider, workspace="globex")
    response = _submit_as_outsider(outsider, "remove_background", inputs=[source["id"]], params={})
    assert response.status_code == 202, response.content
    assert "model" not in response.json()["params"]  # GrabCut: acme's matting model is not theirs
    response = _submit_as_outsider(
        outsider, "style_transfer", inputs=[source["id"]], params={"style": "acme-style"}
    )
    assert "style" in _fields(response)


# --- text_to_image and style_transfer with a style -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_brand_style_changes_the_image_is_recorded_and_is_swapped_without_reloading_the_base(
    editor, tiny_adapters, worker, wait_for_job, anchors
):
    pipelines.cache.clear()
    request = {"model": "tiny-sd", "seed": 11, "width": 256, "height": 256}

    plain = run_job(editor, wait_for_job, "text_to_image", params=request, prompt="a shoe")
    styled = run_job(
        editor, wait_for_job, "text_to_image", params={**request, "style": "acme-style"}, prompt="a shoe"
    )
    other = run_job(
        editor, wait_for_job, "text_to_image", params={**request, "style": "shared-style"}, prompt="a shoe"
    )
    again = run_job(
        editor, wait_for_job, "text_to_image", params={**request, "style": "acme-style"}, prompt="a shoe"
    )
    plain_again = run_job(editor, wait_for_job, "text_to_image", params=request, prompt="a shoe")

    for job in (plain, styled, other, again, plain_again):
        assert job["status"] == "succeeded", job
    runs = {"plain": plain, "styled": styled, "other": other, "again": again, "plain_again": plain_again}
    pixels = {
        name: np.asarray(download(editor, job["outputs"][0])[0].convert("RGB")).astype(np.float64)
        for name, job in runs.items()
    }

    def distance(a: str, b: str) -> float:
        return float(np.abs(pixels[a] - pixels[b]).mean())

    # the style changes the picture far more than each output's own watermark does (plain vs plain again:
    # same pixels, different watermark ids); switching back gives the same picture again
    watermark_only = distance("plain_again", "plain")
    assert min(distance("styled", "plain"), distance("other", "styled")) > 3 * watermark_only
    assert distance("again", "styled") < 1.5 * watermark_only
    # one load of the base model for all five jobs; each style loaded once, then switched warm
    stats = pipelines.cache.stats()
    assert stats["loads"] == 1 and stats["hits"] == 4
    entry = next(iter(pipelines.cache._entries.values()))
    assert entry.adapter_loads == 2
    logs = [" ".join(e["message"] for e in job["log"]) for job in (styled, other, again)]
    assert "lora acme-style at scale 1 (loaded into tiny-sd)" in logs[0]
    assert "(warm into tiny-sd)" in logs[2]
    # the trigger word joined the prompt; the manifest lists base model and adapter with their hashes
    _, data = download(editor, styled["outputs"][0])
    generation = assertion(active(read_back(data, "image/png", anchors=anchors)), "com.photai.generation")
    assert generation["model"]["key"] == "tiny-sd"
    assert generation["adapters"] == [
        {
            "key": "acme-style",
            "kind": "lora",
            "name": "acme-style",
            "weights_hash": tiny_adapters["acme-style"].weights_hash,
            "scale": 1.0,
        }
    ]


@pytest.mark.django_db
def test_switching_styles_on_the_warm_base_gives_exactly_what_a_fresh_load_gives(tiny_adapters):
    from inference import catalog
    from inference.context import RunContext

    def render(style: str | None, workspace_id: int) -> bytes:
        params = {"model": "tiny-sd", "seed": 4, "width": 64, "height": 64, "steps": 2}
        ctx = RunContext(
            job_id="t",
            operation="text_to_image",
            params={**params, **({"style": style} if style else {})},
            prompt="a chair",
            inputs=[],
            report=lambda percent, message=None: None,
            cancelled=lambda: False,
            workspace_id=workspace_id,
        )
        (output,) = catalog.get_operation("text_to_image").run(ctx)
        return output.image.tobytes()

    owner = tiny_adapters["acme-style"].workspace_id
    pipelines.cache.clear()
    fresh = {style: render(style, owner) for style in ("acme-style",)}
    pipelines.cache.clear()
    fresh[None] = render(None, owner)
    pipelines.cache.clear()
    fresh["shared-style"] = render("shared-style", owner)

    pipelines.cache.clear()
    sequence = ["acme-style", None, "shared-style", "acme-style", None, "shared-style"]
    warm = [render(style, owner) for style in sequence]

    assert warm == [fresh[style] for style in sequence]
    assert len(set(fresh.values())) == 3
    assert pipelines.cache.stats()["loads"] == 1


@pytest.mark.django_db(transaction=True)
def test_style_transfer_with_a_lora_keeps_the_structure_of_the_source(
    editor, upload, tiny_adapters, worker, wait_for_job
):
    source = upload(_photo(), licence=OWNED)

    job = run_job(
        editor,
        wait_for_job,
        "style_transfer",
        inputs=[source["id"]],
        params={"style": "acme-style", "strength": 0.3, "steps": 4, "seed": 2},
    )

    assert job["status"] == "succeeded", job
    output = asset(editor, job["outputs"][0])
    assert output["origin"] == "ai_edited"
    assert output["parents"] == [{"id": source["id"], "relationship": "parentOf"}]
    assert (output["width"], output["height"]) == (320, 256)
    assert job["model"]["key"] == "tiny-sd"


@pytest.mark.django_db(transaction=True)
def test_style_transfer_from_a_reference_image_runs_the_registered_ip_adapter(
    editor, upload, tiny_adapters, worker, wait_for_job, anchors
):
    source = upload(_photo(), licence=OWNED)
    reference = upload(_photo(256, 256), licence=OWNED)

    response = submit(
        editor, "style_transfer", inputs=[source["id"], reference["id"]], params={"steps": 4, "seed": 3}
    )
    assert response.status_code == 202, response.content
    # the saved job names the IP-Adapter that will run
    assert response.json()["params"]["ip_adapter"] == "tiny-ip-adapter"
    job = wait_for_job(editor.client, response.json()["id"], timeout=120)

    assert job["status"] == "succeeded", job
    output = asset(editor, job["outputs"][0])
    assert [p["relationship"] for p in output["parents"]] == ["parentOf", "componentOf"]
    _, data = download(editor, job["outputs"][0])
    generation = assertion(active(read_back(data, "image/png", anchors=anchors)), "com.photai.generation")
    assert [a["key"] for a in generation["adapters"]] == ["tiny-ip-adapter"]
    # and a later job without a reference image runs on the same base with the IP-Adapter taken out
    plain = run_job(
        editor, wait_for_job, "image_to_image", inputs=[source["id"]], params={"steps": 2}, prompt="x"
    )
    assert plain["status"] == "succeeded", plain


@pytest.mark.django_db
def test_style_transfer_needs_a_style_and_adapters_must_fit_the_base(
    editor, upload, tiny_adapters, tiny_models
):
    source = upload(_photo(), licence=OWNED)
    assert "style" in _fields(submit(editor, "style_transfer", inputs=[source["id"]]))
    inpaint_base = submit(
        editor,
        "style_transfer",
        inputs=[source["id"]],
        params={"style": "acme-style", "model": "tiny-img2img"},
    )
    assert _fields(inpaint_base)["style"] == ["lora 'acme-style' applies to tiny-sd, not to 'tiny-img2img'"]
    wrong_kind = submit(editor, "text_to_image", params={"style": "tiny-ip-adapter"}, prompt="x")
    assert "style" in _fields(wrong_kind)


@pytest.mark.django_db
def test_a_changed_adapter_file_is_refused_at_load(tiny_adapters, tiny_models):
    from inference.errors import PermanentJobError

    record = tiny_adapters["acme-style"]
    record.weights_hash = "0" * 64

    with pytest.raises(PermanentJobError) as error:
        pipelines.adapter_weights(record)
    assert error.value.code == "adapter_weights_changed"


# --- remove_background with a segmentation model -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_remove_background_uses_the_workspaces_segmentation_model_and_records_it(
    editor, upload, tiny_adapters, tiny_adapter_folders, worker, wait_for_job, anchors
):
    import torch
    from transformers import AutoImageProcessor, SegformerForSemanticSegmentation

    image = Image.open(__import__("io").BytesIO(_photo(300, 240))).convert("RGB")
    source = upload(png(image), licence=OWNED)

    response = submit(editor, "remove_background", inputs=[source["id"]])
    assert response.status_code == 202, response.content
    assert response.json()["params"]["model"] == "acme-matting"
    job = wait_for_job(editor.client, response.json()["id"], timeout=120)

    assert job["status"] == "succeeded", job
    assert job["model"]["key"] == "acme-matting"
    assert any("segmentation model acme-matting" in e["message"] for e in job["log"])
    cutout, data = download(editor, job["outputs"][0])
    assert cutout.mode == "RGBA" and cutout.size == image.size
    # the alpha is the model's P(not background), computed here independently with transformers
    folder = tiny_adapter_folders["segmentation"]
    model = SegformerForSemanticSegmentation.from_pretrained(str(folder)).eval()
    inputs = AutoImageProcessor.from_pretrained(str(folder))(images=np.asarray(image), return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    expected = torch.nn.functional.interpolate(logits.softmax(1), size=(240, 300), mode="bilinear")[0, 1]
    alpha = np.asarray(cutout.getchannel("A")).astype(np.float64)
    assert np.abs(alpha - expected.numpy() * 255).mean() < 2.0
    # the colours are the photo's own (only the invisible watermark touched them)
    colour = np.asarray(cutout.convert("RGB")).astype(np.float64)
    assert np.abs(colour - np.asarray(image).astype(np.float64)).mean() < 3.0
    actions = assertion(active(read_back(data, "image/png", anchors=anchors)), "c2pa.actions")["actions"]
    edit = next(a for a in actions if a["action"] == "c2pa.edited")
    assert edit["parameters"]["method"] == "segmentation"
    assert edit["parameters"]["model"]["key"] == "acme-matting"
    assert edit["parameters"]["model"]["weights_hash"] == tiny_adapters["acme-matting"].weights_hash


@pytest.mark.django_db(transaction=True)
def test_without_a_segmentation_model_grabcut_runs_and_the_job_says_so(
    editor, upload, tiny_models, worker, wait_for_job, anchors
):
    source = upload(_photo(), licence=OWNED)

    job = run_job(editor, wait_for_job, "remove_background", inputs=[source["id"]])

    assert job["status"] == "succeeded", job
    assert job["model"] is None or not job["model"].get("key")
    assert any("GrabCut" in e["message"] for e in job["log"])
    _, data = download(editor, job["outputs"][0])
    actions = assertion(active(read_back(data, "image/png", anchors=anchors)), "c2pa.actions")["actions"]
    assert next(a for a in actions if a["action"] == "c2pa.edited")["parameters"]["method"] == "grabcut"


@pytest.mark.django_db
def test_a_segmentation_model_needing_remote_code_is_refused_at_load_too(tiny_adapter_folders, tiny_models):
    from inference.errors import PermanentJobError

    record = ModelRecord(
        key="remote",
        name="remote",
        kind="segmentation",
        local_path=str(tiny_adapter_folders["segmentation-remote-code"]),
        licence_id="x",
        commercial_use_allowed=True,
    )

    with pytest.raises(PermanentJobError) as error:
        pipelines.load_pipeline(record, device="cpu", dtype=None)
    assert "trust_remote_code" in error.value.message


HUB_ADAPTER_PROBE = """
import os, shutil
import django
django.setup()
from pathlib import Path
from fixtures.tiny_models import LORA_WEIGHT_NAME, build_tiny_lora, build_tiny_pipeline
from inference import pipelines
from inference.errors import JobError
from inference.models import ModelRecord

commit = "89abcdef0123456789abcdef0123456789abcdef"
repo = Path(os.environ["HF_HOME"]) / "hub" / "models--acme--tiny-style"
(repo / "refs").mkdir(parents=True)
(repo / "refs" / "main").write_text(commit)
base = build_tiny_pipeline("text_to_image", Path(os.environ["SCRATCH"]) / "base")
build_tiny_lora(base, repo / "snapshots" / commit)
digest = pipelines.file_digest(repo / "snapshots" / commit / LORA_WEIGHT_NAME)
record = ModelRecord(key="hub-style", name="hub style", kind="lora", hub_repo_id="acme/tiny-style",
                     revision="main", weight_name=LORA_WEIGHT_NAME, weights_hash=digest,
                     licence_id="x", commercial_use_allowed=True)
folder, name, found = pipelines.adapter_weights(record)
print("resolved", folder.name, name, found == digest)
record.weights_hash = "0" * 64
try:
    pipelines.adapter_weights(record)
except JobError as exc:
    print("changed", exc.code)
"""


def test_hub_adapters_resolve_through_the_hub_cache_and_are_checked_against_their_hash(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "SCRATCH": str(tmp_path),
        "PHOTAI_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "photai_dam.settings",
    }
    repo = Path(__file__).resolve().parents[2]

    result = subprocess.run(
        [sys.executable, "-c", HUB_ADAPTER_PROBE],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resolved 89abcdef0123456789abcdef0123456789abcdef {LORA_WEIGHT_NAME} True" in result.stdout
    assert "changed adapter_weights_changed" in result.stdout
