"""Every classical operation through the API on a real worker, checked for what it must achieve on
synthetic images whose right answer is known."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from fixtures.photos import photo
from tests.inference.helpers import asset, download, png, run_job, submit

pytestmark = pytest.mark.django_db(transaction=True)

RED = (220, 30, 30)


def _textured_background(width: int, height: int, seed: int = 0) -> Image.Image:
    """Green-grey noise: a background GrabCut and inpainting can model, with no red anywhere."""
    rng = np.random.default_rng(seed)
    base = np.empty((height, width, 3), np.uint8)
    base[..., 0] = rng.integers(40, 80, (height, width))
    base[..., 1] = rng.integers(110, 160, (height, width))
    base[..., 2] = rng.integers(60, 100, (height, width))
    return Image.fromarray(base)


def _succeeded(job: dict) -> str:
    assert job["status"] == "succeeded", job
    assert len(job["outputs"]) == 1
    return job["outputs"][0]


def test_crop_to_each_preset_hits_the_aspect_ratio_and_keeps_the_focal_point(
    editor, upload, worker, wait_for_job
):
    # given a 640x480 photo with a small marker near its right edge, and that marker as the focal point
    image = Image.new("RGB", (640, 480), (200, 200, 200))
    ImageDraw.Draw(image).rectangle([590, 90, 600, 100], fill=RED)
    source = upload(png(image))
    focal = {"x": 595 / 640, "y": 95 / 480}

    for preset, ratio in [("1:1", 1.0), ("4:5", 0.8), ("9:16", 9 / 16), ("16:9", 16 / 9), ("1.91:1", 1.91)]:
        job = run_job(
            editor,
            wait_for_job,
            "crop",
            inputs=[source["id"]],
            params={"preset": preset, "focal_point": focal},
        )
        cropped, _ = download(editor, _succeeded(job))
        width, height = cropped.size
        # then the aspect ratio is exact to the pixel, the crop is as large as the photo allows ...
        assert abs(width / height - ratio) <= 1 / height, (preset, cropped.size)
        assert width == 640 or height == 480, (preset, cropped.size)
        # ... and the focal point's marker is inside it
        pixels = np.asarray(cropped.convert("RGB")).reshape(-1, 3)
        assert ((pixels[:, 0] > 180) & (pixels[:, 1] < 80)).sum() >= 100, preset


def test_crop_without_a_focal_point_finds_the_salient_subject(editor, upload, worker, wait_for_job):
    # given a flat background with one subject far to the left
    image = Image.new("RGB", (800, 400), (235, 235, 235))
    ImageDraw.Draw(image).ellipse([40, 150, 140, 250], fill=(20, 20, 160))
    source = upload(png(image))

    job = run_job(editor, wait_for_job, "crop", inputs=[source["id"]], params={"preset": "9:16"})

    cropped, _ = download(editor, _succeeded(job))
    assert cropped.size == (225, 400)
    pixels = np.asarray(cropped.convert("RGB")).reshape(-1, 3)
    assert ((pixels[:, 2] > 130) & (pixels[:, 0] < 60)).sum() > 0.9 * 3.14159 * 50 * 50


def test_convert_writes_the_format_and_quality_asked_for(editor, upload, worker, wait_for_job):
    source = upload(png(_textured_background(200, 120)))

    job = run_job(
        editor, wait_for_job, "convert", inputs=[source["id"]], params={"format": "jpeg", "quality": 80}
    )
    jpeg, _ = download(editor, _succeeded(job))
    assert jpeg.format == "JPEG"
    assert asset(editor, job["outputs"][0])["mime_type"] == "image/jpeg"
    # libjpeg scales the standard luminance table (DC entry 16) by (200 - 2q) % for q >= 50: 16 * 40% = 6.4
    assert jpeg.quantization[0][0] == 6

    job = run_job(
        editor, wait_for_job, "convert", inputs=[source["id"]], params={"format": "webp", "quality": 90}
    )
    webp, _ = download(editor, _succeeded(job))
    assert webp.format == "WEBP"
    assert webp.size == (200, 120)


def test_convert_flattens_transparency_onto_white_for_jpeg(editor, upload, worker, wait_for_job):
    transparent = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    source = upload(png(transparent))

    job = run_job(
        editor, wait_for_job, "convert", inputs=[source["id"]], params={"format": "jpeg", "quality": 95}
    )

    jpeg, _ = download(editor, _succeeded(job))
    assert np.asarray(jpeg.convert("RGB")).min() >= 250


def test_upscale_gives_the_exact_size(editor, upload, worker, wait_for_job):
    source = upload(png(_textured_background(50, 30)))

    for factor in (2, 4):
        job = run_job(editor, wait_for_job, "upscale", inputs=[source["id"]], params={"factor": factor})
        output = asset(editor, _succeeded(job))
        assert (output["width"], output["height"]) == (50 * factor, 30 * factor)
        assert output["origin"] == "rendition"


def test_upscale_refuses_an_output_above_the_pixel_limit(editor, upload, settings, broker):
    settings.INFERENCE_MAX_OUTPUT_PIXELS = 10_000
    source = upload(png(_textured_background(50, 30)))

    response = submit(editor, "upscale", inputs=[source["id"]], params={"factor": 4})

    assert response.status_code == 422
    assert "factor" in response.json()["error"]["details"]["fields"]


def test_remove_object_leaves_none_of_the_objects_colour_inside_the_mask(
    editor, upload, worker, wait_for_job
):
    # given a red box on a textured background and a mask drawn tightly over it
    image = _textured_background(240, 160)
    ImageDraw.Draw(image).rectangle([90, 50, 150, 110], fill=RED)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle([90, 50, 150, 110], fill=255)
    source, mask_asset = upload(png(image)), upload(png(mask))

    job = run_job(editor, wait_for_job, "remove_object", inputs=[source["id"], mask_asset["id"]])

    result = np.asarray(download(editor, _succeeded(job))[0].convert("RGB")).astype(int)
    inside = result[50:111, 90:151]
    # no pixel inside the mask is anywhere near the object's red ...
    redness = inside[..., 0] - np.maximum(inside[..., 1], inside[..., 2])
    assert redness.max() < 40
    # ... the hole was filled with the background's colours, and far from the mask nothing changed
    assert abs(inside[..., 1].mean() - 135) < 20
    original = np.asarray(image).astype(int)
    assert np.array_equal(result[:30], original[:30])
    output = asset(editor, job["outputs"][0])
    assert [p["relationship"] for p in output["parents"]] == ["parentOf", "componentOf"]


def test_remove_background_cuts_out_the_subject_with_alpha(editor, upload, worker, wait_for_job):
    # given a blue-ish product in the middle of a textured green background
    image = _textured_background(320, 240, seed=1)
    ImageDraw.Draw(image).ellipse([100, 60, 220, 180], fill=(40, 60, 210))
    source = upload(png(image))

    job = run_job(editor, wait_for_job, "remove_background", inputs=[source["id"]])

    cutout, _ = download(editor, _succeeded(job))
    assert cutout.format == "PNG"
    assert cutout.mode == "RGBA"
    alpha = np.asarray(cutout.getchannel("A"))
    for y, x in [(2, 2), (2, 317), (237, 2), (237, 317), (120, 20), (120, 300)]:
        assert alpha[y, x] == 0, (x, y)
    assert alpha[120, 160] == 255
    assert (alpha[80:160, 130:190] == 255).all()


def test_remove_background_with_a_rectangle_keeps_only_whats_inside(editor, upload, worker, wait_for_job):
    # two objects; the rectangle names the left one
    image = _textured_background(320, 160, seed=2)
    draw = ImageDraw.Draw(image)
    draw.ellipse([30, 40, 110, 120], fill=(40, 60, 210))
    draw.ellipse([210, 40, 290, 120], fill=(40, 60, 210))
    source = upload(png(image))

    job = run_job(
        editor,
        wait_for_job,
        "remove_background",
        inputs=[source["id"]],
        params={"rect": {"x": 0.05, "y": 0.15, "width": 0.35, "height": 0.7}},
    )

    alpha = np.asarray(download(editor, _succeeded(job))[0].getchannel("A"))
    assert alpha[80, 70] == 255
    assert alpha[80, 250] == 0


def test_remove_background_from_a_mask_hint(editor, upload, worker, wait_for_job):
    image = _textured_background(200, 200, seed=3)
    ImageDraw.Draw(image).rectangle([60, 60, 140, 140], fill=(200, 180, 40))
    hint = Image.new("L", image.size, 0)
    ImageDraw.Draw(hint).rectangle([50, 50, 150, 150], fill=255)  # roughly around the subject
    source, hint_asset = upload(png(image)), upload(png(hint))

    job = run_job(editor, wait_for_job, "remove_background", inputs=[source["id"], hint_asset["id"]])

    alpha = np.asarray(download(editor, _succeeded(job))[0].getchannel("A"))
    assert alpha[100, 100] == 255
    assert alpha[5, 5] == 0
    assert alpha[55, 55] == 0  # inside the hint, but background: GrabCut decided


def test_recolor_shifts_the_hue_inside_the_mask_only(editor, upload, worker, wait_for_job):
    # given a red product on a grey background, and a mask over the product
    image = Image.new("RGB", (120, 80), (128, 128, 128))
    ImageDraw.Draw(image).rectangle([30, 20, 90, 60], fill=(255, 0, 0))
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rectangle([30, 20, 90, 60], fill=255)
    source, mask_asset = upload(png(image)), upload(png(mask))

    # when the hue turns by +120 degrees (red -> green)
    job = run_job(
        editor, wait_for_job, "recolor", inputs=[source["id"], mask_asset["id"]], params={"hue": 120}
    )

    result = np.asarray(download(editor, _succeeded(job))[0].convert("RGB")).astype(int)
    red, green, blue = result[40, 60]
    assert green > 240 and red < 15 and blue < 15
    assert np.array_equal(result[:15], np.asarray(image)[:15])
    assert (result[5, 5] == (128, 128, 128)).all()


def test_recolor_can_desaturate_the_whole_image(editor, upload, worker, wait_for_job):
    source = upload(png(Image.new("RGB", (64, 64), (200, 40, 40))))

    job = run_job(editor, wait_for_job, "recolor", inputs=[source["id"]], params={"saturation": 0})

    pixel = np.asarray(download(editor, _succeeded(job))[0].convert("RGB"))[10, 10].astype(int)
    assert max(pixel) - min(pixel) <= 2


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("crop", {"preset": "3:2"}, "preset"),
        ("crop", {"preset": "1:1", "focal_point": {"x": 1.5, "y": 0.5}}, "focal_point.x"),
        ("convert", {"format": "gif"}, "format"),
        ("convert", {"format": "jpeg", "quality": 0}, "quality"),
        ("upscale", {"factor": 3}, "factor"),
        ("remove_object", {"grow": -1}, "grow"),
        ("remove_background", {"rect": {"x": 0.5, "y": 0, "width": 0.6, "height": 1}}, "rect"),
        ("recolor", {}, "params"),
        ("recolor", {"hue": 400}, "hue"),
    ],
)
def test_bad_parameters_are_refused_with_field_errors_and_nothing_is_queued(
    editor, upload, broker, operation, params, field
):
    from photai_dam.jobs.models import Job

    source = upload(png(Image.new("RGB", (64, 64), "white")))

    response = submit(editor, operation, inputs=[source["id"]], params=params)

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_params"
    assert field in error["details"]["fields"], error
    assert Job.objects.count() == 0


def test_remove_object_needs_its_mask(editor, upload, broker):
    source = upload(png(Image.new("RGB", (64, 64), "white")))

    response = submit(editor, "remove_object", inputs=[source["id"]])

    assert response.status_code == 422
    assert "inputs" in response.json()["error"]["details"]["fields"]


def test_an_all_black_mask_fails_the_job_permanently(editor, upload, worker, wait_for_job):
    source = upload(png(_textured_background(64, 64)))
    mask = upload(png(Image.new("L", (64, 64), 0)))

    job = run_job(editor, wait_for_job, "remove_object", inputs=[source["id"], mask["id"]])

    assert job["status"] == "failed"
    assert job["error"]["code"] == "empty_mask"
    assert job["attempts"] == 1
    assert job["outputs"] == []


def test_jpeg_sources_give_jpeg_renditions(editor, upload, worker, wait_for_job):
    buffer = io.BytesIO()
    _textured_background(120, 90).save(buffer, format="JPEG", quality=92)
    source = upload(buffer.getvalue())

    job = run_job(editor, wait_for_job, "crop", inputs=[source["id"]], params={"preset": "1:1"})

    assert asset(editor, _succeeded(job))["mime_type"] == "image/jpeg"


@pytest.mark.parametrize(("fmt", "quality"), [("jpeg", 10), ("jpeg", 20), ("webp", 30), ("webp", 50)])
def test_convert_refuses_qualities_the_watermark_does_not_survive(editor, upload, fmt, quality):
    # the cases: these used to be accepted, then fail on the worker with watermark_not_decodable
    from inference.operations.classical import CONVERT_MIN_QUALITY

    source = upload(png(_textured_background(320, 320)))

    response = submit(editor, "convert", inputs=[source["id"]], params={"format": fmt, "quality": quality})

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_params"
    assert "quality" in error["details"]["fields"]
    assert quality < CONVERT_MIN_QUALITY[fmt]


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_convert_at_the_lowest_allowed_quality_carries_a_decodable_watermark(
    editor, upload, worker, wait_for_job, fmt
):
    # an AI-lineage-free upload still gets a watermark at 256x256 and above; at the floor it must decode
    from inference.operations.classical import CONVERT_MIN_QUALITY

    source = upload(png(photo("astronaut.png")))

    job = run_job(
        editor,
        wait_for_job,
        "convert",
        inputs=[source["id"]],
        params={"format": fmt, "quality": CONVERT_MIN_QUALITY[fmt]},
    )

    image, _ = download(editor, _succeeded(job))
    assert image.format == fmt.upper()
