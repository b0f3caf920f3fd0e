"""Governance overhead per 1024x1024 JPEG output: watermark, C2PA sign, verify, and the whole
finalisation, each as a ratio to Pillow's JPEG encode (quality 90) of the same image, in one run.

- encode: ``governance.finalise.encode`` (Pillow JPEG q90) — the baseline every ratio divides by;
- watermark: ``governance.watermark.embed`` (vectorised dwtDctSvd + our payload), and for reference the
  same payload through imwatermark's own encoder;
- sign: c2pa Builder + Signer with the service's context (no thumbnail), on the encoded bytes;
- sign (thumbnail 256): the same with a 256 px JPEG thumbnail, for reference;
- verify: read + validate the manifest (c2pa Reader with the trust anchors) and decode the watermark at
  the native scale, as finalisation's read-back and ``provenance.check_asset`` do;
- finalise: ``governance.finalise.finalise_output`` end to end (watermark, encode, sign, read back,
  watermark check, database look-ups).

Images: 5 photos from fixtures/photos at 1024x1024; every step timed on each, median over all.
Runs on a temporary SQLite database under a scratch var/ with a fresh local signing identity.

    .venv/bin/python bench/governance_overhead.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
PHOTOS = ["astronaut.png", "coffee.png", "retina.jpg", "rocket.jpg", "grace_hopper.jpg"]


def _setup(scratch: Path) -> None:
    os.environ["PHOTAI_VAR_DIR"] = str(scratch / "var")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("ensure_signing_identity", verbosity=0, stdout=io.StringIO())


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        _setup(Path(scratch))
        run(args.rounds)


def run(rounds: int) -> None:
    import c2pa
    import numpy as np

    from fixtures.photos import photo
    from governance import finalise, watermark
    from governance.provenance.identity import c2pa_context, identity_for
    from governance.provenance.reading import read_manifest
    from governance.watermark import carrier, payload
    from photai_dam.workspaces.models import Workspace

    workspace = Workspace.objects.create(slug="bench", name="Bench")
    manifest = {
        "claim_generator_info": [{"name": "photai-dam", "version": "bench"}],
        "title": "bench",
        "format": "image/jpeg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": TRAINED}]},
            }
        ],
    }

    def sign(data: bytes, context: Any) -> bytes:
        signer = identity_for(workspace).signer()
        out = io.BytesIO()
        with c2pa.Builder(manifest, context=context) as builder:
            builder.sign(signer, "image/jpeg", io.BytesIO(data), out)
        signer.close()
        return out.getvalue()

    thumb_context = c2pa.Context.from_dict(
        {"builder": {"thumbnail": {"enabled": True, "format": "jpeg", "long_edge": 256}}}
    )
    # warm-up: imports (torch via imwatermark, c2pa library), first-call costs
    warm = photo(PHOTOS[0], (1024, 1024))
    sign(finalise.encode(watermark.embed(warm, 1), "JPEG", 90), c2pa_context())

    timings: dict[str, list[float]] = {
        k: []
        for k in ("encode", "watermark", "watermark_library", "sign", "sign_thumb256", "verify", "finalise")
    }
    sizes: dict[str, list[int]] = {"plain": [], "signed": [], "signed_thumb256": []}
    for _ in range(rounds):
        for name in PHOTOS:
            image = photo(name, (1024, 1024))
            t, plain = _time(lambda image=image: finalise.encode(image, "JPEG", 90))
            timings["encode"].append(t)
            t, marked = _time(lambda image=image: watermark.embed(image, 0x123456789A))
            timings["watermark"].append(t)
            bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
            codeword = payload.encode_id(0x123456789A)
            t, _ = _time(lambda bgr=bgr, codeword=codeword: carrier.embed_bits_with_library(bgr, codeword))
            timings["watermark_library"].append(t)
            encoded = finalise.encode(marked, "JPEG", 90)
            t, signed = _time(lambda encoded=encoded: sign(encoded, c2pa_context()))
            timings["sign"].append(t)
            t, signed_thumb = _time(lambda encoded=encoded: sign(encoded, thumb_context))
            timings["sign_thumb256"].append(t)

            def verify(signed: bytes = signed) -> None:
                report = read_manifest(signed, "image/jpeg")
                assert report is not None and report["validation_state"] == "Trusted", report
                assert watermark.decode_bytes(signed, rescale=False) == 0x123456789A

            t, _ = _time(verify)
            timings["verify"].append(t)
            spec = finalise.OutputSpec(
                asset_id=uuid.uuid4(),
                workspace=workspace,
                image=image,
                format="JPEG",
                quality=90,
                operation="text_to_image",
                kind="generative",
                job_id=None,
                model=None,
                seed=1,
                prompt="p",
                sources=[],
            )
            t, _ = _time(lambda spec=spec: finalise.finalise_output(spec))
            timings["finalise"].append(t)
            sizes["plain"].append(len(plain))
            sizes["signed"].append(len(signed))
            sizes["signed_thumb256"].append(len(signed_thumb))

    medians = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    base = medians["encode"]
    print(
        f"{len(PHOTOS)} photos x {rounds} rounds at 1024x1024 JPEG q90 (median ms; ratio to Pillow's encode)"
    )
    rows = [
        ("Pillow JPEG encode (baseline)", "encode"),
        ("watermark embed", "watermark"),
        ("  (same, imwatermark's encoder)", "watermark_library"),
        ("C2PA sign, no thumbnail", "sign"),
        ("C2PA sign, 256 px thumbnail", "sign_thumb256"),
        ("verify (manifest + watermark)", "verify"),
        ("finalise_output end to end", "finalise"),
    ]
    for label, key in rows:
        print(f"  {label:32s} {medians[key]:8.1f} ms  {medians[key] / base:7.1f}x")
    component_total = medians["watermark"] + medians["encode"] + medians["sign"] + medians["verify"]
    print(
        f"  {'watermark+encode+sign+verify':32s} {component_total:8.1f} ms  "
        f"{component_total / base:7.1f}x  (goal <= 5x)"
    )
    overhead = {
        "manifest_bytes_no_thumbnail": statistics.median(
            s - p for s, p in zip(sizes["signed"], sizes["plain"], strict=True)
        ),
        "manifest_bytes_thumb256": statistics.median(
            s - p for s, p in zip(sizes["signed_thumb256"], sizes["plain"], strict=True)
        ),
    }
    print(
        f"  manifest size: {overhead['manifest_bytes_no_thumbnail']:.0f} B without thumbnail, "
        f"{overhead['manifest_bytes_thumb256']:.0f} B with a 256 px one "
        f"(plain JPEG ~{statistics.median(sizes['plain']) / 1024:.0f} KB)"
    )
    print(json.dumps({"median_ms": medians, "ratio": {k: v / base for k, v in medians.items()}, **overhead}))


if __name__ == "__main__":
    main()
