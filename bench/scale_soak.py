"""The soak of bench/soak.py through nginx on the scale-out deployment:

    .venv/bin/python bench/scale_soak.py [--residents 50] [--seconds 180]

Starts a real PostgreSQL and Redis (Debian packages, as an unprivileged user) and the scale-out
stack of tests/engines.py (app data and Rasa's tracker store in PostgreSQL; the limiter, Rasa's
lock store and the WeChat token in Redis; two Rasa processes, two action servers, two gunicorn
web servers of two workers each, one nginx in front), then runs the same simulated residents as
bench/soak.py (3–8 s think time, free questions, whole forms, handoffs) against nginx. Per-client
limits stay on (in Redis) with a high ceiling, since every resident comes from 127.0.0.1. Writes
bench/results/scale_soak.json. Needs `legalbot build`. Traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from common import machine, write_report  # noqa: E402
from soak import MemorySampler, Target, run_phase, say, summary  # noqa: E402

import engines  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=180)
    args = ap.parse_args()
    reason = engines.missing() or engines.Nginx.missing()
    if reason:
        say(reason)
        return 1
    pg = engines.Postgres().start()
    redis = stack = None
    try:
        redis = engines.Redis().start()
        say("starting the scale-out stack ...")
        stack = engines.start_scale_stack(
            pg, redis, Path(tempfile.mkdtemp(prefix="scale-soak-")),
            extra_env={"LEGALBOT_CONVERSATION_LIMIT": "100000 per minute",
                       "LEGALBOT_IP_MESSAGE_LIMIT": "1000000 per minute"})
        procs = {p.name: p.popen.pid for p in stack.procs}
        report = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "processes": procs, "set_up": "PostgreSQL 15 + Redis, 2 Rasa, 2 actions, "
                  "2 gunicorn x 2 workers x 8 threads, 1 nginx"}
        r = run_phase([Target("web", stack.url)], args.residents, args.seconds,
                      MemorySampler(procs))
        say("scale soak: " + summary(r))
        report["soak"] = r
    finally:
        if stack:
            stack.stop()
        if redis:
            redis.stop()
        pg.stop()
    write_report("scale_soak", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
