"""``legalbot eval --dev``: retrieval measured on the development questions.

The dev file's ``domain_guess`` is a keyword guess, about 90% right: domain accuracy against it
is a noisy figure (a perfect system would score about 0.90). ``cited_laws`` lists the articles
the source answer cited, where it named them.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

from knowledge.content.statutes import cn_to_int

_CITED = re.compile(r"^(?:《)?(?P<law>[^《》第]+?)(?:》)?第(?P<art>[零〇一二两三四五六七八九十百千\d]+)条")


def parse_cited(item: str, store) -> tuple[str, int] | None:
    m = _CITED.match(item.strip())
    if not m:
        return None
    law = store.resolve_name(m.group("law")) or m.group("law")
    try:
        return law, cn_to_int(m.group("art"))
    except ValueError:
        return None


def evaluate_dev(retriever, path: Path, limit: int | None = None) -> dict:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if limit:
        rows = rows[:limit]
    in_domain = [r for r in rows if r["domain_guess"] != "other"]
    other = [r for r in rows if r["domain_guess"] == "other"]
    t0 = time.perf_counter()
    results = {r["id"]: retriever.ask(r["question"]) for r in rows}
    elapsed = time.perf_counter() - t0
    correct = sum(results[r["id"]]["domain"] == r["domain_guess"] for r in in_domain)
    kept = sum(results[r["id"]]["in_scope"] for r in in_domain)
    rejected = sum(not results[r["id"]]["in_scope"] for r in other)
    confusion = Counter((r["domain_guess"], results[r["id"]]["domain"]) for r in rows)
    cited_rows = hit_any = 0
    precision_num = precision_den = 0
    for r in in_domain:
        gold = {c for c in (parse_cited(x, retriever.store) for x in r.get("cited_laws") or []) if c}
        if not gold:
            continue
        cited_rows += 1
        got = {(c["law"], c["article"]) for c in results[r["id"]]["citations"]}
        hit_any += bool(gold & got)
        precision_num += len(gold & got)
        precision_den += len(got)
    return {
        "questions": len(rows), "in_domain": len(in_domain), "out_of_scope": len(other),
        "domain_accuracy_vs_noisy_guess": round(correct / max(len(in_domain), 1), 4),
        "in_domain_kept_in_scope": round(kept / max(len(in_domain), 1), 4),
        "out_of_scope_rejected": round(rejected / max(len(other), 1), 4),
        "citation_overlap": {
            "questions_with_cited_laws": cited_rows,
            "share_with_at_least_one_cited_article": round(hit_any / max(cited_rows, 1), 4),
            "precision_of_our_citations": round(precision_num / max(precision_den, 1), 4),
        },
        "confusion": {f"{g}->{p}": n for (g, p), n in sorted(confusion.items())},
        "mean_ms_per_question": round(1000 * elapsed / max(len(rows), 1), 2),
        "note": "domain_guess is a keyword guess, about 90% right: accuracy against it is noisy",
    }
