"""Statistics over a large ledger on SQLite: 100,000 disputes (plus conversations, handoffs and
ratings) spread over three years, eight townships and four domains; the time of
``Stats.compute`` for each grouping over the whole ledger and over one year, and of the overdue
list. Target: each answer within a second.

    .venv/bin/python bench/ledger.py [--disputes 100000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bench.common import machine, write_report  # noqa: E402
from knowledge.content.library import get_knowledge  # noqa: E402
from web.db import make_engine, make_sessionmaker, migrate  # noqa: E402
from web.models import Conversation, Handoff  # noqa: E402
from web.models_ledger import Dispute  # noqa: E402
from web.services.ledger import townships  # noqa: E402
from web.services.monthly import MonthlyReport  # noqa: E402
from web.services.stats import Stats  # noqa: E402

STATUSES = ("registered", "accepted", "mediating", "agreement", "no_agreement", "followed_up",
            "archived")


def fill(engine, n: int, seed: int = 7) -> float:
    rnd = random.Random(seed)
    towns = townships()
    start = dt.datetime(2024, 1, 1)
    t0 = time.perf_counter()
    rows, convs, handoffs = [], [], []
    for i in range(n):
        registered = start + dt.timedelta(minutes=rnd.randrange(3 * 365 * 24 * 60))
        status = rnd.choice(STATUSES)
        accepted = registered + dt.timedelta(days=rnd.randrange(3)) if status != "registered" \
            else None
        concluded = registered + dt.timedelta(days=rnd.randrange(1, 60)) \
            if status in STATUSES[3:] else None
        outcome = (status if status in ("agreement", "no_agreement")
                   else rnd.choice(("agreement", "no_agreement")) if concluded else None)
        rows.append({"number": f"B{i:07d}", "source": rnd.choice(("robot", "booking", "walk_in")),
                     "domain": rnd.choice(("marriage", "traffic", "labor", "other")),
                     "township": rnd.choice(towns), "summary": "纠纷", "status": status,
                     "outcome": outcome, "registered_at": registered, "accepted_at": accepted,
                     "concluded_at": concluded, "updated_at": registered,
                     "deadline": (accepted + dt.timedelta(days=30)).date() if accepted else None,
                     "imported": False,
                     "concluded_late": bool(concluded and accepted and (concluded - accepted).days > 30)})
        if i % 5 == 0:
            convs.append({"id": f"c{i}", "token_hash": "x", "created_at": registered,
                          "updated_at": registered, "channel": "web", "status": "closed",
                          "priority": False})
            handoffs.append({"conversation_id": f"c{i}", "created_at": registered,
                             "domain": rows[-1]["domain"], "status": "closed",
                             "reason": "resident_request", "priority": False})
    with engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(Dispute), rows[i:i + 5000])
        conn.execute(insert(Conversation), convs)
        conn.execute(insert(Handoff), handoffs)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--disputes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        filled = fill(engine, args.disputes)
        stats = Stats(make_sessionmaker(engine), case_types=get_knowledge().case_types)
        timings = {}
        cases = [(g, None, None) for g in ("domain", "township", "month", "source", "mediator")]
        cases.append(("township", dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
        for group, a, b in cases:
            name = f"{group} {'all' if a is None else f'{a}..{b}'}"
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                report = stats.compute(a, b, group)
                runs.append(time.perf_counter() - t0)
            timings[name] = {"best_ms": round(min(runs) * 1000), "worst_ms":
                             round(max(runs) * 1000), "disputes": report["totals"]["disputes"]}
        # the monthly report a bureau sends up (web/services/monthly.py): one month, one year
        monthly = MonthlyReport(make_sessionmaker(engine))
        for a, b, month in ((dt.date(2025, 3, 1), dt.date(2025, 3, 31), "2025-03"),
                            (dt.date(2025, 1, 1), dt.date(2025, 12, 31), None)):
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = monthly.compute(a, b, month=month)
                runs.append(time.perf_counter() - t0)
            timings[f"monthly report {a}..{b}"] = {
                "best_ms": round(min(runs) * 1000), "worst_ms": round(max(runs) * 1000),
                "disputes": out["totals"]["disputes"]}
        report = {"machine": machine(), "disputes": args.disputes, "fill_s": round(filled, 1),
                  "repeat": args.repeat, "timings": timings,
                  "target_ms": 1000, "all_within_target": all(
                      t["worst_ms"] < 1000 for t in timings.values())}
        write_report("ledger", report)


if __name__ == "__main__":
    main()
