"""Cost of the hash-chained audit log on PostgreSQL, measured side by side in one run:

1. one audited append (advisory lock + read the head + hash + INSERT) vs. a plain INSERT of the same row
   into an unchained scratch table: the price of tamper evidence per state change;
2. appends from 1 writer vs. 4 concurrent writers: the advisory lock serialises them, so the question is
   how much throughput concurrency costs (and the chain must still verify);
3. ``audit_verify`` speed: events checked per second.

Needs a scratch PostgreSQL database (it migrates it and leaves the events there):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/photai_bench \\
        .venv/bin/python bench/audit_chain.py [--events 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photai_dam.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from governance import audit
    from governance.audit.chain import verify_chain
    from governance.audit.models import AuditEvent

    call_command("migrate", verbosity=0)
    data = {
        "asset": "6f1c0d8e-1b7a-4b8e-9d55-0c2f6f0f2a11",
        "sha256": "ab" * 32,
        "stage": "brand",
        "comment": "ok",
    }
    with connection.cursor() as cursor:
        # A logged table with the audit table's indexes (a TEMP table would skip the WAL and flatter it).
        cursor.execute("DROP TABLE IF EXISTS bench_plain")
        cursor.execute(
            "CREATE TABLE bench_plain (id bigserial primary key, ts timestamptz, actor text, action text,"
            " object_type text, object_id text, data jsonb, hash varchar(64) unique)"
        )
        for column in ("ts", "action", "object_id"):
            cursor.execute(f"CREATE INDEX ON bench_plain ({column})")

    def plain_insert() -> None:
        import json

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain (ts, actor, action, object_type, object_id, data, hash)"
                " VALUES (now(), %s, %s, %s, %s, %s, md5(random()::text) || md5(random()::text))",
                ["bench", "review.approve", "review", "r1", json.dumps(data)],
            )

    def audited() -> None:
        with transaction.atomic():
            audit.record("bench.append", actor_label="bench", object_type="review", object_id="r1", data=data)

    def per_call_ms(fn, n: int) -> list[float]:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return times

    n = args.events
    # interleave the two in rounds so drift of the shared machine hits both alike
    plain: list[float] = []
    chained: list[float] = []
    for _ in range(5):
        plain += per_call_ms(plain_insert, n // 10)
        chained += per_call_ms(audited, n // 10)
    p_med, c_med = statistics.median(plain), statistics.median(chained)
    print(
        f"per state change, median of {len(plain)}: plain INSERT {p_med:.3f} ms,"
        f" audited append {c_med:.3f} ms"
    )
    print(
        f"  ratio audited / plain: {c_med / p_med:.2f}x"
        f"  (p95 {sorted(chained)[int(len(chained) * 0.95)]:.3f} ms)"
    )

    def throughput(writers: int, per_writer: int) -> float:
        barrier = threading.Barrier(writers + 1)

        def run() -> None:
            barrier.wait()
            for _ in range(per_writer):
                audited()
            connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(writers)]
        for t in threads:
            t.start()
        barrier.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        return writers * per_writer / (time.perf_counter() - start)

    one = throughput(1, n // 2)
    many = throughput(args.writers, n // 2 // args.writers)
    print(
        f"appends/s: 1 writer {one:.0f}, {args.writers} concurrent writers {many:.0f}"
        f"  (ratio {many / one:.2f}x; the advisory lock serialises appends)"
    )

    total = AuditEvent.objects.count()
    start = time.perf_counter()
    problem = verify_chain()
    elapsed = time.perf_counter() - start
    print(
        f"audit_verify: {total} events in {elapsed:.2f} s = {total / elapsed:.0f} events/s;"
        f" chain intact: {problem is None}"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain")
    if problem is not None:
        sys.exit(f"chain broken at #{problem.event_id}: {problem.reason}")


if __name__ == "__main__":
    main()
