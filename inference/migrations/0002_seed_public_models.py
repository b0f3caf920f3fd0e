"""Seed well-known public models with the licence facts stated on their model cards.

Revisions are branch names; the worker records the commit it actually loaded (the hub snapshot) on each job.
"""

from django.db import migrations

OPENRAIL_M = "https://huggingface.co/spaces/CompVis/stable-diffusion-license"
OPENRAIL_PP = "https://huggingface.co/stabilityai/stable-diffusion-2/blob/main/LICENSE-MODEL"

MODELS = [
    {
        "key": "sd15",
        "name": "Stable Diffusion 1.5",
        "hub_repo_id": "stable-diffusion-v1-5/stable-diffusion-v1-5",
        "pipeline_task": "text_to_image",
        "licence_id": "creativeml-openrail-m",
        "licence_url": OPENRAIL_M,
        "commercial_use_allowed": True,
        "licence_notes": "CreativeML Open RAIL-M: commercial use allowed, subject to the use-based restrictions "
        "of its Attachment A, which must be passed on to users.",
        "default_params": {"width": 512, "height": 512, "steps": 30, "guidance": 7.5},
    },
    {
        "key": "sd15-inpainting",
        "name": "Stable Diffusion 1.5 Inpainting",
        "hub_repo_id": "stable-diffusion-v1-5/stable-diffusion-inpainting",
        "pipeline_task": "inpainting",
        "licence_id": "creativeml-openrail-m",
        "licence_url": OPENRAIL_M,
        "commercial_use_allowed": True,
        "licence_notes": "CreativeML Open RAIL-M (as Stable Diffusion 1.5).",
        "default_params": {"steps": 30, "guidance": 7.5},
    },
    {
        "key": "sdxl-base",
        "name": "Stable Diffusion XL base 1.0",
        "hub_repo_id": "stabilityai/stable-diffusion-xl-base-1.0",
        "variant": "fp16",
        "pipeline_task": "text_to_image",
        "licence_id": "openrail++",
        "licence_url": "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/blob/main/LICENSE.md",
        "commercial_use_allowed": True,
        "licence_notes": "CreativeML Open RAIL++-M: commercial use allowed, subject to its use-based restrictions.",
        "default_params": {"width": 1024, "height": 1024, "steps": 30, "guidance": 5.0},
    },
    {
        "key": "flux1-schnell",
        "name": "FLUX.1 [schnell]",
        "hub_repo_id": "black-forest-labs/FLUX.1-schnell",
        "pipeline_task": "text_to_image",
        "dtype": "bfloat16",
        "licence_id": "apache-2.0",
        "licence_url": "https://huggingface.co/black-forest-labs/FLUX.1-schnell/blob/main/README.md",
        "commercial_use_allowed": True,
        "licence_notes": "Apache License 2.0. A timestep-distilled model: 1-4 steps, no classifier-free guidance.",
        "default_params": {"width": 1024, "height": 1024, "steps": 4, "guidance": 0.0},
    },
    {
        "key": "flux1-dev",
        "name": "FLUX.1 [dev]",
        "hub_repo_id": "black-forest-labs/FLUX.1-dev",
        "pipeline_task": "text_to_image",
        "dtype": "bfloat16",
        "licence_id": "flux-1-dev-non-commercial-license",
        "licence_url": "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md",
        "commercial_use_allowed": False,
        "licence_notes": "FLUX.1 [dev] Non-Commercial License: the model may not be used for commercial "
        "purposes without a commercial licence from Black Forest Labs; a gated repository. Registered "
        "disabled: enable it only with such a licence (and then mark commercial use allowed).",
        "default_params": {"width": 1024, "height": 1024, "steps": 50, "guidance": 3.5},
        "enabled": False,
    },
    {
        "key": "sd-x4-upscaler",
        "name": "Stable Diffusion x4 upscaler",
        "hub_repo_id": "stabilityai/stable-diffusion-x4-upscaler",
        "pipeline_task": "upscaling",
        "licence_id": "openrail++",
        "licence_url": OPENRAIL_PP,
        "commercial_use_allowed": True,
        "licence_notes": "CreativeML Open RAIL++-M: commercial use allowed, subject to its use-based restrictions.",
        "default_params": {"steps": 20, "guidance": 9.0, "noise_level": 20},
    },
]


def seed(apps, schema_editor):
    ModelRecord = apps.get_model("inference", "ModelRecord")
    for data in MODELS:
        key = data["key"]
        fields = {k: v for k, v in data.items() if k != "key"}
        fields.setdefault("revision", "main")
        ModelRecord.objects.get_or_create(key=key, defaults=fields)


def unseed(apps, schema_editor):
    ModelRecord = apps.get_model("inference", "ModelRecord")
    ModelRecord.objects.filter(key__in=[m["key"] for m in MODELS], created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("inference", "0001_model_registry")]

    operations = [migrations.RunPython(seed, unseed)]
