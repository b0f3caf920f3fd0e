"""Load: N editors upload, resize, poll and fetch for D seconds against gunicorn + a separate Dramatiq
worker on PostgreSQL + Redis, then every accepted upload and job is reconciled.

Each editor (its own user and token) loops: upload a distinct 640x480 photo -> POST a resize job -> poll the
job every 200 ms until it ends -> GET the output asset. Reported: loops/min, p50/p99 per endpoint, job
end-to-end p50/p99, errors (anything but the expected status, or a job that did not succeed), and the
reconciliation: after the run (and the in-flight jobs' drain), every upload and job the API accepted is
fetched back; each job must have ended and have its output; the workspace's asset count must equal
uploads + outputs.

    # start everything itself (own database on 127.0.0.1:5432, own Redis namespace), run, tear down:
    .venv/bin/python bench/load.py --start --editors 50 --duration 300
    # against a running deployment (editors' tokens as a JSON list, workspace slug):
    .venv/bin/python bench/load.py --base-url http://127.0.0.1:8000 --tokens tokens.json --workspace demo

``--start`` never touches shared services beyond creating and dropping its own database
(photai_load_<pid>) and deleting its own Redis keys (namespace load-<pid>).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
FINISHED = {"succeeded", "failed", "cancelled"}


def _photo(editor: int, loop: int) -> bytes:
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle([40 + loop % 200, 60, 300, 300], fill=(editor * 37 % 255, loop * 11 % 255, 120))
    draw.text((20, 20), f"editor {editor} loop {loop}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.uploads: list[str] = []
        self.jobs: list[str] = []
        self.job_seconds: list[float] = []
        self.loops = 0


async def _timed(stats: Stats, name: str, request: Any) -> httpx.Response:
    started = time.perf_counter()
    response = await request
    stats.latency[name].append(time.perf_counter() - started)
    return response


async def _editor(
    client: httpx.AsyncClient, index: int, token: str, ws: str, until: float, stats: Stats
) -> None:
    headers = {"Authorization": f"Token {token}"}
    api = f"/api/v1/workspaces/{ws}"
    loop = 0
    while time.monotonic() < until:
        loop += 1
        try:
            upload = await _timed(
                stats,
                "POST assets",
                client.post(f"{api}/assets", headers=headers, files={"file": ("p.jpg", _photo(index, loop))}),
            )
            if upload.status_code != 201:
                stats.errors.append(f"upload {upload.status_code}: {upload.text[:200]}")
                continue
            asset_id = upload.json()["id"]
            stats.uploads.append(asset_id)
            submitted = time.monotonic()
            job = await _timed(
                stats,
                "POST jobs",
                client.post(
                    f"{api}/jobs",
                    headers=headers,
                    json={
                        "operation": "resize",
                        "inputs": [asset_id],
                        "params": {"width": 320, "height": 320},
                    },
                ),
            )
            if job.status_code != 202:
                stats.errors.append(f"job {job.status_code}: {job.text[:200]}")
                continue
            job_id = job.json()["id"]
            stats.jobs.append(job_id)
            while True:
                await asyncio.sleep(0.2)
                polled = await _timed(stats, "GET job", client.get(f"{api}/jobs/{job_id}", headers=headers))
                body = polled.json() if polled.status_code == 200 else {}
                if polled.status_code != 200:
                    stats.errors.append(f"poll {polled.status_code}")
                    break
                if body["status"] in FINISHED:
                    break
            stats.job_seconds.append(time.monotonic() - submitted)
            if body.get("status") != "succeeded":
                stats.errors.append(f"job {job_id} {body.get('status')}: {body.get('error')}")
                continue
            output = await _timed(
                stats, "GET asset", client.get(f"{api}/assets/{body['outputs'][0]}", headers=headers)
            )
            if output.status_code != 200:
                stats.errors.append(f"get output {output.status_code}")
                continue
            stats.loops += 1
        except httpx.HTTPError as exc:
            stats.errors.append(f"{type(exc).__name__}: {exc}")


async def _reconcile(base_url: str, token: str, ws: str, stats: Stats, drain_s: float) -> dict[str, Any]:
    headers = {"Authorization": f"Token {token}"}
    api = f"/api/v1/workspaces/{ws}"
    problems: list[str] = []
    outputs = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as client:
        deadline = time.monotonic() + drain_s
        for job_id in stats.jobs:
            while True:
                body = (await client.get(f"{api}/jobs/{job_id}")).json()
                if body.get("status") in FINISHED or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            if body.get("status") not in FINISHED:
                problems.append(f"job {job_id} did not end: {body.get('status')}")
            elif body["status"] == "succeeded":
                outputs += len(body["outputs"])
                if len(body["outputs"]) != 1:
                    problems.append(f"job {job_id} has {len(body['outputs'])} outputs")
        for asset_id in stats.uploads:
            if (await client.get(f"{api}/assets/{asset_id}")).status_code != 200:
                problems.append(f"upload {asset_id} is not reachable")
        listed = (await client.get(f"{api}/assets", params={"page_size": 1})).json()
        total = listed.get("count")
    if total != len(stats.uploads) + outputs:
        problems.append(
            f"the workspace lists {total} assets; {len(stats.uploads)} uploads + {outputs} outputs"
        )
    return {
        "uploads": len(stats.uploads),
        "jobs": len(stats.jobs),
        "outputs": outputs,
        "assets_listed": total,
        "problems": problems[:50],
        "ok": not problems,
    }


async def run_load(
    base_url: str, tokens: list[str], ws: str, duration: float, drain_s: float
) -> dict[str, Any]:
    stats = Stats()
    # The client drops idle connections well before the server does (gunicorn --keep-alive 75): reusing one
    # the server is closing at that moment fails with a read error that no server caused.
    limits = httpx.Limits(
        max_connections=len(tokens) * 2, max_keepalive_connections=len(tokens) * 2, keepalive_expiry=10
    )
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        until = time.monotonic() + duration
        await asyncio.gather(*(_editor(client, i, t, ws, until, stats) for i, t in enumerate(tokens)))
    elapsed = time.monotonic() - started
    reconciliation = await _reconcile(base_url, tokens[0], ws, stats, drain_s)
    return {
        "editors": len(tokens),
        "duration_s": round(elapsed, 1),
        "loops": stats.loops,
        "loops_per_min": round(stats.loops / elapsed * 60, 1),
        "requests": sum(len(v) for v in stats.latency.values()),
        "endpoints": {
            name: {
                "count": len(values),
                "p50_ms": round(_percentile(values, 50) * 1000, 1),
                "p99_ms": round(_percentile(values, 99) * 1000, 1),
            }
            for name, values in sorted(stats.latency.items())
        },
        "job_end_to_end": {
            "p50_s": round(_percentile(stats.job_seconds, 50), 2),
            "p99_s": round(_percentile(stats.job_seconds, 99), 2),
        },
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "reconciliation": reconciliation,
    }


# --- --start: a deployment of our own on loopback ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout


MAKE_EDITORS = """
import json, sys
import django; django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from photai_dam.workspaces import actions
from photai_dam.workspaces.choices import Role
ws = actions.create_workspace(slug="load", name="Load")
tokens = []
for i in range(int(sys.argv[1])):
    user = get_user_model().objects.create_user(username=f"editor{i}", password=None)
    actions.set_membership(workspace=ws, user=user, roles=[Role.EDITOR])
    tokens.append(Token.objects.create(user=user).key)
print(json.dumps(tokens))
"""


@contextmanager
def deployment(editors: int, *, web_workers: int, worker_threads: int) -> Iterator[tuple[str, list[str]]]:
    """gunicorn + one Dramatiq worker process on a fresh database and Redis namespace; torn down after."""
    name = f"photai_load_{os.getpid()}"
    namespace = f"load-{os.getpid()}"
    var = Path(tempfile.mkdtemp(prefix="photai-load-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "BROKER_"))},
        "DATABASE_URL": f"{PG}/{name}",
        "BROKER_URL": REDIS,
        "BROKER_NAMESPACE": namespace,
        "PHOTAI_VAR_DIR": str(var),
        "PHOTAI_EMBEDDED_WORKER": "0",
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "photai_dam.settings",
        # Many editors share one client address: the per-user verify rate is not exercised here.
        "LOG_LEVEL": "WARNING",
    }
    createdb = ["createdb", "-h", "127.0.0.1", "-U", "postgres", name]
    subprocess.run(createdb, check=True)  # noqa: S603 (PostgreSQL's client, fixed arguments)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        _manage(env, "migrate", "--noinput")
        _manage(env, "ensure_signing_identity")
        tokens = json.loads(
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", MAKE_EDITORS, str(editors)],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        port = _free_port()
        logs = var / "logs"
        logs.mkdir()
        processes.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "photai_dam.wsgi", "-b", f"127.0.0.1:{port}",
                 "-w", str(web_workers), "--threads", "4", "--timeout", "120", "--keep-alive", "75"],
                cwd=REPO, env=env, stdout=(logs / "web.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        processes.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads",
                 str(worker_threads), "--queues", "cpu", "notifications", "integrations"],
                cwd=REPO, env=env, stdout=(logs / "worker.log").open("wb"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"the deployment did not start; logs in {logs}")
            time.sleep(0.3)
        yield base_url, tokens
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        dropdb = ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name]
        subprocess.run(dropdb, check=False)  # noqa: S603
        _drop_namespace(namespace)
        shutil.rmtree(var, ignore_errors=True)


def _drop_namespace(namespace: str) -> None:
    """Delete this run's keys (and only them) from the shared Redis."""
    import redis

    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--drain", type=float, default=120, help="seconds to let in-flight jobs end")
    parser.add_argument("--start", action="store_true", help="start gunicorn + worker on a fresh database")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--worker-threads", type=int, default=2)
    parser.add_argument("--base-url")
    parser.add_argument("--tokens", help="JSON file: a list of editor tokens")
    parser.add_argument("--workspace", default="load")
    parser.add_argument("--json", action="store_true", help="print only the JSON report")
    args = parser.parse_args()
    if args.start:
        with deployment(args.editors, web_workers=args.web_workers, worker_threads=args.worker_threads) as (
            base_url,
            tokens,
        ):
            report = asyncio.run(run_load(base_url, tokens, "load", args.duration, args.drain))
    else:
        if not args.base_url or not args.tokens:
            parser.error("give --start, or --base-url with --tokens")
        tokens = json.loads(Path(args.tokens).read_text())[: args.editors]
        report = asyncio.run(run_load(args.base_url, tokens, args.workspace, args.duration, args.drain))
    report["command"] = " ".join(["bench/load.py", *sys.argv[1:]])
    report["load_average"] = os.getloadavg()
    if not args.json:
        print(
            f"{report['editors']} editors, {report['duration_s']} s: {report['loops']} loops "
            f"({report['loops_per_min']}/min), {report['errors']} errors, job end-to-end "
            f"p50 {report['job_end_to_end']['p50_s']} s p99 {report['job_end_to_end']['p99_s']} s"
        )
        for name, figures in report["endpoints"].items():
            p50, p99 = figures["p50_ms"], figures["p99_ms"]
            print(f"  {name:12} n={figures['count']:6}  p50 {p50:8.1f} ms  p99 {p99:8.1f} ms")
        print(f"  reconciliation: {report['reconciliation']}")
    print(json.dumps(report))
    sys.exit(0 if report["errors"] == 0 and report["reconciliation"]["ok"] else 1)


if __name__ == "__main__":
    main()
