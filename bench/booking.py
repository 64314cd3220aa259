"""1,000 concurrent booking attempts on 10 slots against the real web server (gunicorn, SQLite in
WAL mode): exactly 10 must be confirmed, the rest answered 409 slot_taken, none 5xx.

    .venv/bin/python bench/booking.py [--attempts 1000] [--slots 10] [--threads 100]
    [--database-url postgresql://...]

Reports the counts by status, the p50/p95/max time per attempt and the wall time.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from common import machine, write_report  # noqa: E402
from test_booking_server import attempt_all  # noqa: E402

from web.supervisor import start_web_only  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attempts", type=int, default=1000)
    ap.add_argument("--slots", type=int, default=10)
    ap.add_argument("--threads", type=int, default=100)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    env = {"LEGALBOT_LIMITS_ENABLED": "0"}
    if args.database_url:
        env["LEGALBOT_DATABASE_URL"] = args.database_url
    proc, base = start_web_only(data, extra_env=env)
    try:
        with urllib.request.urlopen(base + "/api/mediators/m01/slots?days=30") as r:
            slots = json.loads(r.read())["slots"][:args.slots]
        assert len(slots) == args.slots, "not enough free slots"
        t0 = time.perf_counter()
        results = attempt_all(base, slots, "m01", args.attempts, args.threads)
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(30)
    by_status: dict[str, int] = {}
    for status, _, _ in results:
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    times = sorted(t for _, t, _ in results)
    confirmed = {out["start"] for status, _, out in results if status == 201}
    report = {"machine": machine(), "database": args.database_url.split("@")[-1] or "SQLite (WAL)",
              "server": "gunicorn gthread, 1 worker, WEB_THREADS threads",
              "attempts": args.attempts, "slots": args.slots, "client_threads": args.threads,
              "status_counts": by_status, "confirmed": by_status.get("201", 0),
              "distinct_confirmed_slots": len(confirmed),
              "server_errors": sum(n for s, n in by_status.items() if s.startswith("5")),
              "p50_s": round(times[len(times) // 2], 3),
              "p95_s": round(times[int(len(times) * 0.95) - 1], 3),
              "max_s": round(times[-1], 3), "wall_s": round(wall, 2),
              "attempts_per_s": round(args.attempts / wall, 1)}
    write_report("booking", report)
    ok = report["confirmed"] == args.slots == report["distinct_confirmed_slots"] \
        and not report["server_errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
