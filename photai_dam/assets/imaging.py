"""Deciding whether uploaded bytes are an image we accept, before anything is stored.

The client's filename and Content-Type are ignored: the bytes are decoded with Pillow, the format must be
one we accept, the pixel count is checked from the header *before* decoding (decompression bombs), and
the whole image is then decoded to catch truncation and corruption.
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
from photai_dam.assets.choices import MIME_BY_FORMAT

# Markup that turns an "image" into something a browser or interpreter would run (polyglot files).
_ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|html|svg|iframe|body|object|embed)\b|<\?php|<!doctype\s+html", re.I
)
_PNG_END = b"IEND\xaeB`\x82"


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


def inspect_image(data: bytes) -> ImageFacts:
    """Return the facts of an acceptable image, or raise an ApiError with the reason and a code."""
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
    png_end = data.rfind(_PNG_END) if fmt == "PNG" else -1
    # Bytes after a PNG's IEND chunk are another file riding along (a missing IEND is truncation, below).
    if _ACTIVE_CONTENT.search(data) or (png_end != -1 and len(data) > png_end + len(_PNG_END)):
        raise ApiError(
            "polyglot_file",
            "The file is an image with other content (markup or appended data) and is not accepted.",
            status_code=415,
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            # MAX_IMAGE_PIXELS is Pillow's own guard; ours ran above with the configured limit.
            image.load()
            if getattr(image, "n_frames", 1) > 1:
                raise ApiError("animated_image", "Animated images are not accepted.", status_code=415)
    except ApiError:
        raise
    except Exception as exc:  # Pillow raises many types for damaged data; all mean "corrupt".
        raise ApiError(
            "corrupt_image", f"The image is truncated or corrupt: {exc}.", status_code=400
        ) from None
    return ImageFacts(
        mime_type=MIME_BY_FORMAT[fmt],
        format=fmt,
        width=width,
        height=height,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
