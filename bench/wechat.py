"""WeChat benchmark: many residents writing to the 公众号 at the same instant.

    .venv/bin/python bench/wechat.py [--residents 100] [--duplicates 20] [--workers 1]

Starts the real system (Rasa, action server, web under gunicorn) on free loopback ports with a
temporary data folder and WeChat's settings, WeChat's API stood in for on loopback
(tests/test_wechat_server.py). Each of N openids sends one signed question at once (from
../shared/data/dev_questions.jsonl when present); `--duplicates` of them are also sent a second
time concurrently, and every push answered `success` is retried once after 5 s as WeChat
does. Measures the time to the HTTP answer (WeChat waits 5 s), how many were answered passively
and how many through the customer-service API (and when), and checks that every message was
answered exactly once: one passive reply or one customer-service delivery per resident, no words
twice, one stored message per push. Writes bench/results/wechat.json. Needs `legalbot build`.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
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
sys.path.insert(0, str(ROOT / "tests"))

from common import machine, write_report  # noqa: E402
from test_wechat_server import (WeChatStandIn, content_of, push_args, reply_content,  # noqa: E402
                                text_xml, wechat_settings)

from web.supervisor import Stack, free_port  # noqa: E402

FALLBACK = ["老板拖欠工资怎么办", "被公司辞退了", "离婚孩子归谁", "交通事故怎么赔",
            "工伤怎么认定", "彩礼能要回来吗", "没签劳动合同", "遗产怎么分"]


def questions(n: int) -> list[str]:
    path = ROOT.parent / "shared" / "data" / "dev_questions.jsonl"
    qs = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line).get("question", "")
            if 4 <= len(q) <= 300 and "]]>" not in q:
                qs.append(q)
            if len(qs) >= n:
                break
    while len(qs) < n:
        qs.append(FALLBACK[len(qs) % len(FALLBACK)])
    return qs


def post(url: str, xml: str, mode: str) -> tuple[float, str | None, int]:
    q, body = push_args(xml, mode)
    t = time.perf_counter()
    r = requests.post(f"{url}/wechat", params=q, data=body, timeout=30)
    took = time.perf_counter() - t
    text = r.text
    if r.status_code != 200 or text == "success":
        return took, None, r.status_code
    if mode != "plain":
        from test_wechat_server import decrypt_reply
        text = decrypt_reply(text, q)
    return took, reply_content(text), r.status_code


def ms(values: list[float]) -> dict:
    return {"median_ms": round(float(np.median(values)) * 1000, 1),
            "p95_ms": round(float(np.percentile(values, 95)) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=100)
    ap.add_argument("--duplicates", type=int, default=20, help="pushes also sent twice at once")
    ap.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    ap.add_argument("--mode", default="safe", choices=("plain", "compatible", "safe"))
    args = ap.parse_args()
    wechat = WeChatStandIn()
    data = Path(tempfile.mkdtemp(prefix="bench-wechat-"))
    env = {f"LEGALBOT_{k}": v for k, v in wechat_settings(wechat).items()}
    stack = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
                  actions_port=free_port(), data_dir=data, echo=False,
                  extra_env={**env, "LEGALBOT_WEB_WORKERS": str(args.workers)})
    stack.start(timeout=300)
    try:
        base = int(time.time() * 1000)
        pushes = [(f"oBench{i:04d}", text_xml(f"oBench{i:04d}", q, base + i))
                  for i, q in enumerate(questions(args.residents))]
        copies = pushes + pushes[:args.duplicates]
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            first = list(pool.map(lambda p: post(stack.url, p[1], args.mode), copies))
        # WeChat retries what it had no answer for within 5 s; "success" is an answer, so only
        # a push answered late would be retried: retry every "success" once anyway
        time.sleep(5)
        retried = [post(stack.url, p[1], args.mode) for p, r in zip(copies, first) if r[1] is None]
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 5 and time.monotonic() - t0 < 300:
            before = len(wechat.sent)
            time.sleep(1)
            if len(wechat.sent) != before:
                quiet_since = time.monotonic()
        report = check(args, pushes, copies, first, retried, wechat, data, t0)
        report["rss_mb"] = {p.name: round(sum(
            q.memory_info().rss for q in [psutil.Process(p.popen.pid)]
            + psutil.Process(p.popen.pid).children(recursive=True)) / 2**20, 1)
            for p in stack.procs}
    finally:
        stack.stop()
        wechat.close()
    write_report("wechat", report)
    return 0 if report["every_message_answered_exactly_once"] else 1


def check(args, pushes, copies, first, retried, wechat, data, t0) -> dict:
    passive: dict[str, list[str]] = {}
    for (openid, _), (_, text, _) in zip(copies, first + []):
        if text:
            passive.setdefault(openid, []).append(text)
    passive_retries = sum(1 for r in retried if r[1])
    late_times = []
    problems = []
    for openid, _ in pushes:
        sent = wechat.sent_to(openid)
        parts = [content_of(m) for m in sent]
        answers = len(passive.get(openid, [])) + (1 if sent else 0)
        if answers != 1:
            problems.append(f"{openid}: {answers} answers")
        if len(parts) != len(set(parts)):
            problems.append(f"{openid}: the same words twice")
        if sent:
            idx = [i for i, m in enumerate(wechat.sent) if m["touser"] == openid]
            late_times.append(wechat.sent_at[idx[0]] - t0)
    with sqlite3.connect(data / "legalbot.db") as db:
        stored = db.execute("SELECT count(*) FROM messages WHERE sender='resident'").fetchone()[0]
        inbound = db.execute("SELECT count(*) FROM wechat_inbound").fetchone()[0]
        owed = db.execute("SELECT count(*) FROM wechat_outbox WHERE status != 'sent'").fetchone()[0]
    if stored != len(pushes) or inbound != len(pushes):
        problems.append(f"{stored} messages stored, {inbound} pushes kept for {len(pushes)}")
    if owed:
        problems.append(f"{owed} customer-service messages not sent")
    codes = sorted({r[2] for r in first + retried})
    return {
        "machine": machine(), "mode": args.mode, "web_workers": args.workers,
        "residents": len(pushes), "pushes": len(copies) + len(retried),
        "http_answer_all_pushes": ms([r[0] for r in first]),
        "http_answer_first_copies": ms([r[0] for r in first[:len(pushes)]]),
        "http_statuses": codes,
        "answered_passively": sum(1 for o, _ in pushes if o in passive),
        "answered_by_customer_service": sum(1 for o, _ in pushes if wechat.sent_to(o)),
        "customer_service_first_message_s": ({"median": round(float(np.median(late_times)), 2),
                                              "p95": round(float(np.percentile(late_times, 95)), 2),
                                              "max": round(max(late_times), 2)}
                                             if late_times else None),
        "passive_replies_to_retries": passive_retries,
        "token_fetches": wechat.token_fetches,
        "every_message_answered_exactly_once": not problems and passive_retries == 0,
        "problems": problems[:20],
    }


if __name__ == "__main__":
    sys.exit(main())
