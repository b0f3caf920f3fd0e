"""Restoration quality: PSNR and SSIM against the clean original, before and after ``restore``.

Each photo (native resolution: never resampled; photos larger than --max-side are centre-cropped to it,
which keeps their own pixels) gets known damage from ``fixtures.degradation`` — Gaussian noise sigma 12,
scratches, dust, then a JPEG save at quality 20 — and is restored by the production stages
(``inference.restoration.restore``, default options: deblock, dust and scratches, denoise) with the
JPEG's own quantisation tables, as the worker reads them from the uploaded file.

Photos: the 16 of fixtures/photos, plus the photographs of Debian's ``mate-backgrounds`` package (fetched
at run time with ``apt-get download`` + ``dpkg-deb -x`` into a temporary folder; never committed; GPL-2+).

    .venv/bin/python bench/restoration.py             # the table in docs/benchmarks.md
    .venv/bin/python bench/restoration.py --no-download
    .venv/bin/python bench/restoration.py --dry       # two small photos, seconds (run by the tests)
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.degradation import JPEG_QUALITY, NOISE_SIGMA, degrade, psnr, ssim
from fixtures.photos import FOLDER as FIXTURE_PHOTOS
from fixtures.photos import NAMES as FIXTURE_NAMES

DEBIAN_PACKAGE = "mate-backgrounds"
DEBIAN_FOLDER = "usr/share/backgrounds/mate/nature"  # photographs (the package's other folders are art)


def debian_photos(scratch: Path) -> list[Path]:
    """The photographs of Debian's mate-backgrounds package, unpacked under ``scratch``."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        print("apt-get/dpkg-deb not found: fixtures only")
        return []
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["apt-get", "download", DEBIAN_PACKAGE],  # noqa: S607 - the system's apt
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
    )
    debs = list(scratch.glob(f"{DEBIAN_PACKAGE}_*.deb"))
    if result.returncode != 0 or not debs:
        print(f"apt-get download {DEBIAN_PACKAGE} failed ({result.stderr.strip()[-200:]}): fixtures only")
        return []
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(scratch / "x")], check=True, timeout=300)  # noqa: S603,S607
    return sorted((scratch / "x" / DEBIAN_FOLDER).glob("*.jpg"))


def centre_crop(image: Image.Image, side: int) -> Image.Image:
    width, height = image.size
    if max(width, height) <= side:
        return image
    left, top = max(0, (width - side) // 2), max(0, (height - side) // 2)
    return image.crop((left, top, left + min(width, side), top + min(height, side)))


def measure(paths: list[Path], max_side: int) -> list[dict]:
    from inference.restoration import restore

    rows = []
    for seed, path in enumerate(paths):
        with Image.open(path) as opened:
            clean_image = centre_crop(opened.convert("RGB"), max_side)
        clean = np.asarray(clean_image)
        damaged = Image.open(io.BytesIO(degrade(clean, seed)))
        damaged.load()
        before = np.asarray(damaged.convert("RGB"))
        started = time.perf_counter()
        restored, stages = restore(before, quantization=damaged.quantization)
        elapsed = time.perf_counter() - started
        scratches = next((s for s in stages if s.name == "scratches" and s.applied), None)
        rows.append(
            {
                "photo": path.name,
                "size": f"{clean.shape[1]}x{clean.shape[0]}",
                "grey": bool(np.array_equal(clean[..., 0], clean[..., 1])),
                "psnr_before": psnr(before, clean),
                "psnr_after": psnr(restored, clean),
                "ssim_before": ssim(before, clean),
                "ssim_after": ssim(restored, clean),
                "inpainted": scratches.parameters["fraction"] if scratches else 0.0,
                "seconds": elapsed,
            }
        )
        row = rows[-1]
        print(
            f"  {row['photo']:24s} {row['size']:>9s}  "
            f"PSNR {row['psnr_before']:5.2f} -> {row['psnr_after']:5.2f}"
            f"  SSIM {row['ssim_before']:.3f} -> {row['ssim_after']:.3f}  {elapsed:5.1f} s",
            flush=True,
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--max-side", type=int, default=1024, help="centre-crop larger photos to this")
    parser.add_argument("--no-download", action="store_true", help="fixtures/photos only")
    parser.add_argument("--dry", action="store_true", help="two small fixture photos")
    args = parser.parse_args(argv)
    import cv2

    cv2.setNumThreads(1)  # the shared 2-core box; one core, as one worker thread has
    with tempfile.TemporaryDirectory(prefix="photai-restore-bench-") as tmp:
        paths = [FIXTURE_PHOTOS / name for name in FIXTURE_NAMES]
        if args.dry:
            paths = [FIXTURE_PHOTOS / "chelsea.png", FIXTURE_PHOTOS / "coins.png"]
        elif not args.no_download:
            paths += debian_photos(Path(tmp))
        print(
            f"## restore on {len(paths)} photos: noise sigma {NOISE_SIGMA:g}, scratches, dust, "
            f"JPEG q{JPEG_QUALITY}"
        )
        rows = measure(paths, args.max_side)

    print(
        "\n| photo | size | PSNR degraded | PSNR restored | Δ dB | SSIM degraded | SSIM restored | Δ SSIM |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['photo']}{' (grey)' if r['grey'] else ''} | {r['size']} | {r['psnr_before']:.2f} | "
            f"{r['psnr_after']:.2f} | {r['psnr_after'] - r['psnr_before']:+.2f} | {r['ssim_before']:.3f} | "
            f"{r['ssim_after']:.3f} | {r['ssim_after'] - r['ssim_before']:+.3f} |"
        )
    d_psnr = [r["psnr_after"] - r["psnr_before"] for r in rows]
    d_ssim = [r["ssim_after"] - r["ssim_before"] for r in rows]
    worse = [r["photo"] for r, p, s in zip(rows, d_psnr, d_ssim, strict=True) if p < 0 or s < 0]
    print(
        f"\nphotos: {len(rows)}; median gain {statistics.median(d_psnr):+.2f} dB PSNR, "
        f"{statistics.median(d_ssim):+.3f} SSIM; smallest {min(d_psnr):+.2f} dB, {min(d_ssim):+.3f}; "
        f"worse on {len(worse)}{': ' + ', '.join(worse) if worse else ''}"
    )
    print(f"median time per photo: {statistics.median(r['seconds'] for r in rows):.1f} s (one core)")
    goal = statistics.median(d_psnr) >= 1.5 and statistics.median(d_ssim) >= 0.03 and not worse
    print(f"goal (median >= +1.5 dB and >= +0.03 SSIM, worse on none): {'met' if goal else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
