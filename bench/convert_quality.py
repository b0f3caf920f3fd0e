"""Which JPEG and WebP qualities the watermark survives: the floor of ``convert``'s ``quality`` parameter.

Each output of ``convert`` is watermarked, encoded at the requested quality and read back before it is
stored (governance.finalise); below some quality the mark no longer decodes and the job fails with
``watermark_not_decodable``. This sweep does exactly those steps (embed, encode, decode the bytes without
rescaling) for every photo in fixtures/photos at its own size, for each format and quality, and prints
how many photos decode; the smallest quality at and above which *every* photo decodes is the measured
floor (``inference.operations.classical.CONVERT_MIN_QUALITY`` adds one step of margin to it).

    .venv/bin/python bench/convert_quality.py            # 16 photos (~1-2 min on 2 cores)
    .venv/bin/python bench/convert_quality.py --quick    # 4 photos
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.photos import NAMES, photo
from governance import watermark

QUALITIES = {
    "JPEG": [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95],
    "WEBP": [10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95],
}


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, quality=quality)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    names = NAMES[:4] if args.quick else NAMES
    started = time.monotonic()
    survived: dict[str, dict[int, int]] = {fmt: dict.fromkeys(qs, 0) for fmt, qs in QUALITIES.items()}
    for index, name in enumerate(names):
        image = photo(name).convert("RGB")
        mark = 1000 + index
        marked = watermark.embed(image, mark)
        for fmt, qualities in QUALITIES.items():
            for quality in qualities:
                if watermark.decode_bytes(encode(marked, fmt, quality), rescale=False) == mark:
                    survived[fmt][quality] += 1
    floors = {}
    for fmt, counts in survived.items():
        passing = [q for q in sorted(counts) if all(counts[h] == len(names) for h in counts if h >= q)]
        floors[fmt] = passing[0] if passing else None
    print(f"{len(names)} photos ({', '.join(names)}), {time.monotonic() - started:.0f} s")
    for fmt, counts in survived.items():
        row = "  ".join(f"q{q}:{n}/{len(names)}" for q, n in counts.items())
        print(f"{fmt:5} {row}")
    print(json.dumps({"photos": len(names), "survived": survived, "floor": floors}))


if __name__ == "__main__":
    main()
