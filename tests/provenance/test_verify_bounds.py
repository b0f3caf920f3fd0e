"""What one verify may cost is bounded: the pixel limit holds before decoding for every caller, and the
watermark's crop search does a bounded amount of work whatever the image's shape."""

from __future__ import annotations

import pytest
from PIL import Image

from fixtures.images import image_bytes
from governance import watermark
from governance.provenance import verify_bytes
from governance.watermark import carrier
from photai_dam.api.errors import ApiError


@pytest.mark.parametrize("size", [(16384, 128), (128, 16384), (1440, 1440), (4096, 512)])
def test_the_crop_search_stays_within_its_work_budget_for_any_shape(size, monkeypatch):
    # given images of ~2 MP, the most the crop search looks at; a long thin one has 8x the block columns
    # of a square one and searched 8x the widths over them (136 s measured for 16384x128)
    calls: list[float] = []

    def record(bgr, *, max_extra_columns=0.5, keep=6):
        calls.append(max_extra_columns)
        return []

    monkeypatch.setattr(carrier, "crop_candidates", record)
    image = Image.new("RGB", size, (120, 130, 140))

    reading = watermark.read(image, search_crop=True)  # as verify calls it

    assert reading.watermark_id is None
    assert len(calls) == 1
    assert watermark.crop_search_work(*size, calls[0]) <= watermark.CROP_SEARCH_MAX_WORK
    if size == (1440, 1440):
        assert calls[0] == watermark.CROP_SEARCH_EXTRA_COLUMNS  # a square image keeps the full search


def test_verify_bytes_refuses_more_pixels_than_the_upload_limit_before_decoding(settings, db, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 10_000
    data = image_bytes("PNG", 320, 240)
    decoded: list[bool] = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(True))

    with pytest.raises(ApiError) as refused:
        verify_bytes(data)

    assert refused.value.code == "image_too_large"
    assert decoded == []
