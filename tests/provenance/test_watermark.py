"""The watermark payload scheme on real photos: decodes its id, or says "no watermark" — never a wrong id."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from fixtures.photos import NAMES, photo
from governance import watermark
from governance.watermark import carrier, payload


def _reencode(image: Image.Image, fmt: str, **options: object) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "grace_hopper.jpg", "brick.png"])
def test_the_id_survives_jpeg_90_and_75_on_real_photos(name):
    # given a real photo at 512x512 marked with a fresh id
    original = photo(name, (512, 512))
    watermark_id = watermark.new_watermark_id()
    marked = watermark.embed(original, watermark_id)

    # then the exact pixels and JPEG copies at quality 90 and 75 decode to that id, at the native scale
    assert watermark.decode(marked, rescale=False) == watermark_id
    assert watermark.decode(_reencode(marked, "JPEG", quality=90), rescale=False) == watermark_id
    assert watermark.decode(_reencode(marked, "JPEG", quality=75), rescale=False) == watermark_id
    # and the change is small by the usual measure (PSNR above 35 dB; ~42 dB at 1024x1024)
    difference = np.asarray(marked, dtype=float) - np.asarray(original, dtype=float)
    psnr = 10 * np.log10(255**2 / np.mean(difference**2))
    assert psnr > 35


def test_a_copy_downscaled_by_half_is_found_by_the_rescaling_attempts():
    marked = watermark.embed(photo("coffee.png", (768, 768)), 0xABCDEF0123)
    half = _reencode(marked.resize((384, 384), Image.Resampling.LANCZOS), "JPEG", quality=90)

    reading = watermark.read(half)

    assert reading.watermark_id == 0xABCDEF0123
    assert reading.scale == 2.0


@pytest.mark.parametrize("name", NAMES)
def test_unmarked_photos_read_as_no_watermark(name):
    assert watermark.decode(photo(name, (384, 384))) is None


def test_the_vectorised_reader_agrees_with_the_librarys_decoder_bit_for_bit():
    from imwatermark import WatermarkDecoder

    # 480x400 has 3000 blocks: every one of the 1664 carrier positions gets a vote
    marked = watermark.embed(photo("rocket.jpg", (480, 400)), 77)
    bgr = np.ascontiguousarray(np.asarray(marked)[:, :, ::-1])

    library = np.asarray(WatermarkDecoder("bits", carrier.CARRIER_BITS).decode(bgr, "dwtDctSvd"), dtype=bool)

    assert np.array_equal(library, carrier.hard_votes(bgr, carrier.CARRIER_BITS))


def test_images_below_the_carriers_minimum_are_refused_with_a_code():
    with pytest.raises(watermark.WatermarkError) as caught:
        watermark.embed(photo("chelsea.png", (255, 255)), 5)
    assert caught.value.code == "output_too_small_for_watermark"
    assert watermark.decode(photo("chelsea.png", (200, 200))) is None
    # 256x256 is the smallest square that carries it
    assert watermark.decode(watermark.embed(photo("chelsea.png", (256, 256)), 5), rescale=False) == 5


def test_transparency_is_kept_and_the_colour_channels_carry_the_mark():
    rgba = photo("ihc.png", (300, 300)).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((300, 300)))

    marked = watermark.embed(rgba, 4242)

    assert marked.mode == "RGBA"
    assert np.array_equal(np.asarray(marked)[:, :, 3], np.asarray(rgba)[:, :, 3])
    assert watermark.decode(_reencode(marked, "PNG"), rescale=False) == 4242


# --- the payload code on its own -------------------------------------------------------------------------


def _scores_for(watermark_id: int) -> np.ndarray:
    return np.asarray(payload.encode_id(watermark_id), dtype=float)


def test_byte_errors_within_the_parity_budget_are_corrected():
    rng = random.Random(3)  # noqa: S311 - reproducible test data, not a secret
    for _ in range(50):
        watermark_id = rng.randrange(1, 2**48)
        scores = _scores_for(watermark_id)
        for byte in rng.sample(range(payload.CODEWORD_BYTES), 3):  # 3 wrong bytes, confidently wrong
            scores[byte * 8 : byte * 8 + 8] = 1.0 - scores[byte * 8 : byte * 8 + 8]
        assert payload.decode_scores(scores) == watermark_id


def test_doubtful_bytes_are_used_as_erasures():
    scores = _scores_for(123456789)
    for byte in (0, 3, 7, 9, 12, 15):  # six bytes where every bit is a coin toss, leaning the wrong way
        scores[byte * 8 : byte * 8 + 8] = np.where(scores[byte * 8 : byte * 8 + 8] > 0.5, 0.45, 0.55)
    assert payload.decode_scores(scores) == 123456789


def test_random_scores_and_heavily_damaged_codewords_never_yield_a_wrong_id():
    rng = np.random.default_rng(11)
    # noise of every kind: uniform scores, hard random bits, scores near 0.5
    for _ in range(600):
        kind = rng.integers(3)
        if kind == 0:
            scores = rng.random(payload.CODEWORD_BITS)
        elif kind == 1:
            scores = rng.integers(0, 2, payload.CODEWORD_BITS).astype(float)
        else:
            scores = 0.5 + rng.normal(0, 0.05, payload.CODEWORD_BITS)
        assert payload.decode_scores(scores) is None
    # a real codeword with far more damage than the code can repair: None, never another id
    for seed in range(100):
        local = np.random.default_rng(seed)
        watermark_id = int(local.integers(1, 2**48))
        scores = _scores_for(watermark_id)
        flip = local.choice(payload.CODEWORD_BITS, size=40, replace=False)
        scores[flip] = 1.0 - scores[flip]
        assert payload.decode_scores(scores) in (None, watermark_id)


def test_ids_outside_48_bits_are_refused():
    with pytest.raises(ValueError):
        payload.encode_id(0)
    with pytest.raises(ValueError):
        payload.encode_id(2**48)


def test_the_vectorised_embedder_writes_what_the_librarys_decoder_reads_and_vice_versa():
    from imwatermark import WatermarkDecoder

    bgr = np.ascontiguousarray(np.asarray(photo("retina.jpg", (480, 400)))[:, :, ::-1])
    codeword = payload.encode_id(31337)
    expected = np.asarray(carrier.carrier_bits(codeword), dtype=bool)

    ours = carrier.embed_bits(bgr, codeword)
    library_reads = np.asarray(
        WatermarkDecoder("bits", carrier.CARRIER_BITS).decode(ours, "dwtDctSvd"), dtype=bool
    )
    # 8-bit rounding and colour clipping flip a few single-vote positions, for the library's own marks too
    # (measured: 16 vs 19 of 1664 here); the error correction is there for exactly that
    assert np.mean(library_reads != expected) < 0.03
    assert watermark.decode(Image.fromarray(np.ascontiguousarray(ours[:, :, ::-1])), rescale=False) == 31337

    # and an image marked by imwatermark's own encoder decodes to the id through our reader
    theirs = carrier.embed_bits_with_library(bgr, codeword)
    assert watermark.decode(Image.fromarray(np.ascontiguousarray(theirs[:, :, ::-1])), rescale=False) == 31337


def test_the_crop_search_finds_the_mark_in_a_cropped_copy_and_nothing_in_an_unmarked_one():
    marked = watermark.embed(photo("retina.jpg", (512, 512)), 0x5EED)
    box = (27, 13, 512 - 23, 512 - 29)  # 10% of the width and 8% of the height cut, at odd offsets

    assert watermark.decode(marked.crop(box)) is None  # the plain decoder loses the grid
    reading = watermark.read(marked.crop(box), search_crop=True)
    assert reading.watermark_id == 0x5EED
    assert reading.cropped is True
    assert watermark.decode(photo("retina.jpg", (512, 512)).crop(box), search_crop=True) is None
