"""Cost of licence derivation and of the licence sweep, side by side in one run.

- derive(depth=d): ``governance.licensing.effective_licence`` on an AI output whose lineage is a chain of
  ``d`` AI edits above a stock photo (each edit made by a registered model), as the publish gate and the
  evidence bundle call it; ratios to depth 1;
- gate(depth=d): ``governance.gate.publishability`` on the same asset (licence + review + provenance +
  status), for comparison with the licence part alone;
- sweep: ``governance.licensing.enforcement.sweep`` over N families (an expired stock photo with 3 outputs
  derived from it), per asset marked — the first sweep that marks and audits, then a second one that
  finds nothing left to do.

Runs on a temporary SQLite database under a scratch var/ (no files: derivation reads rows only).

    .venv/bin/python bench/licence_derivation.py [--rounds 50] [--families 50]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _setup(scratch: Path) -> None:
    os.environ["PHOTAI_VAR_DIR"] = str(scratch / "var")
    os.environ.pop("DATABASE_URL", None)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _asset(workspace: Any, *, parent: Any = None, licence: dict[str, Any] | None = None) -> Any:
    from governance.licensing import record_licence
    from photai_dam.assets.models import Asset, AssetParent
    from photai_dam.jobs.models import Job, JobOutput

    pk = uuid.uuid4()
    asset = Asset.objects.create(
        id=pk,
        workspace=workspace,
        file=f"bench/{pk}.png",
        sha256=hashlib.sha256(pk.bytes).hexdigest(),
        mime_type="image/png",
        width=8,
        height=8,
        size=1,
        origin="ai_edited" if parent is not None else "upload",
    )
    if parent is None:
        record_licence(asset=asset, data=licence, actor=None, source="upload")
    else:
        AssetParent.objects.create(child=asset, parent=parent)
        job = Job.objects.create(
            workspace=workspace, operation="image_to_image", queue="gpu", model_key="bench-model"
        )
        JobOutput.objects.create(job=job, asset=asset, index=0)
    return asset


def _interleaved_ms(fns: list[Any], rounds: int) -> list[float]:
    """Median ms of each function, timed alternately so load on shared CPUs hits all of them alike."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            fn()
            samples[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(s) for s in samples]


def run(rounds: int, families: int) -> None:
    from fixtures import licences
    from governance import clock
    from governance.gate import publishability
    from governance.licensing import effective_licence
    from governance.licensing.enforcement import sweep
    from inference.models import ModelRecord
    from photai_dam.workspaces.models import Workspace

    workspace = Workspace.objects.create(slug="bench", name="Bench")
    ModelRecord.objects.create(
        key="bench-model",
        name="bench",
        hub_repo_id="example/bench",
        pipeline_task="text_to_image",
        licence_id="openrail++",
        commercial_use_allowed=True,
    )
    now = clock.now()
    print("| depth | derive (median ms) | ratio to depth 1 | gate (median ms) | gate / derive |")
    print("|---|---|---|---|---|")
    base = None
    for depth in (1, 4, 16):
        asset = _asset(workspace, licence=licences.stock(expires_at=now + timedelta(days=30)))
        for _ in range(depth):
            asset = _asset(workspace, parent=asset)
        derive, gate = _interleaved_ms(
            [
                lambda a=asset: effective_licence(a),
                lambda a=asset: publishability(a, channel="web", territory="US"),
            ],
            rounds,
        )
        base = base or derive
        print(f"| {depth} | {derive:.2f} | {derive / base:.2f} | {gate:.2f} | {gate / derive:.2f} |")

    for _ in range(families):
        root = _asset(workspace, licence=licences.stock(expires_at=now + timedelta(days=1)))
        for _ in range(3):
            _asset(workspace, parent=root)
    later = now + timedelta(days=2)
    started = time.perf_counter()
    first = sweep(at=later)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = sweep(at=later)
    second_s = time.perf_counter() - started
    marked = len(first.expired)
    print()
    print(
        f"sweep: {marked} assets marked expired in {first_s * 1000:.0f} ms "
        f"({first_s * 1000 / marked:.2f} ms/asset);"
    )
    print(
        f"second sweep: {len(second.expired)} marked, {second.checked} re-checked in {second_s * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--families", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        _setup(Path(scratch))
        run(args.rounds, args.families)


if __name__ == "__main__":
    main()
