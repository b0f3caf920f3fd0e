"""Where each accepted image format ends, what rides after it, and whether its pixel data is all there.

Decoders stop at a format's end and ignore what follows, so "an image" can also be a ZIP, a PDF or an HTML
page (a polyglot) that another program opens from the same bytes. They also fill in what is missing: a
JPEG whose scan data stops early, or a PNG whose compressed rows stop early, decodes silently into a
full-size picture of grey, so a few hundred bytes can declare 50 megapixels of work.

This module reads the container structure only (markers, chunks, boxes, IFDs), never pixels:
- :func:`trailer` finds the end of JPEG (after EOI, plus the images its MPF index names), PNG (IEND),
  WebP (the RIFF size) and, as far as the structure says, TIFF (the furthest byte an IFD points at) and
  AVIF (the last top-level box), and returns what follows;
- :func:`png_rows_complete` checks that a PNG's image data inflates to every row its header declares
  (JPEG truncation is left to libjpeg-turbo's strict mode in ``imaging``).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

# Signatures of archives, documents and executables; any of them after an image's end makes a polyglot.
ARCHIVE_SIGNATURES: dict[str, re.Pattern[bytes]] = {
    "zip archive": re.compile(rb"PK\x03\x04|PK\x05\x06|PK\x06\x06|PK\x07\x08"),
    "rar archive": re.compile(rb"Rar!\x1a\x07"),
    "7z archive": re.compile(rb"7z\xbc\xaf\x27\x1c"),
    "gzip data": re.compile(rb"\x1f\x8b\x08"),
    "bzip2 data": re.compile(rb"BZh[1-9]1AY&SY"),
    "xz data": re.compile(rb"\xfd7zXZ\x00"),
    "zstd data": re.compile(rb"\x28\xb5\x2f\xfd"),
    "tar archive": re.compile(rb"ustar(?:\x00|\x20\x20)"),
    "cab archive": re.compile(rb"MSCF\x00\x00\x00\x00"),
    "pdf document": re.compile(rb"%PDF-"),
    "elf executable": re.compile(rb"\x7fELF"),
    "markup": re.compile(
        rb"<\s*(?:script|html|svg|iframe|body|object|embed|head|meta|a\s)|<\?(?:php|xml)|<!doctype", re.I
    ),
}
_PADDING = re.compile(rb"[\x00\xff]*\Z")


class StructureError(ValueError):
    """The container structure contradicts itself; ``code`` is ``truncated_image`` when the file simply
    ends too early (a segment, chunk or box runs past its last byte) and ``corrupt_image`` otherwise."""

    def __init__(self, message: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        self.code = "truncated_image" if truncated else "corrupt_image"


@dataclass(frozen=True)
class Trailer:
    """What follows the image: its offset and bytes; ``exact`` when the format's end is certain."""

    offset: int
    data: bytes
    exact: bool

    def found(self) -> str | None:
        """What the trailing bytes are, if they must be refused; None for nothing or padding."""
        for name, signature in ARCHIVE_SIGNATURES.items():
            if signature.search(self.data):
                return name
        if not self.exact or _PADDING.match(self.data):
            # TIFF and AVIF may keep data we cannot attribute (maker notes, unreferenced boxes): only a
            # recognisable archive or markup is refused there.
            return None
        return f"{len(self.data)} bytes of other data"


def trailer(fmt: str, data: bytes) -> Trailer:
    """The bytes after the end of an image of Pillow format ``fmt`` (JPEG, MPO, PNG, WEBP, TIFF, AVIF)."""
    if fmt in ("JPEG", "MPO"):
        return _jpeg_trailer(data)
    if fmt == "PNG":
        end = _png_end(data)
        return Trailer(end, data[end:], exact=True)
    if fmt == "WEBP":
        end = _webp_end(data)
        return Trailer(end, data[end:], exact=True)
    if fmt == "TIFF":
        end = _tiff_end(data)
        return Trailer(end, data[end:], exact=False)
    if fmt == "AVIF":
        end = _isobmff_end(data)
        return Trailer(end, data[end:], exact=False)
    raise StructureError(f"no container reader for {fmt}")


def zip_directory_at_end(data: bytes) -> bool:
    """True when a ZIP end-of-central-directory record closes the file (its comment running exactly to
    the last byte): a ZIP reader opens such a file even when the archive hides inside image metadata."""
    window_start = max(0, len(data) - 22 - 0xFFFF)
    position = data.rfind(b"PK\x05\x06", window_start)
    while position != -1:
        if position + 22 <= len(data):
            (comment_length,) = struct.unpack_from("<H", data, position + 20)
            if position + 22 + comment_length == len(data):
                return True
        position = data.rfind(b"PK\x05\x06", window_start, position)
    return False


# --- JPEG -----------------------------------------------------------------------------------------------

_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0-7 have no length
# In entropy-coded data 0xFF is followed by 0x00 (stuffing) or RSTn; anything else is the next marker.
_ENTROPY_END = re.compile(rb"\xff(?!\x00|[\xd0-\xd7])")


@dataclass(frozen=True)
class _JpegLayout:
    end: int  # offset just after EOI
    mpf_tiff_offset: int | None  # where the MPF index's TIFF header starts (offsets count from there)
    mpf_entries: tuple[tuple[int, int], ...]  # (offset from the TIFF header, size) of images 2..n


def _jpeg_layout(data: bytes, start: int = 0) -> _JpegLayout:
    if data[start : start + 2] != b"\xff\xd8":
        raise StructureError("no JPEG start-of-image marker")
    position = start + 2
    mpf_offset: int | None = None
    entries: tuple[tuple[int, int], ...] = ()
    while True:
        marker_at = data.find(b"\xff", position)
        if marker_at == -1:
            raise StructureError("the JPEG ends without an end-of-image marker", truncated=True)
        position = marker_at
        while position < len(data) and data[position] == 0xFF:  # fill bytes before a marker
            position += 1
        if position >= len(data):
            raise StructureError("the JPEG ends inside a marker", truncated=True)
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return _JpegLayout(position, mpf_offset, entries)
        if marker in _STANDALONE or marker == 0x00:
            continue
        if position + 2 > len(data):
            raise StructureError("the JPEG ends inside a segment header", truncated=True)
        (length,) = struct.unpack_from(">H", data, position)
        segment_end = position + length
        if length < 2 or segment_end > len(data):
            raise StructureError(
                f"a JPEG segment (0xFF{marker:02X}) runs past the end of the file", truncated=True
            )
        if marker == 0xE2 and data[position + 2 : position + 6] == b"MPF\x00" and mpf_offset is None:
            mpf_offset = position + 6
            entries = _mpf_entries(data[mpf_offset:segment_end])
        position = segment_end
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            match = _ENTROPY_END.search(data, position)
            if match is None:
                raise StructureError(
                    "the JPEG's scan data runs to the end of the file (no end-of-image)", truncated=True
                )
            position = match.start()


def _mpf_entries(tiff: bytes) -> tuple[tuple[int, int], ...]:
    """(offset, size) of every image but the first listed by an MPF index (CIPA DC-007, MP Entry tag)."""
    if tiff[:4] == b"II*\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00*":
        order = ">"
    else:
        raise StructureError("the MPF index has no TIFF header")
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    if ifd + 2 > len(tiff):
        raise StructureError("the MPF index points past its segment")
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for index in range(count):
        at = ifd + 2 + 12 * index
        if at + 12 > len(tiff):
            raise StructureError("the MPF index is cut short")
        tag, _type, length, value = struct.unpack_from(order + "HHII", tiff, at)
        if tag == 0xB002:  # MPEntry: 16 bytes per image
            if length % 16 or value + length > len(tiff):
                raise StructureError("the MPF image list is malformed")
            images = []
            for entry in range(length // 16):
                _attributes, size, offset = struct.unpack_from(order + "III", tiff, value + 16 * entry)
                if entry:  # the first entry is the primary image itself (offset 0)
                    images.append((offset, size))
            return tuple(images)
    return ()


def _jpeg_trailer(data: bytes) -> Trailer:
    layout = _jpeg_layout(data)
    if layout.mpf_tiff_offset is None or not layout.mpf_entries:
        return Trailer(layout.end, data[layout.end :], exact=True)
    # A camera's multi-picture file (MPF): further JPEGs (previews, depth or gain maps, stereo views) follow
    # the primary image where its index says. Those are images, not a trailer; what is left around them is.
    covered = layout.end
    rest = bytearray()
    for offset, size in sorted(layout.mpf_entries):
        begin = layout.mpf_tiff_offset + offset
        if begin < covered or begin + size > len(data):
            raise StructureError("an MPF image overlaps another or runs past the end of the file")
        image_end = _jpeg_layout(data, begin).end
        if image_end > begin + size:
            raise StructureError("an MPF image is longer than its index says")
        rest += data[covered:begin] + data[image_end : begin + size]
        covered = begin + size
    rest += data[covered:]
    return Trailer(layout.end, bytes(rest), exact=True)


# --- PNG ------------------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, data offset, data length) of each chunk up to and including IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        raise StructureError("no PNG signature")
    chunks = []
    position = len(_PNG_SIGNATURE)
    while True:
        if position + 8 > len(data):
            raise StructureError("the PNG ends without an IEND chunk", truncated=True)
        length, kind = struct.unpack_from(">I4s", data, position)
        if position + 12 + length > len(data):
            raise StructureError(
                f"the PNG's {kind.decode('latin-1')} chunk runs past the end of the file", truncated=True
            )
        chunks.append((kind, position + 8, length))
        position += 12 + length
        if kind == b"IEND":
            return chunks


def _png_end(data: bytes) -> int:
    _kind, offset, length = _png_chunks(data)[-1]
    return offset + length + 4


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by PNG colour type
# Adam7 passes: (x start, y start, x step, y step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_expected_bytes(width: int, height: int, bit_depth: int, colour_type: int, interlaced: bool) -> int:
    """How many bytes a PNG's image data inflates to: each row's filter byte plus its packed samples."""
    bits_per_pixel = bit_depth * _CHANNELS.get(colour_type, 4)

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits_per_pixel + 7) // 8)

    if not interlaced:
        return rows(width, height)
    return sum(
        rows((width - x + dx - 1) // dx if width > x else 0, (height - y + dy - 1) // dy if height > y else 0)
        for x, y, dx, dy in _ADAM7
    )


def png_rows_complete(data: bytes) -> bool:
    """True when the IDAT stream inflates to at least every row the header declares.

    Inflating costs about as much as decoding, in bounded memory (the output is counted, not kept).
    """
    chunks = _png_chunks(data)
    kind, offset, _length = chunks[0]
    if kind != b"IHDR":
        raise StructureError("the PNG does not start with IHDR")
    width, height, bit_depth, colour_type, _compression, _filter, interlace = struct.unpack_from(
        ">IIBBBBB", data, offset
    )
    expected = png_expected_bytes(width, height, bit_depth, colour_type, interlace == 1)
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for kind, offset, length in chunks:
            if kind != b"IDAT":
                continue
            pending = data[offset : offset + length]
            while pending and produced < expected:
                produced += len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
            if produced >= expected:
                return True
    except zlib.error:
        return False
    return produced >= expected


# --- WebP, TIFF, AVIF -------------------------------------------------------------------------------------


def _webp_end(data: bytes) -> int:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise StructureError("no RIFF/WEBP header")
    (size,) = struct.unpack_from("<I", data, 4)
    end = 8 + size + (size & 1)
    if end > len(data) + (size & 1):
        raise StructureError("the RIFF size runs past the end of the file", truncated=True)
    return min(end, len(data))


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_OFFSET_TAGS = {(273, 279), (324, 325)}  # (StripOffsets, StripByteCounts), (TileOffsets, TileByteCounts)
_IFD_POINTERS = {330, 34665, 34853, 40965}  # SubIFDs, Exif, GPS, Interoperability


def _tiff_end(data: bytes) -> int:
    """The furthest byte any IFD, tag value, strip or tile reaches (classic TIFF; BigTIFF: the whole file)."""
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        return len(data)  # BigTIFF or unknown: the end cannot be determined
    furthest = 8
    pending = [struct.unpack_from(order + "I", data, 4)[0]]
    seen: set[int] = set()
    while pending and len(seen) < 256:
        ifd = pending.pop()
        if ifd in seen or ifd == 0 or ifd + 2 > len(data):
            continue
        seen.add(ifd)
        (count,) = struct.unpack_from(order + "H", data, ifd)
        table_end = ifd + 2 + 12 * count + 4
        if table_end > len(data):
            raise StructureError("a TIFF directory runs past the end of the file", truncated=True)
        furthest = max(furthest, table_end)
        values: dict[int, list[int]] = {}
        for index in range(count):
            tag, kind, length, value = struct.unpack_from(order + "HHII", data, ifd + 2 + 12 * index)
            size = _TIFF_TYPE_SIZES.get(kind, 1) * length
            at = ifd + 2 + 12 * index + 8 if size <= 4 else value
            if size > 4:
                furthest = max(furthest, value + size)
            if tag in {t for pair in _OFFSET_TAGS for t in pair} | _IFD_POINTERS and kind in (3, 4, 13):
                item = 2 if kind == 3 else 4
                fmt = order + ("H" if kind == 3 else "I") * length
                if at + item * length <= len(data):
                    values[tag] = list(struct.unpack_from(fmt, data, at))
        for offsets_tag, counts_tag in _OFFSET_TAGS:
            for offset, byte_count in zip(
                values.get(offsets_tag, ()), values.get(counts_tag, ()), strict=False
            ):
                furthest = max(furthest, offset + byte_count)
        for tag in _IFD_POINTERS:
            pending.extend(values.get(tag, ()))
        (next_ifd,) = struct.unpack_from(order + "I", data, ifd + 2 + 12 * count)
        pending.append(next_ifd)
    return min(furthest, len(data))


def _isobmff_end(data: bytes) -> int:
    """The end of the last whole top-level box of an ISO media file (AVIF)."""
    position = 0
    while position + 8 <= len(data):
        size, _kind = struct.unpack_from(">I4s", data, position)
        if size == 1:
            if position + 16 > len(data):
                break
            (size,) = struct.unpack_from(">Q", data, position + 8)
        elif size == 0:  # the box runs to the end of the file
            return len(data)
        if size < 8 or position + size > len(data):
            break
        position += size
    return position
