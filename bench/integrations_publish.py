"""What idempotent publishing costs on a real WordPress: a bare media upload vs. the connector's publish.

Starts a throwaway WordPress (scripts/wordpress-local.sh), then for each of N images, side by side:
  raw      one multipart POST /wp/v2/media with alt text and caption (a client with no retry safety);
  publish  WordPressConnector.publish: look the slug up, then upload (what a first attempt does);
  retry    WordPressConnector.publish again with its checkpoint lost (what a retried attempt does: the
           slug lookup finds the media, metadata is re-asserted, nothing is uploaded).
Prints median milliseconds and the ratios publish/raw and retry/raw, and checks that the retries left
exactly one media per publication.

    .venv/bin/python bench/integrations_publish.py [--images 15]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(pid_file: Path) -> None:
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    import httpx

    from fixtures.images import image_bytes
    from integrations.base import PublishRequest
    from integrations.wordpress.connector import WordPressConnector

    directory = Path(tempfile.mkdtemp(prefix="bench-wp-"))
    env = {**os.environ, "D": str(directory), "PORT": str(_port())}
    started = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        ["/bin/bash", str(ROOT / "scripts" / "wordpress-local.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        values = dict(p.split("=", 1) for p in started.stdout.strip().splitlines()[-1].split() if "=" in p)
        url, user, password = values["WP_URL"], values["WP_USER"], values["WP_APP_PASSWORD"]
        connector = WordPressConnector(
            base_url=url, config={}, credentials={"username": user, "application_password": password}
        )
        raw_ms, publish_ms, retry_ms, duplicates = [], [], [], 0
        with httpx.Client(auth=(user, password), timeout=60) as client:
            for i in range(args.images):
                data = image_bytes("JPEG", 1024, 768, seed=i)
                t0 = time.perf_counter()
                response = client.post(
                    f"{url}/wp-json/wp/v2/media",
                    data={"alt_text": "alt", "caption": "AI-generated image", "title": f"raw {i}"},
                    files={"file": (f"raw-{i}.jpg", data, "image/jpeg")},
                )
                raw_ms.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 201, response.text

                publication_id = str(uuid.uuid4())
                request = PublishRequest(
                    publication_id=publication_id,
                    data=data,
                    filename=f"photai-{publication_id}.jpg",
                    mime_type="image/jpeg",
                    sha256=hashlib.sha256(data).hexdigest(),
                    title=f"bench {i}",
                    alt_text="alt",
                    disclosure="AI-generated image",
                    target={},
                )
                t0 = time.perf_counter()
                media = connector.publish(request)
                publish_ms.append((time.perf_counter() - t0) * 1000)

                request.state.clear()  # the answer was lost: the retry knows nothing
                t0 = time.perf_counter()
                again = connector.publish(request)
                retry_ms.append((time.perf_counter() - t0) * 1000)
                found = client.get(
                    f"{url}/wp-json/wp/v2/media", params={"slug": f"photai-{publication_id}"}
                ).json()
                duplicates += len(found) - 1 + (again.remote_id != media.remote_id)
        raw, publish, retry = (statistics.median(x) for x in (raw_ms, publish_ms, retry_ms))
        print(f"WordPress {url}, {args.images} JPEGs of 1024x768 (~{len(data) // 1024} KiB)")
        print(f"raw upload      median {raw:7.1f} ms")
        print(f"publish         median {publish:7.1f} ms   ratio publish/raw {publish / raw:.2f}")
        print(f"retry (no-op)   median {retry:7.1f} ms   ratio retry/raw   {retry / raw:.2f}")
        print(f"duplicate media after retries: {duplicates}")
    finally:
        _stop(directory / "run" / "php.pid")
        _stop(directory / "run" / "mariadbd.launcher.pid")


if __name__ == "__main__":
    main()
