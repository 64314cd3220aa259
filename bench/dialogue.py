"""Dialogue benchmark: per-turn latency through the chat API, sequential and with concurrent
conversations, and the memory of each process.

    .venv/bin/python bench/dialogue.py [--conversations 20] [--turns 10]

Starts the real system (Rasa, action server, web) on free loopback ports with a temporary data
folder, drives whole consultations over HTTP, prints a Markdown-ready JSON report and writes
bench/results/dialogue.json. Needs `legalbot build` first. Traffic stays on 127.0.0.1 and every
loop is bounded.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine, write_report  # noqa: E402
from web.supervisor import Stack, free_port  # noqa: E402

# the menu path first: a resident may send only payloads the bot offered (contract 2)
SCRIPT = [("text", "你好"), ("payload", '/choose_domain{"domain": "labor"}'),
          ("payload", '/start_case{"case_type": "unlawful_dismissal"}'), ("text", "八千"),
          ("text", "2020年3月1日"), ("text", "2023年5月1号"), ("text", "没有理由就让我走了"),
          ("text", "不知道"), ("text", "老板跑路了工资谁给"), ("text", "离婚了孩子归谁")]


def conversation(url: str, turns: int) -> list[float]:
    body = requests.post(f"{url}/api/conversations", timeout=30).json()
    h = {"X-Conversation-Token": body["token"]}
    times = []
    for kind, value in SCRIPT[:turns]:
        t = time.perf_counter()
        r = requests.post(f"{url}/api/conversations/{body['conversation_id']}/messages",
                          json={kind: value}, headers=h, timeout=120)
        r.raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
    return times


def stats(times: list[float]) -> dict:
    return {"turns": len(times), "median_ms": round(float(np.median(times)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1), "max_ms": round(max(times), 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=20)
    ap.add_argument("--turns", type=int, default=len(SCRIPT))
    ap.add_argument("--sequential", type=int, default=5, help="sequential conversations")
    args = ap.parse_args()
    stack = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
                  actions_port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="bench-")),
                  echo=False, extra_env={"LEGALBOT_LIMITS_ENABLED": "0"})  # one address, many residents
    stack.start(timeout=300)
    try:
        seq = [t for _ in range(args.sequential) for t in conversation(stack.url, args.turns)]
        with ThreadPoolExecutor(max_workers=args.conversations) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: conversation(stack.url, args.turns),
                                    range(args.conversations)))
            wall = time.perf_counter() - t0
        conc = [t for r in results for t in r]
        memory = {p.name: round(psutil.Process(p.popen.pid).memory_info().rss / 2**20, 1)
                  for p in stack.procs}
        report = {"machine": machine(),
                  "sequential": stats(seq),
                  f"concurrent_{args.conversations}": {**stats(conc),
                                                      "turns_per_s": round(len(conc) / wall, 1)},
                  "rss_mb": memory}
    finally:
        stack.stop()
    write_report("dialogue", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
