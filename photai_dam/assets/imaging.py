"""Deciding whether uploaded bytes are an image we accept, before anything is stored.

The client's filename and Content-Type are ignored: the bytes are decoded with Pillow, the format must be
one we accept, the pixel count is checked from the header *before* decoding (decompression bombs), the
container is read to its end (anything riding after it, other than a camera's MPF images, is refused as a
polyglot), the pixel data must cover the declared size (decoders fill missing JPEG scan data and PNG rows
with grey, silently), and the whole image is then decoded to catch corruption.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from photai_dam.api.errors import ApiError
from photai_dam.assets import containers
from photai_dam.assets.choices import MIME_BY_FORMAT

# Markup that turns an "image" into something a browser or interpreter would run (polyglot files).
_ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|html|svg|iframe|body|object|embed)\b|<\?php|<!doctype\s+html", re.I
)


@dataclass(frozen=True)
class ImageFacts:
    mime_type: str
    format: str
    width: int
    height: int
    size: int
    sha256: str


def _looks_like_markup(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<", b"\xef\xbb\xbf<"))


def inspect_image(data: bytes, *, tolerate_damage: bool = False) -> ImageFacts:
    """Return the facts of an acceptable image, or raise an ApiError with the reason and a code.

    ``tolerate_damage`` (verify) lets through JPEG data libjpeg calls corrupt but complete (flipped bits):
    telling what a damaged copy is remains verify's job. Truncation and polyglots are refused either way.
    """
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ApiError(
            "file_too_large",
            f"The file is {len(data)} bytes; the limit is {settings.UPLOAD_MAX_BYTES}.",
            status_code=413,
            details={"size": len(data), "limit": settings.UPLOAD_MAX_BYTES},
        )
    if not data:
        raise ApiError("empty_file", "The file is empty.", status_code=400)
    if _looks_like_markup(data):
        raise ApiError(
            "unsupported_media_type",
            "SVG, HTML and other markup are not accepted; upload a JPEG, PNG, WebP or TIFF image.",
            status_code=415,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(
            "image_too_large",
            f"The image has more pixels than the limit of {settings.UPLOAD_MAX_PIXELS}.",
            status_code=400,
            details={"limit_pixels": settings.UPLOAD_MAX_PIXELS},
        ) from None
    except UnidentifiedImageError:
        raise ApiError(
            "unsupported_media_type",
            "The file is not an image of a supported type (JPEG, PNG, WebP, TIFF).",
            status_code=415,
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ApiError("corrupt_image", f"The image cannot be read: {exc}.", status_code=400) from None
    # A JPEG carrying a multi-picture index (MPF: a camera's preview, depth or gain map) opens as "MPO";
    # it is a JPEG whose primary image is the picture.
    multi_picture = fmt == "MPO"
    if multi_picture:
        fmt = "JPEG"
    if fmt not in MIME_BY_FORMAT:
        raise ApiError(
            "unsupported_media_type",
            f"{fmt or 'This'} images are not accepted; upload JPEG, PNG, WebP or TIFF.",
            status_code=415,
            details={"format": fmt},
        )
    pixels = width * height
    if pixels > settings.UPLOAD_MAX_PIXELS:
        raise ApiError(
            "image_too_large",
            f"The image has {pixels} pixels; the limit is {settings.UPLOAD_MAX_PIXELS}.",
            status_code=400,
            details={"width": width, "height": height, "limit_pixels": settings.UPLOAD_MAX_PIXELS},
        )
    try:
        after = containers.trailer(fmt, data)
    except containers.StructureError as exc:
        raise ApiError(exc.code, f"The image is damaged: {exc}.", status_code=400) from None
    _refuse_polyglot(data, after)
    _refuse_truncated(fmt, data[: after.offset], width, height, tolerate_damage=tolerate_damage)
    try:
        with Image.open(io.BytesIO(data)) as image:
            # MAX_IMAGE_PIXELS is Pillow's own guard; ours ran above with the configured limit.
            image.load()
            if getattr(image, "n_frames", 1) > 1 and not multi_picture:
                raise ApiError("animated_image", "Animated images are not accepted.", status_code=415)
    except ApiError:
        raise
    except Exception as exc:  # Pillow raises many types for damaged data; all mean "corrupt".
        code = "truncated_image" if "truncated" in str(exc) else "corrupt_image"
        raise ApiError(code, f"The image is truncated or corrupt: {exc}.", status_code=400) from None
    return ImageFacts(
        mime_type=MIME_BY_FORMAT[fmt],
        format=fmt,
        width=width,
        height=height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _refuse_polyglot(data: bytes, after: containers.Trailer) -> None:
    found = "markup" if _ACTIVE_CONTENT.search(data) else after.found()
    if found is None and containers.zip_directory_at_end(data):
        found = "zip archive"  # hidden inside the image's metadata, its directory closing the file
    if found is not None:
        raise ApiError(
            "polyglot_file",
            f"The file is an image with other content ({found}) and is not accepted.",
            status_code=415,
            details={"found": found, "image_ends_at": after.offset},
        )


def _refuse_truncated(fmt: str, image_data: bytes, width: int, height: int, *, tolerate_damage: bool) -> None:
    """Refuse pixel data that stops before the declared size (decoders would fill the rest with grey)."""
    if fmt == "JPEG":
        problem = _jpeg_problem(image_data, tolerate_damage=tolerate_damage)
    elif fmt == "PNG":
        problem = None if containers.png_rows_complete(image_data) else "its compressed rows stop early"
    else:
        # libwebp, libtiff and libavif refuse data that ends early themselves (checked by the full decode).
        problem = None
    if problem is not None:
        raise ApiError(
            "truncated_image",
            f"The image declares {width}x{height} pixels but its data ends before that: {problem}.",
            status_code=400,
            details={"width": width, "height": height, "reason": problem},
        )


def _jpeg_problem(image_data: bytes, *, tolerate_damage: bool) -> str | None:
    """What libjpeg-turbo, in strict mode, finds wrong with the entropy-coded data (None: nothing).

    Pillow's libjpeg swallows the "premature end of data segment" warning and fills the rest with grey;
    strict mode turns every such warning into an error. Decoding at 1/8 scale skips most of the inverse
    DCT and colour work while still reading every coded block, so the check costs a fraction of a decode.
    """
    import simplejpeg

    try:
        _height, _width, colourspace, _subsampling = simplejpeg.decode_jpeg_header(image_data)
        simplejpeg.decode_jpeg(
            image_data,
            colorspace="CMYK" if colourspace in ("CMYK", "YCCK") else "GRAY",
            min_factor=8,
            strict=True,
        )
    except ValueError as exc:
        message = str(exc)
        if "premature end" in message.lower():
            return message
        if tolerate_damage:
            # Strict mode stops at the first warning, so a damaged stream is not checked further: the
            # pixel limit (checked above) still bounds what decoding it costs.
            return None
        raise ApiError("corrupt_image", f"The JPEG's data is damaged: {message}.", status_code=400) from None
    return None
