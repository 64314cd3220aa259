"""``legalbot eval --judged``: retrieval measured on the judged set ``knowledge/eval/judged.jsonl``.

Each row is a question read by a person together with the FAQ entries (see
``knowledge/eval/README.md``): ``answered`` (``answers`` lists the entries that answer it),
``partly`` (only ``partly`` entries touch it), ``none`` (a coverage gap) or ``out_of_scope``
(``referral`` names the referral group that fits). The set is split in two halves by a fixed
hash of the id: parameters are tuned on ``dev`` only; ``test`` is held out.

Measures (a "confident answer" is a reply with an ``faq_id``):

- ``precision_at_1``: of the confident answers, the share whose entry is in ``answers``
  (``precision_at_1_lenient`` also counts ``partly`` entries);
- ``recall_at_3``: of the ``answered`` questions, the share with an answering entry among the
  first three entries the system offers (the answer, or the "您问的是不是" alternatives, or,
  when the reply exposes it, its internal ranking);
- ``out_of_scope_rejected``; ``in_scope_kept`` (in-domain questions not referred away);
  ``domain_accuracy`` (in-domain questions; a row may allow a second domain); ``not_sure_rate``
  (in-domain questions answered with "not sure"); the confusion of domains;
- ``statute_hit_at_5``: for questions of the development file whose source named the articles
  (``cited_laws``, read from that file, never copied into ours), the share with one of those
  articles among our first five citations; ``..._current`` counts only questions where at
  least one named article is a current article of our statute store (old laws such as 婚姻法
  were replaced by the civil code and can never be cited).
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from pathlib import Path

from .evaluate import parse_cited

LABELS = ("answered", "partly", "none", "out_of_scope")
DOMAINS = ("marriage", "traffic", "labor", "other")
HALVES = ("dev", "test")
REQUIRED = {"id": str, "source": str, "question": str, "domain": str, "label": str,
            "answers": list, "partly": list, "note": str}


def half_of(qid: str) -> str:
    """The fixed split: the first byte of sha256(id), even -> dev, odd -> test."""
    return "dev" if hashlib.sha256(qid.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def row_problems(row: dict, faq_ids: set[str] | None = None) -> list[str]:
    """What is wrong with one judged row (empty when it is well formed)."""
    out = []
    for key, typ in REQUIRED.items():
        if not isinstance(row.get(key), typ):
            out.append(f"{key} missing or not {typ.__name__}")
    if out:
        return out
    if row["label"] not in LABELS:
        out.append(f"label {row['label']!r} not one of {LABELS}")
    if row["domain"] not in DOMAINS:
        out.append(f"domain {row['domain']!r} not one of {DOMAINS}")
    if row["source"] not in ("dev_questions", "written"):
        out.append(f"source {row['source']!r} is neither dev_questions nor written")
    if not row["question"].strip():
        out.append("empty question")
    out_of_scope = row["label"] == "out_of_scope"
    if out_of_scope != (row["domain"] == "other"):
        out.append("out_of_scope rows and only they have domain other")
    if out_of_scope and not isinstance(row.get("referral"), str):
        out.append("out_of_scope row without referral group")
    if (row["label"] == "answered") != bool(row["answers"]):
        out.append("answers is non-empty exactly when the label is answered")
    if row["label"] == "partly" and not row["partly"]:
        out.append("partly row without partly entries")
    if row["label"] in ("none", "out_of_scope") and row["partly"]:
        out.append(f"{row['label']} row with partly entries")
    if row["label"] in ("partly", "none") and not row["note"]:
        out.append("partly / none rows say in a note what is missing")
    for also in row.get("domain_also", []):
        if also not in DOMAINS:
            out.append(f"domain_also {also!r} unknown")
    if faq_ids is not None:
        for fid in row["answers"] + row["partly"]:
            if fid not in faq_ids:
                out.append(f"unknown FAQ id {fid}")
    return out


def load_judged(path: Path, faq_ids: set[str] | None = None) -> list[dict]:
    rows, problems, seen = [], [], set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        problems += [f"line {n} ({row.get('id')}): {p}" for p in row_problems(row, faq_ids)]
        if row.get("id") in seen:
            problems.append(f"line {n}: duplicate id {row.get('id')}")
        seen.add(row.get("id"))
        rows.append(row)
    if problems:
        raise ValueError("judged set is not well formed:\n" + "\n".join(problems[:20]))
    return rows


def cited_articles(dev_path: Path | None, store) -> dict[str, set[tuple[str, int]]]:
    """id -> articles named by the source of a development question (where it named any)."""
    if dev_path is None or not Path(dev_path).exists():
        return {}
    out = {}
    for line in Path(dev_path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            gold = {c for c in (parse_cited(x, store) for x in r.get("cited_laws") or []) if c}
            if gold:
                out[r["id"]] = gold
    return out


def offered(result: dict) -> list[str]:
    """The entries the reply puts before the resident, best first."""
    if result.get("ranking"):
        return list(result["ranking"])
    ids = [result["faq_id"]] if result.get("faq_id") else []
    return ids + [a["faq_id"] for a in result.get("alternatives") or []]


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score(rows: list[dict], results: dict[str, dict], *, cited=None, store=None) -> dict:
    """The measures of the module docstring for ``rows`` given the replies ``results``."""
    cited = cited or {}
    in_domain = [r for r in rows if r["domain"] != "other"]
    oos = [r for r in rows if r["domain"] == "other"]
    answered = [r for r in rows if r["label"] == "answered"]
    res = {r["id"]: results[r["id"]] for r in rows}
    confident = [r for r in rows if res[r["id"]].get("faq_id")]
    right = sum(res[r["id"]]["faq_id"] in r["answers"] for r in confident)
    lenient = sum(res[r["id"]]["faq_id"] in r["answers"] + r["partly"] for r in confident)
    top3 = sum(bool(set(offered(res[r["id"]])[:3]) & set(r["answers"])) for r in answered)
    not_sure = sum(res[r["id"]]["in_scope"] and not res[r["id"]].get("faq_id") for r in in_domain)
    domain_ok = sum(res[r["id"]]["domain"] in [r["domain"], *r.get("domain_also", [])]
                    for r in in_domain)
    tiers: dict[str, Counter] = {label: Counter() for label in LABELS}
    for r in rows:
        out = res[r["id"]]
        if not out["in_scope"]:
            tier = "referred"
        elif not out.get("faq_id"):
            tier = "not_sure"
        elif out["faq_id"] in r["answers"]:
            tier = "right"
        elif out["faq_id"] in r["partly"]:
            tier = "partly"
        else:
            tier = "wrong"
        tiers[r["label"]][tier] += 1
    hit = hit_cur = n_cur = n_cited = 0
    current = (lambda law, art: store.get(law, art) is not None) if store is not None else None
    for r in in_domain:
        gold = cited.get(r["id"])
        if not gold:
            continue
        n_cited += 1
        got = {(c["law"], c["article"]) for c in res[r["id"]]["citations"][:5]}
        hit += bool(gold & got)
        if current and any(current(*g) for g in gold):
            n_cur += 1
            hit_cur += bool(gold & got)
    confusion = Counter(f"{r['domain']}->{res[r['id']]['domain']}" for r in rows)
    return {
        "questions": len(rows), "in_domain": len(in_domain), "out_of_scope": len(oos),
        "labels": dict(Counter(r["label"] for r in rows)),
        "precision_at_1": _share(right, len(confident)),
        "precision_at_1_lenient": _share(lenient, len(confident)),
        "confident_answers": len(confident),
        "recall_at_3": _share(top3, len(answered)),
        "out_of_scope_rejected": _share(sum(not res[r["id"]]["in_scope"] for r in oos), len(oos)),
        "in_scope_kept": _share(sum(res[r["id"]]["in_scope"] for r in in_domain), len(in_domain)),
        "domain_accuracy": _share(domain_ok, len(in_domain)),
        "not_sure_rate": _share(not_sure, len(in_domain)),
        "statute_hit_at_5": _share(hit, n_cited), "statute_questions": n_cited,
        "statute_hit_at_5_current": _share(hit_cur, n_cur), "statute_questions_current": n_cur,
        "tiers_by_label": {k: dict(v) for k, v in tiers.items()},
        "confusion": dict(sorted(confusion.items())),
    }


def evaluate_judged(retriever, rows: list[dict], *, half: str = "all", cited=None,
                    limit: int | None = None) -> dict:
    """Ask every question once; report the measures per half (and for the rows asked)."""
    if half != "all":
        rows = [r for r in rows if half_of(r["id"]) == half]
    if limit:
        rows = rows[:limit]
    t0 = time.perf_counter()
    results = {r["id"]: retriever.ask(r["question"]) for r in rows}
    elapsed = time.perf_counter() - t0
    store = getattr(retriever, "store", None)
    report = {"half": half, **score(rows, results, cited=cited, store=store)}
    if half == "all":
        for h in HALVES:
            part = [r for r in rows if half_of(r["id"]) == h]
            if part:
                report[h] = {k: v for k, v in score(part, results, cited=cited, store=store).items()
                             if k not in ("confusion", "tiers_by_label")}
    report["mean_ms_per_question"] = round(1000 * elapsed / max(len(rows), 1), 2)
    return report


def judged_report(retriever, path: Path, *, half: str = "all", dev_path: Path | None = None,
                  limit: int | None = None) -> dict:
    """Load and check the judged set, read the named articles, evaluate: what the CLI prints."""
    faq_ids = {e["id"] for e in retriever.index.entries if e["kind"] == "faq"}
    rows = load_judged(path, faq_ids)
    cited = cited_articles(dev_path, retriever.store)
    return evaluate_judged(retriever, rows, half=half, cited=cited, limit=limit)
